package table

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// withDeletes are the corpus tables with deleted rows, with their live row
// count: Delta's from the log (rows minus deletion vector cardinality);
// Iceberg's worked out by hand from the manifests and files with the
// spec's rules (equality_deletes/mytable: ids 1-4 then 5-6, deletes
// id=1, name=f, (id,name)=(3,c), name=b, each later: d and e live;
// mytable_partitioned: a-d then e-f, deletes of b, c and f in their
// partitions, each later: a, d and e live; legacy_bare_deletion_vector:
// ids 1-3, its generator's deletion vector deletes position 1).
var withDeletes = map[string]int64{
	"iceberg/legacy_bare_deletion_vector/warehouse/default/legacy_bare_deletion_vector": 2,
	"delta/table-with-dv-small":                                   8,
	"delta/table_with_deletion_logs":                              98,
	"delta/cdf-table-with-cdc-and-dvs":                            5,
	"iceberg/equality_deletes/warehouse/mydb/mytable":             2,
	"iceberg/equality_deletes/warehouse/mydb/mytable_partitioned": 3,
}

// TestDeletedRowsAgreeWithDuckDB computes each corpus table's deleted rows
// and compares them with DuckDB's: for an Iceberg equality delete, the
// data file's row numbers whose equality columns match a row of the
// delete file (NULL matching NULL); for a Delta deletion vector, the
// file's row count less the log's cardinality. Every table with deletes
// is listed in withDeletes.
func TestDeletedRowsAgreeWithDuckDB(t *testing.T) {
	tables := corpusTables(t)
	var queries []string
	var want []string
	var where []string
	live := map[string]int64{}
	for name, dir := range tables {
		s, err := Open(dir, Current)
		if err != nil {
			continue
		}
		has := len(s.DeleteFiles) > 0
		for _, f := range s.Files {
			has = has || f.DV != nil
		}
		if !has {
			continue
		}
		for i := range s.Files {
			f := &s.Files[i]
			if f.Stats == nil {
				t.Fatalf("%s: %s has no row count", name, f.Path)
			}
			if f.DV == nil && !f.Deletes {
				live[name] += f.Stats.NumRecords
				continue
			}
			bm, err := s.DeletedRows(f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			live[name] += f.Stats.NumRecords - int64(bm.GetCardinality())
			file := quote(f.Path)
			card := int64(-1)
			if f.DV != nil {
				card = f.DV.Cardinality
			}
			for _, d := range s.deletesOf(f) {
				if d.Content == "deletion-vector" {
					card = d.Rows
				}
			}
			if card >= 0 {
				queries = append(queries, fmt.Sprintf("SELECT count(*) - %d FROM read_parquet(%s)", card, file))
				want = append(want, strconv.FormatInt(f.Stats.NumRecords-int64(bm.GetCardinality()), 10))
				where = append(where, name+" "+f.Path)
				continue
			}
			var matches []string
			for _, d := range s.deletesOf(f) {
				if d.Content != "equality" {
					t.Fatalf("%s: %s deletes are not compared", name, d.Content)
				}
				var on []string
				for _, c := range d.equality {
					on = append(on, fmt.Sprintf("x.%q IS NOT DISTINCT FROM d.%q", c, c))
				}
				matches = append(matches, fmt.Sprintf("EXISTS (SELECT 1 FROM read_parquet(%s) x WHERE %s)", quote(d.Path), strings.Join(on, " AND ")))
			}
			queries = append(queries, fmt.Sprintf("SELECT file_row_number FROM read_parquet(%s, file_row_number = true) d WHERE %s ORDER BY 1", file, strings.Join(matches, " OR ")))
			var rows []string
			for _, r := range bm.ToArray() {
				rows = append(rows, strconv.FormatUint(r, 10))
			}
			want = append(want, strings.Join(rows, ","))
			where = append(where, name+" "+f.Path)
		}
		if n, ok := withDeletes[name]; !ok || live[name] != n {
			t.Errorf("%s: %d live rows, want %d (listed: %v)", name, live[name], n, ok)
		}
	}
	for name := range withDeletes {
		if _, ok := live[name]; !ok {
			t.Errorf("%s did not open", name)
		}
	}
	var got []json.RawMessage
	if err := json.Unmarshal(duckRun(t, "query.mjs", queries), &got); err != nil || len(got) != len(queries) {
		t.Fatalf("query.mjs answered %d of %d (%v)", len(got), len(queries), err)
	}
	for i, raw := range got {
		var rows []string
		if err := json.Unmarshal(raw, &rows); err != nil {
			t.Errorf("%s: DuckDB: %s", where[i], raw)
			continue
		}
		sort.Slice(rows, func(a, b int) bool {
			return len(rows[a]) < len(rows[b]) || len(rows[a]) == len(rows[b]) && rows[a] < rows[b]
		})
		if strings.Join(rows, ",") != want[i] {
			t.Errorf("%s: mlgate %s, DuckDB %v", where[i], want[i], rows)
		}
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// writePositionDeletes writes a position delete file of (path, pos) rows.
func writePositionDeletes(t *testing.T, rows []posDelete) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "delete.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[posDelete](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

type posDelete struct {
	FilePath string `parquet:"file_path"`
	Pos      int64  `parquet:"pos"`
}

// Position deletes apply to the data file their rows name, committed at
// or after it; a delete file whose row count is not its manifest's, or
// with a negative position, is refused naming it.
func TestPositionDeletes(t *testing.T) {
	del := writePositionDeletes(t, []posDelete{{"s3://b/t/data/a.parquet", 3}, {"s3://b/t/data/b.parquet", 1}, {"s3://b/t/data/a.parquet", 0}})
	resolve := func(p string) (string, error) { return "/t/" + strings.TrimPrefix(p, "s3://b/t/"), nil }
	s := &Snapshot{Location: "t", resolve: resolve,
		Files:       []File{{Path: "/t/data/a.parquet", scope: deleteScope{seq: 1}}, {Path: "/t/data/b.parquet", scope: deleteScope{seq: 3}}},
		DeleteFiles: []DeleteFile{{Path: del, Content: "position", Rows: 3, scope: deleteScope{seq: 2}}}}
	a, err := s.DeletedRows(&s.Files[0])
	if err != nil || fmt.Sprint(a.ToArray()) != "[0 3]" {
		t.Fatalf("a: %v (%v)", a, err)
	}
	if b, err := s.DeletedRows(&s.Files[1]); err != nil || !b.IsEmpty() {
		t.Fatalf("b, written after the delete: %v (%v)", b, err)
	}
	for _, tc := range []struct {
		rows []posDelete
		n    int64
		want string
	}{
		{[]posDelete{{"s3://b/t/data/a.parquet", 1}}, 2, "1 rows, the manifest says 2"},
		{[]posDelete{{"s3://b/t/data/a.parquet", -1}}, 1, "not a file path and a row position"},
	} {
		p := writePositionDeletes(t, tc.rows)
		s := &Snapshot{Location: "t", resolve: resolve, Files: s.Files[:1], DeleteFiles: []DeleteFile{{Path: p, Content: "position", Rows: tc.n, scope: deleteScope{seq: 2}}}}
		if _, err := s.DeletedRows(&s.Files[0]); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("want an error naming %s and saying %q, got %v", p, tc.want, err)
		}
	}
}

// TestLiveValuesAgreeWithDuckDB reads every integer and string value of
// the live rows of each corpus table with deletes through the scan, with
// the deleted rows excluded, and compares them, sorted, with DuckDB's
// values of the rows whose file_row_number is not deleted (the positions
// TestDeletedRowsAgreeWithDuckDB checks against DuckDB's anti-join for
// Iceberg, dv_test against delta-rs for Delta): the mask drops exactly
// those rows, whatever the pages and dictionaries.
func TestLiveValuesAgreeWithDuckDB(t *testing.T) {
	tables := corpusTables(t)
	var queries, want, where []string
	for name := range withDeletes {
		s, err := Open(tables[name], Current)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range s.Files {
			f := &s.Files[i]
			bm, err := s.DeletedRows(f)
			if err != nil {
				t.Fatal(err)
			}
			pf, err := parquetx.Open(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if err := pf.ExcludeRows(bm); err != nil {
				t.Fatal(err)
			}
			var live []string
			for _, r := range bm.ToArray() {
				live = append(live, strconv.FormatUint(r, 10))
			}
			filter := "true"
			if len(live) > 0 {
				filter = "file_row_number NOT IN (" + strings.Join(live, ",") + ")"
			}
			for _, col := range pf.Schema.Leaves {
				if col.MaxRepetitionLevel > 0 || strings.Contains(col.Path, ".") {
					continue
				}
				var got []string
				switch col.Type.Name {
				case parquetx.TypeInt8, parquetx.TypeInt16, parquetx.TypeInt32, parquetx.TypeInt64, parquetx.TypeString:
				default:
					continue
				}
				var mu sync.Mutex
				err := parquetx.Scan(context.Background(), []*parquetx.File{pf}, []string{col.Path}, parquetx.ScanOptions{}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
					return &valueList{mu: &mu, into: &got}, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				sort.Strings(got)
				queries = append(queries, fmt.Sprintf("SELECT coalesce(CAST(%q AS VARCHAR), 'NULL') AS v FROM read_parquet(%s, file_row_number = true) WHERE %s ORDER BY v", col.Path, quote(f.Path), filter))
				want = append(want, strings.Join(got, "\x00"))
				where = append(where, name+" "+filepath.Base(f.Path)+" "+col.Path)
			}
			pf.Close()
		}
	}
	if len(queries) < 10 {
		t.Fatalf("only %d columns compared", len(queries))
	}
	var got []json.RawMessage
	if err := json.Unmarshal(duckRun(t, "query.mjs", queries), &got); err != nil || len(got) != len(queries) {
		t.Fatalf("query.mjs answered %d of %d (%v)", len(got), len(queries), err)
	}
	for i, raw := range got {
		var rows []string
		if err := json.Unmarshal(raw, &rows); err != nil {
			t.Errorf("%s: DuckDB: %s", where[i], raw)
			continue
		}
		sort.Strings(rows)
		if strings.Join(rows, "\x00") != want[i] {
			t.Errorf("%s: mlgate %q, DuckDB %q", where[i], strings.Split(want[i], "\x00"), rows)
		}
	}
	t.Logf("%d columns compared", len(queries))
}

// valueList collects a column's values as text ("NULL" for null).
type valueList struct {
	mu   *sync.Mutex
	into *[]string
}

func (v *valueList) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *valueList) Close() error                             { return nil }
func (v *valueList) Values(b parquetx.Batch) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, x := range b.Values {
		switch {
		case x.IsNull():
			*v.into = append(*v.into, "NULL")
		case x.Kind() == parquet.ByteArray:
			*v.into = append(*v.into, string(x.ByteArray()))
		case x.Kind() == parquet.Int32:
			*v.into = append(*v.into, strconv.FormatInt(int64(x.Int32()), 10))
		default:
			*v.into = append(*v.into, strconv.FormatInt(x.Int64(), 10))
		}
	}
	return nil
}

type idRow struct {
	ID *int64 `parquet:"id,optional"`
}

func writeIDs(t *testing.T, ids ...*int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ids.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[idRow](f)
	for _, id := range ids {
		if _, err := w.Write([]idRow{{id}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// Equality deletes match NULL to NULL and apply to files committed before
// them; a delete file whose row count is not its manifest's is refused
// naming it.
func TestEqualityDeletes(t *testing.T) {
	one, two := int64(1), int64(2)
	data := writeIDs(t, &one, nil, &two, &one)
	del := writeIDs(t, &one, nil)
	s := &Snapshot{Location: "t", Files: []File{{Path: data, scope: deleteScope{seq: 1}}},
		DeleteFiles: []DeleteFile{{Path: del, Content: "equality", Rows: 2, equality: []string{"id"}, scope: deleteScope{seq: 2}}}}
	bm, err := s.DeletedRows(&s.Files[0])
	if err != nil || fmt.Sprint(bm.ToArray()) != "[0 1 3]" {
		t.Fatalf("deleted %v (%v), want rows 0, 1 and 3", bm, err)
	}
	s.Files[0].scope.seq = 2 // committed with the delete: not deleted
	if bm, err := s.DeletedRows(&s.Files[0]); err != nil || !bm.IsEmpty() {
		t.Fatalf("deleted %v (%v) of a file as new as the delete", bm, err)
	}
	s = &Snapshot{Location: "t", Files: []File{{Path: data}},
		DeleteFiles: []DeleteFile{{Path: del, Content: "equality", Rows: 3, equality: []string{"id"}, scope: deleteScope{seq: 1}}}}
	if _, err := s.DeletedRows(&s.Files[0]); err == nil || !strings.Contains(err.Error(), del) || !strings.Contains(err.Error(), "the manifest says 3") {
		t.Fatalf("want an error naming %s, got %v", del, err)
	}
}
