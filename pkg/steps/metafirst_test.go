package steps_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// opened counts the subject's files a run read a byte of; every table file
// must carry its I/O record.
func opened(t *testing.T, doc *evidence.Document) (files, bytes int64) {
	t.Helper()
	for _, f := range doc.Subject.Files {
		if f.IO == nil {
			t.Fatalf("%s: no I/O record", f.Path)
		}
		if f.IO.Requests > 0 {
			files++
		}
		bytes += f.IO.BytesRead
	}
	return files, bytes
}

// A contract the table's metadata decides opens no data file: the files
// of a copied table are deleted, emptied or replaced after its log is
// written, and the contract still passes with a zero I/O record for each;
// a contract that needs a file's data fails naming the first missing one.
func TestMetadataDecidesWithoutDataFiles(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, paths := d.Commit(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, []int64{20, 21, 22, 23, 24, 25, 26, 27, 28, 29})
	if err := os.Remove(paths[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[1], nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(paths[2], []struct {
		ID int32 `parquet:"id"`
	}{{20}}); err != nil {
		t.Fatal(err)
	}
	body := "dataset:\n  rows: {min: 30, max: 30}\ncolumns:\n  - name: id\n    type: int64\n    nullable: false\n    min: 0\n    max: 29\n"
	doc := validateTable(t, d.Dir, body, table.Current, false)
	if doc.Status != evidence.StatusPass {
		t.Fatalf("%s: %s", doc.Status, doc.Summary)
	}
	for _, id := range []string{"dataset.rows.min", "dataset.rows.max", "column.id.present", "column.id.type", "column.id.nullable", "column.id.min", "column.id.max"} {
		if c := check(doc, id); c == nil || c.DecidedBy != "table-metadata" {
			t.Errorf("%s: %+v, want decided by table-metadata", id, c)
		}
	}
	if c := check(doc, "column.id.type"); c == nil || c.Status != evidence.StatusPass || c.Message != "type int64" {
		t.Errorf("type check: %+v", c)
	}
	if n, b := opened(t, doc); n != 0 || b != 0 || len(doc.Subject.Files) != 3 {
		t.Errorf("%d of %d files opened, %d bytes read", n, len(doc.Subject.Files), b)
	}
	// The log's statistics cannot prove max 5: the scan needs the data.
	doc = validateTable(t, d.Dir, "columns:\n  - name: id\n    max: 5\n", table.Current, false)
	if doc.Status != evidence.StatusError || !strings.Contains(doc.Summary, paths[0]) {
		t.Errorf("%s: %s, want an error naming %s", doc.Status, doc.Summary, paths[0])
	}
}

// A live file that turns out not to be what the table's metadata says
// (another type, another row count) fails closed naming it when a check
// opens it.
func TestDescribedFileThatDiffersFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(path string) error
		want  string
	}{
		{"type", func(p string) error {
			return parquet.WriteFile(p, []struct {
				ID uint64 `parquet:"id"`
			}{{0}, {1}, {2}})
		}, `column "id" is uint64, described as int64`},
		{"narrower", func(p string) error {
			return parquet.WriteFile(p, []struct {
				ID int32 `parquet:"id"`
			}{{0}, {1}, {2}})
		}, `type promotion`},
		{"rows", func(p string) error { return parquet.WriteFile(p, []tabletest.Row{{ID: 0}, {ID: 1}}) }, "2 live rows, described with 3"},
	} {
		d := tabletest.NewDelta(t, t.TempDir())
		_, paths := d.Commit(t, []int64{0, 1, 2})
		if err := tc.write(paths[0]); err != nil {
			t.Fatal(err)
		}
		doc := validateTable(t, d.Dir, "columns:\n  - name: id\n    max: 1\n", table.Current, false)
		if doc.Status != evidence.StatusError || !strings.Contains(doc.Summary, paths[0]) || !strings.Contains(doc.Summary, tc.want) {
			t.Errorf("%s: %s: %s, want %q naming the file", tc.name, doc.Status, doc.Summary, tc.want)
		}
	}
}

// Schema checks decided from the table's schema give the outcomes and
// messages the files' footers give: over every corpus table whose live
// files the metadata describes, a contract with a wrong type and a right
// one for each column, a missing column and strictness is validated
// without opening a file, then with every file read (VerifyAll); the
// schema checks must be equal.
func TestSchemaChecksFromTableMetadataEqualFooters(t *testing.T) {
	compared, tables := 0, 0
	for _, c := range []string{"delta", "iceberg"} {
		root := testenv.Shared(t, "corpora", c, "tables")
		var dirs []string
		filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
			if err == nil && de.IsDir() && table.Detect(p) != "" {
				dirs = append(dirs, p)
				return filepath.SkipDir
			}
			return err
		})
		sort.Strings(dirs)
		for _, dir := range dirs {
			s, err := table.Open(dir, table.Current)
			if err != nil || len(s.Files) == 0 {
				continue
			}
			all := true
			for i := range s.Files {
				_, _, ok := s.Files[i].Described()
				_, statErr := os.Stat(s.Files[i].Path)
				all = all && ok && statErr == nil
			}
			if !all {
				continue
			}
			cols, _, _ := s.Files[0].Described()
			var body strings.Builder
			body.WriteString("dataset:\n  strict: true\ncolumns:\n  - name: not_a_column\n")
			for i, col := range cols[:min(len(cols), 4)] {
				typ := col.Type.String()
				if i%2 == 0 {
					typ = "boolean"
					if col.Type.Name == "boolean" {
						typ = "string"
					}
				}
				body.WriteString("  - name: " + quoteYAML(col.Path) + "\n    type: " + typ + "\n")
			}
			meta := validateTable(t, dir, body.String(), table.Current, false)
			if n, _ := opened(t, meta); n != 0 {
				t.Errorf("%s: %d files opened for schema checks", dir, n)
			}
			foot := validateTableVerifyAll(t, dir, body.String())
			for _, fc := range foot.Checks {
				if !strings.HasSuffix(fc.ID, ".type") && !strings.HasSuffix(fc.ID, ".present") && fc.ID != "dataset.strict" {
					continue
				}
				mc := check(meta, fc.ID)
				if mc == nil || mc.Status != fc.Status || mc.Message != fc.Message {
					t.Errorf("%s: %s from the footers: %s %q; from the table metadata: %+v", dir, fc.ID, fc.Status, fc.Message, mc)
				}
				compared++
			}
			tables++
		}
	}
	t.Logf("%d schema checks of %d tables compared", compared, tables)
	if tables < 20 {
		t.Errorf("only %d tables compared", tables)
	}
}

// validateTableVerifyAll validates a table reading every page of every
// file: each file's footer is read first.
func validateTableVerifyAll(t *testing.T, dir, body string) *evidence.Document {
	t.Helper()
	contract := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := steps.NewRemote(objstore.Options{})
	defer remote.Close()
	files, err := remote.Files(t.Context(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := steps.Validate(t.Context(), steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files, VerifyAll: true})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func quoteYAML(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// --since applies to a table pinned to a version (TABLE@V): the data added
// after the since version up to V, row bounds over the table at V.
func TestValidateSincePinnedVersion(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	v2, added := d.Commit(t, []int64{10, 11, 12, 13, 14})
	d.Commit(t, []int64{-1})
	body := "dataset:\n  rows: {min: 15, max: 15}\ncolumns:\n  - name: id\n    min: 10\n"
	doc := validateTable(t, fmt.Sprintf("%s@%d", d.Dir, v2), body, table.Options{Version: -1, Since: &v1}, false)
	if doc.Status != evidence.StatusPass {
		t.Fatalf("%s: %s", doc.Status, doc.Summary)
	}
	var got []string
	for _, f := range doc.Subject.Files {
		if f.Table == nil || f.Table.Version != v2 || f.Table.Since == nil || *f.Table.Since != v1 {
			t.Errorf("%s: table %+v", f.Path, f.Table)
		}
		if f.Scope == evidence.ScopeAdded {
			got = append(got, f.Path)
		}
	}
	if len(got) != 1 || got[0] != added[0] {
		t.Errorf("added files %v, want %v", got, added)
	}
}

// --since on a profile profiles the data added after the version (its
// evidence names the since version and each file's scope); a contract is
// not inferred from it, since a contract describes the whole table.
func TestProfileAndInferSince(t *testing.T) {
	ctx := t.Context()
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	d.Commit(t, []int64{100, 101, 102})
	remote := steps.NewRemote(objstore.Options{})
	defer remote.Close()
	remote.Table = &table.Options{Version: -1, Since: &v1}
	files, err := remote.Files(ctx, []string{d.Dir})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := steps.Profile(ctx, steps.ProfileRequest{Run: steps.Run{Remote: remote}, Data: files})
	if err != nil {
		t.Fatal(err)
	}
	details, _ := evidence.DetailsOf[evidence.ProfileDetails](doc)
	if details.Rows != 3 || len(doc.Subject.Files) != 1 || doc.Subject.Files[0].Scope != evidence.ScopeAdded || doc.Subject.Files[0].Table.Since == nil {
		t.Errorf("profile of %d rows, files %+v", details.Rows, doc.Subject.Files)
	}
	// Nothing added after the current version: no data to profile.
	v2 := v1 + 1
	empty := steps.NewRemote(objstore.Options{})
	defer empty.Close()
	empty.Table = &table.Options{Version: -1, Since: &v2}
	none, err := empty.Files(ctx, []string{d.Dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := steps.Profile(ctx, steps.ProfileRequest{Run: steps.Run{Remote: empty}, Data: none}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("no data was added after version %d", v2)) {
		t.Errorf("profile of nothing added: %v", err)
	}
	_, err = steps.Infer(ctx, steps.InferRequest{Remote: remote, Data: files})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("not the data added since version %d", v1)) {
		t.Errorf("infer since: %v", err)
	}
}

// A Delta partition column is constant in each file, its value the log's:
// checks on it are decided from the log too, the data files deleted.
func TestPartitionColumnWithoutDataFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	schema := `{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"p","type":"string","nullable":true,"metadata":{}}]}`
	log := fmt.Sprintf(`{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"t","format":{"provider":"parquet"},"schemaString":%q,"partitionColumns":["p"],"configuration":{}}}
{"add":{"path":"p=A/a.parquet","partitionValues":{"p":"A"},"size":1,"modificationTime":0,"dataChange":true,"stats":"{\"numRecords\":3,\"nullCount\":{\"id\":0}}"}}
{"add":{"path":"p=B/b.parquet","partitionValues":{"p":"B"},"size":1,"modificationTime":0,"dataChange":true,"stats":"{\"numRecords\":2,\"nullCount\":{\"id\":0}}"}}
`, schema)
	if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000000.json"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := validateTable(t, dir, "dataset:\n  rows: {min: 5}\ncolumns:\n  - name: id\n    nullable: false\n  - name: p\n    type: string\n    nullable: false\n", table.Current, false)
	if doc.Status != evidence.StatusPass {
		t.Fatalf("%s: %s", doc.Status, doc.Summary)
	}
	if c := check(doc, "column.p.nullable"); c == nil || c.DecidedBy != "table-metadata" {
		t.Errorf("p nullable: %+v", c)
	}
	if n, _ := opened(t, doc); n != 0 {
		t.Errorf("%d files opened", n)
	}
	// An allowed set is not decided by bounds: the files are opened.
	doc = validateTable(t, dir, "columns:\n  - name: p\n    allowed: [A]\n", table.Current, false)
	if doc.Status != evidence.StatusError || !strings.Contains(doc.Summary, "a.parquet") {
		t.Errorf("%s: %s", doc.Status, doc.Summary)
	}
}
