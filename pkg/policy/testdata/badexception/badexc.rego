package badexc

deny_x contains "x" if input.x

exception contains 42 if input.x
