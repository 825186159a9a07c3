package steps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// An Iceberg table folder holds the files of both its snapshots; as data
// it is only the current snapshot's file, and TABLE@SNAPSHOT pins the
// older one. The row counts are the writer's own (snapshot summaries:
// total-records 51793 now, 60175 before the overwrite).
func TestValidateTableSnapshots(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "iceberg", "tables", "iceberg", "lineitem_iceberg")
	ctx := context.Background()
	all, err := steps.DataFiles([]string{filepath.Join(dir, "data")})
	if err != nil || len(all) != 2 {
		t.Fatalf("the folder holds %v (%v)", all, err)
	}
	for _, tc := range []struct {
		arg     string
		version int64
		rows    string
	}{
		{dir, 2354745328521181395, "51793"},
		{dir + "@7817332053627255703", 7817332053627255703, "60175"},
	} {
		var r *steps.Remote
		files, err := r.Files(ctx, []string{tc.arg})
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: %v (%v)", tc.arg, files, err)
		}
		contract := filepath.Join(t.TempDir(), "c.yaml")
		body := "apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset:\n  rows: {min: " + tc.rows + ", max: " + tc.rows + "}\ncolumns:\n  - name: l_orderkey\n    nullable: false\n"
		if err := os.WriteFile(contract, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		remote := steps.NewRemote(objstore.Options{})
		defer remote.Close()
		files, err = remote.Files(ctx, []string{tc.arg})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Status != evidence.StatusPass {
			t.Errorf("%s: %s: %s", tc.arg, doc.Status, doc.Summary)
		}
		tv := doc.Subject.Files[0].Table
		if tv == nil || tv.Format != "iceberg" || tv.Version != tc.version {
			t.Errorf("%s: evidence names the table as %+v", tc.arg, tv)
		}
	}
}

// Deleted rows are not data: a violation only in deleted rows passes, one
// in live rows fails with the live count. table-with-dv-small holds
// values 0..9 and deletes 0 and 9 (delta-rs reads 1..8); Iceberg's
// equality_deletes/mytable holds ids 1..6 and deletes 1, 2, 3 and 6.
func TestTableDeletesAreNotValidated(t *testing.T) {
	ctx := context.Background()
	dv := testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small")
	eq := testenv.Shared(t, "corpora", "iceberg", "tables", "equality_deletes", "warehouse", "mydb", "mytable")
	for _, tc := range []struct {
		dir, rules string
		status     evidence.Status
		failures   int64
	}{
		{dv, "dataset:\n  rows: {min: 8, max: 8}\ncolumns:\n  - name: value\n    min: 1\n    max: 8\n    unique: true\n", evidence.StatusPass, 0},
		{dv, "columns:\n  - name: value\n    max: 6\n", evidence.StatusFail, 2},
		{eq, "dataset:\n  rows: {min: 2, max: 2}\ncolumns:\n  - name: id\n    min: 4\n    max: 5\n", evidence.StatusPass, 0},
		{eq, "columns:\n  - name: id\n    max: 4\n", evidence.StatusFail, 1},
	} {
		contract := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+tc.rules), 0o644); err != nil {
			t.Fatal(err)
		}
		remote := steps.NewRemote(objstore.Options{})
		defer remote.Close()
		files, err := remote.Files(ctx, []string{tc.dir})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
		if err != nil {
			t.Fatal(err)
		}
		var failures int64
		for _, c := range doc.Checks {
			failures += c.Failures
		}
		if doc.Status != tc.status || failures != tc.failures {
			t.Errorf("%s %q: %s with %d failures (%s), want %s with %d", filepath.Base(tc.dir), tc.rules, doc.Status, failures, doc.Summary, tc.status, tc.failures)
		}
	}
}

// Without a Remote to track the opened files, deleted rows could not be
// excluded: the table is refused naming the feature and the file.
func TestTableWithDeletesIsRefused(t *testing.T) {
	for dir, feature := range map[string]string{
		testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small"):                                "deletionVectors",
		testenv.Shared(t, "corpora", "iceberg", "tables", "equality_deletes", "warehouse", "mydb", "mytable"): "equality deletes",
		testenv.Shared(t, "corpora", "delta", "tables", "table_with_column_mapping"):                          "columnMapping",
		testenv.Shared(t, "corpora", "delta", "tables", "delta-0.8.0-partitioned"):                            "partition columns",
	} {
		var r *steps.Remote
		_, err := r.Files(context.Background(), []string{dir})
		var ue *table.UnsupportedError
		if !errors.As(err, &ue) || ue.Feature != feature {
			t.Errorf("%s: want refused for %q, got %v", dir, feature, err)
		}
	}
	// Version 0, before the delete, has no deletion vector.
	var r *steps.Remote
	dir := testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small")
	if files, err := r.Files(context.Background(), []string{dir + "@0"}); err != nil || len(files) != 1 {
		t.Errorf("version 0: %v (%v)", files, err)
	}
}

// The Delta log's file statistics decide what they prove (the first tier,
// decidedBy table-metadata); a check they cannot pass goes on to the
// footer and the scan, which find the failures with examples.
func TestTableMetadataTier(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "delta", "tables", "table-without-dv-small") // value: 0..9, stats in the log
	ctx := context.Background()
	for _, tc := range []struct {
		rules    string
		decided  map[string]string
		failures int64
	}{
		{"nullable: false\n    min: 0\n    max: 9", map[string]string{"nullable": "table-metadata", "min": "table-metadata", "max": "table-metadata"}, 0},
		{"min: 5", map[string]string{"min": "scan"}, 5},
	} {
		contract := filepath.Join(t.TempDir(), "c.yaml")
		body := "apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: value\n    " + tc.rules + "\n"
		if err := os.WriteFile(contract, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		remote := steps.NewRemote(objstore.Options{})
		defer remote.Close()
		files, err := remote.Files(ctx, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
		if err != nil {
			t.Fatal(err)
		}
		var failures int64
		for _, c := range doc.Checks {
			rule := c.ID[len("column.value."):]
			if want, ok := tc.decided[rule]; ok && c.DecidedBy != want {
				t.Errorf("%s: %s decided by %s, want %s", tc.rules, c.ID, c.DecidedBy, want)
			}
			failures += c.Failures
		}
		if failures != tc.failures {
			t.Errorf("%s: %d failures, want %d", tc.rules, failures, tc.failures)
		}
	}
}
