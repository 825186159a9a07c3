package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateWhere: --where restricts the run (the evidence names the
// filter and the rows kept); a predicate that does not parse, or names a
// column the data lacks, exits 2 saying why.
func TestValidateWhere(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 1000, 250, 5)
	contract := writeContract(t, dir, "c.yaml", "columns:\n  - name: id\n    max: 499\n")
	runCLI(t, nil, "validate", "-c", contract, data).wantCode(t, 1)
	out := filepath.Join(dir, "v.json")
	runCLI(t, nil, "validate", "-c", contract, "--where", "id < 500", "--out", out, data).wantCode(t, 0)
	doc := readEvidence(t, out)
	for _, c := range doc.Checks {
		if c.ID == "column.id.max" && (c.Where == nil || c.Where.Where != "id < 500" || c.Where.Rows != 500 || c.Total != 500) {
			t.Errorf("id.max under --where: %+v, where %+v", c, c.Where)
		}
	}
	r := runCLI(t, nil, "validate", "-c", contract, "--where", "id <", data)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, `row filter "id <": at character 5: expected a value`) {
		t.Errorf("stderr %q", r.stderr)
	}
	r = runCLI(t, nil, "validate", "-c", contract, "--where", "nope = 1", data)
	r.wantCode(t, 2)
	if !strings.Contains(r.stdout+r.stderr, `column "nope" is not in`) {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}
