package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// scanOptions is the option group of commands that read Parquet data.
type scanOptions struct {
	Workers     int
	MaxPageSize int64
	// Endpoint and NoSignRequest reach remote data (remote_data.go).
	Endpoint      string
	NoSignRequest bool
}

func (o *scanOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.Workers, "workers", 0, "column chunks read in parallel (default: the number of CPUs)")
	cmd.Flags().Int64Var(&o.MaxPageSize, "max-page-size", parquetx.DefaultMaxPageSize>>20, "refuse Parquet pages larger than this many `MiB` uncompressed")
	o.addStoreFlags(cmd)
	checkFlags(cmd, func() error {
		if o.MaxPageSize < 1 || o.MaxPageSize > maxPageMiB {
			return fmt.Errorf("--max-page-size %d: want 1 to %d MiB", o.MaxPageSize, maxPageMiB)
		}
		return checkWorkers(cmd, o.Workers)
	})
}

// pageLimitHint names the flag that lifts the page size limit when the limit
// is what stopped a read: the file may be valid.
func pageLimitHint(err error) error {
	var pe *parquetx.PageLimitError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w (the file may be valid: --max-page-size %d reads this page)", err, pe.NeededMiB())
	}
	return err
}

// maxPageMiB bounds --max-page-size (1 TiB): no page is larger, and the size
// in bytes stays far from overflowing.
const maxPageMiB = 1 << 20

func (o *scanOptions) parquetx() parquetx.ScanOptions {
	return parquetx.ScanOptions{Workers: o.Workers, MaxPageSize: o.MaxPageSize << 20}
}

// expandDataArgs turns arguments into Parquet file paths: globs are expanded
// (for shells that pass them quoted, as GitHub Actions inputs do), folders
// contribute their *.parquet files, recursively. The result is sorted and
// without duplicates; a pattern that matches nothing is an error.
func expandDataArgs(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", arg, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%q matches no files", arg)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("data file: %w", err)
			}
			if !st.IsDir() {
				add(p)
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(q, ".parquet") {
					found = append(found, q)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("folder %s holds no .parquet files", p)
			}
			sort.Strings(found)
			for _, q := range found {
				add(q)
			}
		}
	}
	return out, nil
}
