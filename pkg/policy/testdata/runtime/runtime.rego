package runtime

deny contains msg if {
	n := to_number(input.count)
	msg := sprintf("count %d", [n])
}
