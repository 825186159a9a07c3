package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/table"
)

// TestTableCorpus runs contract infer and validate on every corpus table:
// a table mlgate can read validates against the contract inferred from
// it (exit 0), with evidence naming the table version of every file; any
// other table exits 2 with a message naming what was refused.
func TestTableCorpus(t *testing.T) {
	var tables []string
	for _, c := range []string{"delta", "iceberg"} {
		root := testenv.Shared(t, "corpora", c, "tables")
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() && table.Detect(p) != "" {
				tables = append(tables, p)
				return filepath.SkipDir
			}
			return err
		})
	}
	read := 0
	for _, dir := range tables {
		rel := dir[strings.Index(dir, "corpora"):]
		t.Run(rel, func(t *testing.T) {
			tmp := t.TempDir()
			contract, out := filepath.Join(tmp, "c.yaml"), filepath.Join(tmp, "v.json")
			infer := runCLI(t, nil, "contract", "infer", "--out", contract, dir)
			// A table the library cannot resolve must be refused with its
			// reason; one it resolves is validated, or refused naming a
			// table feature the scan cannot honour.
			s, err := table.Open(dir, table.Current)
			var ue *table.UnsupportedError
			if infer.code != 0 {
				infer.wantCode(t, 2)
				switch {
				case errors.As(err, &ue) && !strings.Contains(infer.stderr, ue.Feature):
					t.Fatalf("the refusal does not name %q: %s", ue.Feature, infer.stderr)
				case err == nil && len(s.Files) > 0 && allExist(s) && !strings.Contains(infer.stderr, "not supported"):
					t.Fatalf("a readable table was refused without naming a feature: %s", infer.stderr)
				}
				return
			}
			if err != nil {
				t.Fatalf("the library refuses the table (%v), the CLI read it", err)
			}
			runCLI(t, nil, "validate", "--contract", contract, "--out", out, dir).wantCode(t, 0)
			doc := readEvidence(t, out)
			if len(doc.Subject.Files) != len(s.Files) {
				t.Fatalf("%d files in the evidence, %d live", len(doc.Subject.Files), len(s.Files))
			}
			for _, f := range doc.Subject.Files {
				if f.Table == nil || f.Table.Version != s.Version || f.Table.Format != s.Format {
					t.Fatalf("file %s names table %+v", f.Path, f.Table)
				}
			}
			read++
		})
	}
	if read < 66 {
		t.Errorf("only %d corpus tables validated", read)
	}
	t.Logf("%d of %d corpus tables validated against the contract inferred from them", read, len(tables))
}

func allExist(s *table.Snapshot) bool {
	for _, f := range s.Files {
		if _, err := os.Stat(f.Path); err != nil {
			return false
		}
	}
	return true
}
