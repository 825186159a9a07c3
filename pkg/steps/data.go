package steps

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DataFiles turns arguments into Parquet file paths: globs are expanded
// (for shells that pass them quoted, as GitHub Actions inputs do), folders
// contribute their *.parquet files, recursively. The result is sorted and
// without duplicates; a pattern that matches nothing is an error.
func DataFiles(args []string) ([]string, error) {
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
