package broken

deny contains msg if {
	msg := input.message
	unknown_var == 1
}
