// Command gen writes the benchmark's feature table: go run ./internal/benchgen/gen -rows N -out FILE.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/mlgate/mlgate/internal/benchgen"
)

func main() {
	rows := flag.Int("rows", 20_000_000, "rows to write")
	rowGroup := flag.Int("row-group", 1_000_000, "rows per row group")
	seed := flag.Uint64("seed", 42, "random seed")
	out := flag.String("out", "", "output file (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	w := bufio.NewWriterSize(f, 4<<20)
	if err := benchgen.Write(w, *rows, *rowGroup, *seed); err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}
