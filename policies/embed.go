// Package policies embeds mlgate's policy library, so the gate can tell the
// shipped modules of the reserved mlgate.* packages from look-alikes a pull
// request brings.
package policies

import "embed"

// Library holds the shipped policy files (*.rego, their tests included).
//
//go:embed *.rego
var Library embed.FS
