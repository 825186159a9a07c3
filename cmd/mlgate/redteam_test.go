package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// Red-team tests of the gate's binding of data evidence: each replays
// genuine evidence of other data (a pull request's author may hand in an
// old run's) and expects the gate to refuse it, naming the file and why.

// rtContract writes a contract whose whole-table rule (a unique id) and
// row rule (id at least 1) a hostile dataset can break.
func rtContract(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    min: 1\n    unique: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rtGate runs the gate on the evidence and the dataset and returns the
// evidence.subject checks.
func rtGate(t *testing.T, ev, data []string) (cliResult, []evidence.Check) {
	t.Helper()
	var args []string
	for _, e := range ev {
		args = append(args, "--evidence", e)
	}
	for _, d := range data {
		args = append(args, "--dataset", d)
	}
	r, out := gateModel(t, writeModel(t), args...)
	var subject []evidence.Check
	if _, err := os.Stat(out); err == nil {
		for _, c := range readEvidence(t, out).Checks {
			if c.ID == "evidence.subject" {
				subject = append(subject, c)
			}
		}
	}
	return r, subject
}

// rtWantRefused fails unless the gate said "do not promote" with an
// evidence.subject check failing at the file with a message holding want.
func rtWantRefused(t *testing.T, r cliResult, subject []evidence.Check, file, want string) {
	t.Helper()
	r.wantCode(t, 1)
	for _, c := range subject {
		if c.Status == evidence.StatusFail && c.Location != nil && c.Location.File == file && strings.Contains(c.Message, want) {
			return
		}
	}
	t.Fatalf("no failed subject check at %s saying %q: %+v", file, want, subject)
}

// TestRedteamDuplicateFileBindsOnce: a dataset holding two files of the
// same bytes has every id twice; the validation of one of them (unique
// ids) is not about it. Binding by the set of digests took it.
func TestRedteamDuplicateFileBindsOnce(t *testing.T) {
	dir := t.TempDir()
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, 2, 3})
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	os.WriteFile(a, data, 0o644)
	os.WriteFile(b, data, 0o644)
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "validate", "--digest", "--contract", rtContract(t), "--out", ev, a).wantCode(t, 0)
	// The whole dataset fails the contract: the gate must not promote it
	// on the evidence of half of it.
	runCLI(t, nil, "validate", "--contract", rtContract(t), a, b).wantCode(t, 1)
	r, subject := rtGate(t, []string{ev}, []string{dir})
	rtWantRefused(t, r, subject, ev, "does not cover the dataset's "+b)
}

// TestRedteamDisjointValidationsDoNotCombine: two validations of halves of
// the dataset each ran the whole-table rules (unique ids) on their half
// only; together they are no validation of the whole (ids repeat across
// the halves). Only an incremental check, which ran those rules on the
// files live before it too, binds together with others.
func TestRedteamDisjointValidationsDoNotCombine(t *testing.T) {
	dir := t.TempDir()
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, 2, 3}, []int64{3, 4, 5})
	var local []string
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, []string{"a.parquet", "b.parquet"}[i])
		os.WriteFile(p, data, 0o644)
		local = append(local, p)
	}
	contract := rtContract(t)
	runCLI(t, nil, "validate", "--contract", contract, dir).wantCode(t, 1)
	var ev []string
	for _, p := range local {
		out := filepath.Join(t.TempDir(), "v.json")
		runCLI(t, nil, "validate", "--digest", "--contract", contract, "--out", out, p).wantCode(t, 0)
		ev = append(ev, out)
	}
	r, subject := rtGate(t, ev, []string{dir})
	rtWantRefused(t, r, subject, ev[0], "does not cover the dataset's "+local[1])
	rtWantRefused(t, r, subject, ev[1], "does not cover the dataset's "+local[0])
}
