package runtime

deny contains msg if {
	n := to_number(input.model.metadata.count)
	msg := sprintf("count %d", [n])
}
