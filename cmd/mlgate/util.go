package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// sameFile reports whether two paths name the same file (also through links),
// so that an output never overwrites an input the user gave.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// refuseOverwrite fails when the output file out names one of the inputs, so
// that nothing the user gave is overwritten.
func refuseOverwrite(out string, inputs ...string) error {
	if out == "" {
		return nil
	}
	for _, in := range inputs {
		if in != "" && sameFile(in, out) {
			return fmt.Errorf("refusing to overwrite %s: it is also an input", out)
		}
	}
	return nil
}
