package typo

# Reads a field the input does not have.
deny contains "no name" if not input.modle.name
