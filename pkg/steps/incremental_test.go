package steps_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// validateTable validates a table argument with the run's table options.
func validateTable(t *testing.T, dir, body string, opts table.Options, digest bool) *evidence.Document {
	t.Helper()
	return validateTableWith(t, dir, body, opts, steps.ValidateRequest{Digest: digest})
}

// validateTableWith validates a table argument with the run's table
// options and the request's other fields.
func validateTableWith(t *testing.T, dir, body string, opts table.Options, req steps.ValidateRequest) *evidence.Document {
	t.Helper()
	ctx := context.Background()
	contract := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := steps.NewRemote(objstore.Options{})
	t.Cleanup(func() { remote.Close() })
	remote.Table = &opts
	files, err := remote.Files(ctx, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	req.Run, req.Contract, req.Data = steps.Run{Remote: remote}, contract, files
	doc, err := steps.Validate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// gateOn runs the example gate (testdata/gate) over the evidence with the
// request's bindings.
func gateOn(t *testing.T, r steps.GateRequest, docs ...string) *evidence.Document {
	t.Helper()
	r.Run = run
	r.PolicyInputs = steps.PolicyInputs{
		Config:   "../../testdata/gate/gate.yaml",
		Metrics:  []string{"../../testdata/gate/metrics.json"},
		Baseline: []string{"../../testdata/gate/baseline.json"},
		Evidence: docs,
	}
	decision, err := steps.Gate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return decision
}

func check(doc *evidence.Document, id string) *evidence.Check {
	for i := range doc.Checks {
		if doc.Checks[i].ID == id {
			return &doc.Checks[i]
		}
	}
	return nil
}

// An incremental check validates the rows of the commits after the since
// version with every rule, and the row bounds over the whole table from
// the log's row counts: the old data files are deleted from disk here, so
// opening one would fail the run.
func TestValidateSinceReadsOnlyAddedFiles(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, old := d.Commit(t, []int64{1, 2, 3}, []int64{4, 5, 6})
	v, _ := d.Commit(t, []int64{7, 8})
	rules := "dataset:\n  rows: {min: 8, max: 8}\ncolumns:\n  - name: id\n    min: 7\n"
	// Without since, the old rows fail min 7.
	if doc := validateTable(t, d.Dir, rules, table.Current, false); doc.Status != evidence.StatusFail {
		t.Fatalf("whole table: %s: %s", doc.Status, doc.Summary)
	}
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	since := v - 1
	doc := validateTable(t, d.Dir, rules, table.Options{Version: -1, Since: &since}, false)
	if doc.Status != evidence.StatusPass {
		t.Fatalf("since %d: %s: %s", since, doc.Status, doc.Summary)
	}
	for _, id := range []string{"dataset.rows.min", "dataset.rows.max"} {
		c := check(doc, id)
		if c == nil || c.DecidedBy != "table-metadata" || !strings.Contains(c.Message, "8 rows") {
			t.Errorf("%s: %+v", id, c)
		}
	}
	scopes := map[string]int{}
	for _, f := range doc.Subject.Files {
		scopes[f.Scope]++
		if f.Table == nil || f.Table.Since == nil || *f.Table.Since != since || f.Table.Version != v {
			t.Errorf("%s names table %+v", f.Path, f.Table)
		}
	}
	if scopes[evidence.ScopeAdded] != 1 || scopes[evidence.ScopeTable] != 2 || len(scopes) != 2 {
		t.Errorf("subject scopes %v, want 1 added and 2 table", scopes)
	}
}

// Uniqueness is a whole-table rule: a new row duplicating an old one
// fails it, though the added data alone is unique.
func TestValidateSinceUniqueSeesWholeTable(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	d.Commit(t, []int64{1, 2, 3})
	v, _ := d.Commit(t, []int64{3, 4})
	since := v - 1
	doc := validateTable(t, d.Dir, "columns:\n  - name: id\n    unique: true\n", table.Options{Version: -1, Since: &since}, true)
	c := check(doc, "column.id.unique")
	if doc.Status != evidence.StatusFail || c == nil || c.Status != evidence.StatusFail || c.Failures == 0 {
		t.Fatalf("%s: %s; unique check %+v", doc.Status, doc.Summary, c)
	}
	for _, f := range doc.Subject.Files {
		if f.Digest["sha256"] == "" {
			t.Errorf("%s (%s) has no digest", f.Path, f.Scope)
		}
	}
	// Since the last version nothing is added: the whole-table rule still runs.
	doc = validateTable(t, d.Dir, "columns:\n  - name: id\n    unique: true\n", table.Options{Version: -1, Since: &v}, false)
	if c := check(doc, "column.id.unique"); c == nil || c.Status != evidence.StatusFail {
		t.Errorf("since the last version: %+v", c)
	}
}

// Drift between two versions of one table: the files both versions share
// are on both sides, and each side's files name their own version.
func TestDriftBetweenTableVersions(t *testing.T) {
	ctx := context.Background()
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{1, 2, 3, 4, 5, 6})
	var ids []int64
	for i := int64(1000); i < 1100; i++ {
		ids = append(ids, i)
	}
	v2, _ := d.Commit(t, ids)
	remote := steps.NewRemote(objstore.Options{})
	defer remote.Close()
	ref, err := remote.Files(ctx, []string{fmt.Sprintf("%s@%d", d.Dir, v1)})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := remote.Files(ctx, []string{d.Dir})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := steps.Drift(ctx, steps.DriftRequest{Run: steps.Run{Remote: remote}, Reference: ref, Current: cur})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Status != evidence.StatusFail {
		t.Errorf("%s: %s", doc.Status, doc.Summary)
	}
	details, _ := evidence.DetailsOf[evidence.DriftDetails](doc)
	for side, want := range map[*evidence.DriftSide]int64{details.ReferenceInputs: v1, details.CurrentInputs: v2} {
		for _, f := range side.Data {
			if f.Table == nil || f.Table.Version != want {
				t.Errorf("%s: table %+v, want version %d", f.Path, f.Table, want)
			}
		}
	}
	if len(details.ReferenceInputs.Data) != 1 || len(details.CurrentInputs.Data) != 2 {
		t.Errorf("sides: %d and %d files", len(details.ReferenceInputs.Data), len(details.CurrentInputs.Data))
	}
}

// The summary of an incremental check says what was read and why.
func TestValidateSinceSummary(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	d.Commit(t, []int64{1, 2}, []int64{3})
	v, _ := d.Commit(t, []int64{4})
	since := v - 1
	for rules, rest := range map[string]string{
		"columns:\n  - name: id\n    min: 0\n":                             "not read (the contract has no whole-table rule)",
		"dataset:\n  rows: {min: 4}\ncolumns:\n  - name: id\n    min: 0\n": "by the whole-table rules only",
	} {
		doc := validateTable(t, d.Dir, rules, table.Options{Version: -1, Since: &since}, false)
		want := fmt.Sprintf("1 files added to %s since version %d checked by every rule, its 2 earlier live files %s", d.Dir, since, rest)
		if !strings.Contains(doc.Summary, want) {
			t.Errorf("summary %q", doc.Summary)
		}
	}
}

// The gate binds a DataValidation to a table only if it ran every rule on
// every row of every live file. An incremental check ran them on the added
// data alone, a shard on its part, a run filter on the rows it kept: none
// vouches for the table, while a full validation does.
func TestGateRefusesPartialValidations(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	d.Commit(t, []int64{1, 2, 3})
	v, _ := d.Commit(t, []int64{7, 8})
	since := v - 1
	dir := t.TempDir()
	for _, tc := range []struct {
		name, want string
		opts       table.Options
		req        steps.ValidateRequest
	}{
		{"full", "", table.Current, steps.ValidateRequest{}},
		{"incremental", fmt.Sprintf("only on the data added since version %d, and no other evidence given validated the 1 files live before", since), table.Options{Version: -1, Since: &since}, steps.ValidateRequest{}},
		{"shard", "is shard 1 of 2 of a validation", table.Current, steps.ValidateRequest{Shard: &evidence.Shard{Index: 1, Count: 2}}},
		{"where", "validated only the rows where id > 5, a filter the run added", table.Current, steps.ValidateRequest{Where: "id > 5"}},
	} {
		tc.req.Digest = true
		doc := validateTableWith(t, d.Dir, "dataset:\n  rows: {min: 1}\ncolumns:\n  - name: id\n    min: 0\n", tc.opts, tc.req)
		if doc.Status != evidence.StatusPass {
			t.Fatalf("%s: %s: %s", tc.name, doc.Status, doc.Summary)
		}
		path := filepath.Join(dir, tc.name+".json")
		if err := evidence.Write(path, doc); err != nil {
			t.Fatal(err)
		}
		decision := gateOn(t, steps.GateRequest{Datasets: []string{d.Dir}}, path)
		c := check(decision, "evidence.subject")
		switch {
		case c == nil:
			t.Fatalf("%s: no evidence.subject check", tc.name)
		case tc.want == "" && (c.Status != evidence.StatusPass || !steps.Promote(decision)):
			t.Errorf("%s: %s: %s", tc.name, c.Status, c.Message)
		case tc.want != "" && (c.Status != evidence.StatusFail || steps.Promote(decision) || !strings.Contains(c.Message, tc.want)):
			t.Errorf("%s: %s: %s, want a failure saying %q", tc.name, c.Status, c.Message, tc.want)
		}
	}
}

// An incremental validation binds together with the validation of the
// version it started after: between them every live file was checked by
// every rule. A validation of an older version alone does not cover the
// data added since.
func TestGateBindsAnIncrementalChain(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{1, 2, 3})
	d.Commit(t, []int64{7, 8})
	rules := "dataset:\n  rows: {min: 1}\ncolumns:\n  - name: id\n    min: 0\n"
	dir := t.TempDir()
	write := func(name string, opts table.Options) string {
		doc := validateTable(t, d.Dir, rules, opts, true)
		path := filepath.Join(dir, name)
		if err := evidence.Write(path, doc); err != nil {
			t.Fatal(err)
		}
		return path
	}
	before := write("v1.json", table.Options{Version: v1})
	since := write("since.json", table.Options{Version: -1, Since: &v1})
	for _, tc := range []struct {
		evidence []string
		promote  bool
	}{
		{[]string{before, since}, true},
		{[]string{since}, false},
		{[]string{before}, false},
	} {
		decision := gateOn(t, steps.GateRequest{Datasets: []string{d.Dir}}, tc.evidence...)
		if steps.Promote(decision) != tc.promote {
			t.Errorf("evidence %v: promote %v, want %v: %s", tc.evidence, steps.Promote(decision), tc.promote, decision.Summary)
		}
	}
}

// A gate given the contract (the protected branch's copy) refuses a
// validation against any other, such as one a pull request weakened, and
// one that does not record its contract's digest.
func TestGateRequiresTheContract(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	d.Commit(t, []int64{1, 2, 3})
	dir := t.TempDir()
	strict := filepath.Join(dir, "strict.yaml")
	if err := os.WriteFile(strict, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    min: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gate := func(evidencePath string) *evidence.Check {
		decision := gateOn(t, steps.GateRequest{Contracts: []string{strict}}, evidencePath)
		c := check(decision, "evidence.contract")
		if c == nil {
			t.Fatal("no evidence.contract check")
		}
		if steps.Promote(decision) != (c.Status == evidence.StatusPass) {
			t.Fatalf("promote %v with %s: %s", steps.Promote(decision), c.Status, c.Message)
		}
		return c
	}
	for _, tc := range []struct{ name, body, want string }{
		{"strict", "columns:\n  - name: id\n    min: 0\n", "checked the contract " + strict},
		{"weakened", "columns:\n  - name: id\n", "not " + strict},
	} {
		doc := validateTable(t, d.Dir, tc.body, table.Current, false)
		path := filepath.Join(dir, tc.name+".json")
		if err := evidence.Write(path, doc); err != nil {
			t.Fatal(err)
		}
		if c := gate(path); !strings.Contains(c.Message, tc.want) {
			t.Errorf("%s: %s: %s", tc.name, c.Status, c.Message)
		}
		if tc.name == "strict" {
			v, _ := evidence.DetailsOf[evidence.ValidationDetails](doc)
			v.ContractSHA256 = ""
			doc.Details = v
			if err := evidence.Write(path, doc); err != nil {
				t.Fatal(err)
			}
			if c := gate(path); c.Status != evidence.StatusFail || !strings.Contains(c.Message, "does not record the sha256 of its contract") {
				t.Errorf("without the digest: %s: %s", c.Status, c.Message)
			}
		}
	}
}
