// Command gen writes the gate benchmark fixture into a folder, for
// scripts/bench/30-gate.sh: go run ./internal/gatebench/gen DIR [scan]
package main

import (
	"fmt"
	"os"

	"github.com/mlgate/mlgate/internal/gatebench"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR [scan]")
		os.Exit(2)
	}
	shape := gatebench.Lookup
	if len(os.Args) == 3 && os.Args[2] == "scan" {
		shape = gatebench.Scan
	}
	if _, err := gatebench.Write(os.Args[1], shape); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}
