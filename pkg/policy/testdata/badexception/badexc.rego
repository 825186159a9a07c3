package badexc

deny_x contains "x" if input.model.metadata.x

exception contains 42 if input.model.metadata.x
