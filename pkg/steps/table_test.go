package steps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
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
		{dv, "dataset:\n  rows: {min: 8, max: 8}\ncolumns:\n  - name: value\n    nullable: false\n    min: 1\n    max: 8\n    unique: true\n", evidence.StatusPass, 0},
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
		// The log's statistics (no nulls among values 0..9) still prove
		// the live rows have none, counting only them; its bounds cannot
		// prove min 1 (0 is deleted), which the scan decides.
		for _, c := range doc.Checks {
			if tc.dir == dv && c.ID == "column.value.nullable" && (c.DecidedBy != "table-metadata" || c.Total != 8) {
				t.Errorf("%s: decided by %s over %d values, want table-metadata over 8", c.ID, c.DecidedBy, c.Total)
			}
		}
	}
}

// Without a Remote to track the opened files, deleted rows could not be
// excluded: the table is refused naming the feature and the file.
func TestTableWithDeletesIsRefused(t *testing.T) {
	for dir, feature := range map[string]string{
		testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small"):                                "deletionVectors",
		testenv.Shared(t, "corpora", "iceberg", "tables", "equality_deletes", "warehouse", "mydb", "mytable"): "equality deletes",
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

// A Delta table of one file with values 0..n-1 whose inline deletion
// vector (the protocol's example) deletes rows 3, 4, 7, 11, 18 and 29.
func writeDVTable(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	type row struct {
		Value int64 `parquet:"value"`
	}
	out, err := os.Create(filepath.Join(dir, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](out)
	for i := range n {
		if _, err := w.Write([]row{{int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	st, _ := os.Stat(filepath.Join(dir, "a.parquet"))
	log := `{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}
{"metaData":{"id":"x","schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"value\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{}}}
{"add":{"path":"a.parquet","size":` + strconv.FormatInt(st.Size(), 10) + `,"partitionValues":{},"dataChange":true,"deletionVector":{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L","sizeInBytes":40,"cardinality":6}}}
`
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000000.json"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// An inline deletion vector is applied; one deleting rows past the end of
// its file makes the validation an error naming the table.
func TestInlineDeletionVectorIsApplied(t *testing.T) {
	ctx := context.Background()
	contract := filepath.Join(t.TempDir(), "c.yaml")
	body := "apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset:\n  rows: {min: 24, max: 24}\n  unique:\n    - [value]\ncolumns:\n  - name: value\n"
	if err := os.WriteFile(contract, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{30: "", 10: "excluding row 29, but the file has 10 rows"} {
		dir := writeDVTable(t, n)
		remote := steps.NewRemote(objstore.Options{})
		defer remote.Close()
		files, err := remote.Files(ctx, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
		switch {
		case want == "" && (err != nil || doc.Status != evidence.StatusPass):
			t.Errorf("%d rows: %v %+v", n, err, doc)
		case want != "" && (err != nil || doc.Status != evidence.StatusError || !strings.Contains(doc.Summary, want) || !strings.Contains(doc.Summary, dir)):
			t.Errorf("%d rows: want an error naming %s and saying %q, got %v (%+v)", n, dir, want, err, doc)
		}
	}
}

// Files are opened once per path: a file live in two versions of a table
// with different deleted rows (table-with-dv-small's file gains a deletion
// vector in version 1) cannot be read as both, so the second is refused;
// the same version twice reads.
func TestOneFileTwoDeletedRowSets(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small")
	remote := steps.NewRemote(objstore.Options{})
	defer remote.Close()
	ctx := context.Background()
	if _, err := remote.Files(ctx, []string{dir + "@0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Files(ctx, []string{dir + "@0"}); err != nil {
		t.Fatalf("the same version twice: %v", err)
	}
	_, err := remote.Files(ctx, []string{dir})
	var ue *table.UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(ue.Detail, "versions 0 and 1") {
		t.Fatalf("want a refusal naming versions 0 and 1, got %v", err)
	}
}

// pkg/table (TestCorpusColumnsMatchDuckDB).
func TestTableColumnsInferValidateProfile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dir  []string
		cols []string // columns the files do not hold under these names
	}{
		{[]string{"delta", "tables", "delta-2.2.0-partitioned-types"}, []string{"c1", "c2"}},
		{[]string{"delta", "tables", "partition-type-primitives"}, []string{"year", "is_active", "event_date", "category"}},
		{[]string{"delta", "tables", "delta-0.8.0-null-partition"}, []string{"k"}},
		{[]string{"delta", "tables", "table_with_column_mapping"}, []string{"Company Very Short", "Super Name"}},
		{[]string{"delta", "tables", "table_with_partitioning_mapping"}, nil},
		{[]string{"iceberg", "tables", "partition_decimal_hugeint"}, []string{"partition_col"}},
		{[]string{"iceberg", "tables", "partition_timestamptz", "default.db", "partition_timestamptz"}, []string{"partition_col"}},
		{[]string{"iceberg", "tables", "add_columns_with_defaults", "default.db", "add_columns_with_defaults"}, []string{"col_integer", "col_decimal"}},
	} {
		dir := testenv.Shared(t, append([]string{"corpora"}, tc.dir...)...)
		name := filepath.Base(dir)
		remote := steps.NewRemote(objstore.Options{})
		defer remote.Close()
		files, err := remote.Files(ctx, []string{dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := steps.Infer(ctx, steps.InferRequest{Name: name, Data: files, Remote: remote})
		if err != nil {
			t.Fatalf("%s: infer: %v", name, err)
		}
		inferred := map[string]bool{}
		for _, col := range c.Columns {
			inferred[col.Name] = true
		}
		for _, want := range tc.cols {
			if !inferred[want] {
				t.Errorf("%s: the inferred contract lacks column %q", name, want)
			}
		}
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, contract.Marshal(c), 0o644); err != nil {
			t.Fatal(err)
		}
		remote2 := steps.NewRemote(objstore.Options{})
		defer remote2.Close()
		if files, err = remote2.Files(ctx, []string{dir}); err != nil {
			t.Fatal(err)
		}
		doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote2}, Contract: path, Data: files})
		if err != nil {
			t.Fatalf("%s: validate: %v", name, err)
		}
		if doc.Status != evidence.StatusPass {
			t.Errorf("%s: the inferred contract does not validate the table: %s: %s", name, doc.Status, doc.Summary)
			for _, ch := range doc.Checks {
				if ch.Status != evidence.StatusPass {
					t.Logf("  %s: %s", ch.ID, ch.Message)
				}
			}
		}
		prof, err := steps.Profile(ctx, steps.ProfileRequest{Run: steps.Run{Remote: remote2}, Data: files})
		if err != nil {
			t.Fatalf("%s: profile: %v", name, err)
		}
		if doc := prof; doc.Status == evidence.StatusError {
			t.Errorf("%s: profile: %s", name, doc.Summary)
		}
	}
}

// dictionaries.
func TestPartitionColumnDecidedByMetadata(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "delta", "tables", "delta-0.8.0-null-partition")
	s, err := table.Open(dir, table.Current)
	if err != nil {
		t.Fatal(err)
	}
	var nulls int64
	for _, f := range s.Files {
		if f.Partition["k"] == nil {
			pf, err := parquetx.Open(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			nulls += pf.NumRows
			pf.Close()
		}
	}
	if nulls == 0 {
		t.Fatal("no file of the null partition")
	}
	ctx := context.Background()
	contract := filepath.Join(t.TempDir(), "c.yaml")
	body := "apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: k\n    nullable: false\n    allowed: [A]\n"
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
	for _, c := range doc.Checks {
		switch c.ID {
		case "column.k.nullable":
			if c.Status != evidence.StatusFail || c.Failures != nulls {
				t.Errorf("%s: %s, %d failures (want %d), decided by %s", c.ID, c.Status, c.Failures, nulls, c.DecidedBy)
			}
		case "column.k.allowed":
			if c.Status != evidence.StatusPass || c.DecidedBy != "dictionary" && c.DecidedBy != "metadata" {
				t.Errorf("%s: %s: %s (decided by %s)", c.ID, c.Status, c.Message, c.DecidedBy)
			}
		}
	}
}
