package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

func writeContract(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContractDiffBreakingIsExit1(t *testing.T) {
	dir := t.TempDir()
	old := writeContract(t, dir, "old.yaml", "columns:\n  - name: amount\n    type: double\n    max: 100\n  - name: id\n    type: int64\n")
	new := writeContract(t, dir, "new.yaml", "columns:\n  - name: amount\n    type: double\n    max: 1000\n")
	env := actionsEnv(t)
	out := filepath.Join(dir, "diff.json")
	r := runCLI(t, env, "contract", "diff", "--out", out, old, new)
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	var d evidence.ContractDiffDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != evidence.KindContractDiff || len(d.Changes) != 2 || doc.Summary != "2 breaking of 2 changes" {
		t.Fatalf("%s %q %+v", doc.Kind, doc.Summary, d.Changes)
	}
	if !strings.Contains(r.stdout, "file="+new+",line=6,title=column.amount.max.widened::") {
		t.Errorf("no annotation at the widened max in the new contract:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "file="+old+",line=7,title=column.id.removed::") {
		t.Errorf("no annotation at the removed column in the old contract:\n%s", r.stdout)
	}
}

func TestContractDiffCompatibleIsExit0(t *testing.T) {
	dir := t.TempDir()
	old := writeContract(t, dir, "old.yaml", "columns:\n  - name: amount\n    max: 1000\n")
	new := writeContract(t, dir, "new.yaml", "columns:\n  - name: amount\n    max: 100\n    nullable: false\n  - name: extra\n")
	r := runCLI(t, nil, "contract", "diff", "--format", "json", old, new)
	r.wantCode(t, 0)
	doc, err := evidence.Parse([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Status != evidence.StatusPass || doc.Summary != "3 compatible changes" {
		t.Fatalf("%s %q", doc.Status, doc.Summary)
	}
	same := runCLI(t, nil, "contract", "diff", old, old)
	same.wantCode(t, 0)
	if !strings.Contains(same.stdout, "no changes") {
		t.Fatalf("%q", same.stdout)
	}
}

func TestContractDiffBadContractIsExit2(t *testing.T) {
	dir := t.TempDir()
	old := writeContract(t, dir, "old.yaml", "columns:\n  - name: a\n    min: 3\n    max: 1\n")
	r := runCLI(t, nil, "contract", "diff", old, old)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, old+":6:5: column \"a\": min 3 is greater than max 1") {
		t.Fatalf("%q", r.stderr)
	}
}

func TestContractInferToStdout(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 200, 100, 5)
	r := runCLI(t, nil, "contract", "infer", data)
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "apiVersion: mlgate.dev/v1\nkind: DataContract\n") || !strings.Contains(r.stdout, "  - name: amount\n    type: double\n    nullable: true\n") {
		t.Fatalf("%s", r.stdout)
	}
}

// TestContractODCS infers an ODCS contract, validates with it, and converts
// it to mlgate's format and back: the rules survive both ways, and what ODCS
// cannot say is named on stderr.
func TestContractODCS(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 200, 100, 5)
	odcs := filepath.Join(dir, "f.odcs.yaml")
	runCLI(t, nil, "contract", "infer", "--contract-format", "odcs", "--contract-out", odcs, data).wantCode(t, 0)
	out := filepath.Join(dir, "validation.json")
	runCLI(t, nil, "validate", "--contract", odcs, "--out", out, data).wantCode(t, 0)
	if d, ok := evidence.DetailsOf[evidence.ValidationDetails](readEvidence(t, out)); !ok || d.Format != "odcs" {
		t.Errorf("details %+v", d)
	}
	own := filepath.Join(dir, "f.yaml")
	runCLI(t, nil, "contract", "convert", "--to", "mlgate", "--contract-out", own, odcs).wantCode(t, 0)
	back := runCLI(t, nil, "contract", "convert", "--to", "odcs", own)
	back.wantCode(t, 0)
	first, _ := os.ReadFile(odcs)
	if back.stdout != string(first) {
		t.Errorf("ODCS → mlgate → ODCS differs:\n%s\n---\n%s", first, back.stdout)
	}
	strict := filepath.Join(dir, "strict.yaml")
	if err := os.WriteFile(strict, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset: {strict: true}\ncolumns: [{name: id}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "contract", "convert", "--to", "odcs", strict)
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "not carried over: dataset.strict") {
		t.Errorf("stderr %q does not name the lost rule", r.stderr)
	}
	runCLI(t, nil, "contract", "convert", "--to", "csv", strict).wantCode(t, 2)
}
