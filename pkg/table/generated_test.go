package table

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// liveIDs scans the table's live files without the rows it deletes, and
// checks that DuckDB reads the same ids from the files without the rows
// at those positions.
func liveIDs(t *testing.T, s *Snapshot) []string {
	t.Helper()
	var out []string
	var mu sync.Mutex
	var selects []string
	for i := range s.Files {
		bm, err := s.DeletedRows(&s.Files[i])
		if err != nil {
			t.Fatal(err)
		}
		filter := "true"
		if !bm.IsEmpty() {
			filter = "file_row_number NOT IN (" + strings.Trim(strings.Join(strings.Fields(fmt.Sprint(bm.ToArray())), ","), "[]") + ")"
		}
		selects = append(selects, fmt.Sprintf("SELECT id::VARCHAR FROM read_parquet(%s, file_row_number = true) WHERE %s", quote(s.Files[i].Path), filter))
		pf, err := parquetx.Open(s.Files[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pf.ExcludeRows(bm); err != nil {
			t.Fatal(err)
		}
		err = parquetx.Scan(context.Background(), []*parquetx.File{pf}, []string{"id"}, parquetx.ScanOptions{}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			return &valueList{mu: &mu, into: &out}, nil
		})
		pf.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	byNumber := func(ids []string) {
		sort.Slice(ids, func(i, j int) bool { return len(ids[i]) < len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] < ids[j] })
	}
	byNumber(out)
	var duck [][]string
	if err := json.Unmarshal(duckRun(t, "query.mjs", []string{strings.Join(selects, " UNION ALL ")}), &duck); err != nil || len(duck) != 1 {
		t.Fatalf("query.mjs: %v", err)
	}
	byNumber(duck[0])
	if fmt.Sprint(duck[0]) != fmt.Sprint(out) {
		t.Errorf("live ids %v, DuckDB %v", out, duck[0])
	}
	return out
}

// Written tables (internal/tabletest, paths recorded under another
// machine's folder): v2 position delete files delete the rows they name
// of files committed before them; in v3, a deletion vector in a Puffin
// file (two blobs, one per data file) deletes its file's rows, and the
// older position delete file of a file with a vector no longer applies.
func TestWrittenIcebergDeletes(t *testing.T) {
	v2 := tabletest.NewIceberg(t, filepath.Join(t.TempDir(), "v2"), 2)
	files := v2.Append(t, []int64{1, 2, 3, 4, 5}, []int64{6, 7, 8})
	v2.DeletePositions(t, map[string][]int64{files[0]: {0, 3}, files[1]: {1}})
	v2.Append(t, []int64{9, 10})
	s, err := Open(v2.Dir, Current)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(liveIDs(t, s)); got != "[2 3 5 6 8 9 10]" {
		t.Errorf("v2: live ids %s", got)
	}

	v3 := tabletest.NewIceberg(t, filepath.Join(t.TempDir(), "v3"), 3)
	files = v3.Append(t, []int64{1, 2, 3, 4, 5}, []int64{6, 7, 8})
	v3.DeletePositions(t, map[string][]int64{files[0]: {1}, files[1]: {2}})
	v3.DeletionVectors(t, map[string][]uint64{files[0]: {1, 4}})
	if s, err = Open(v3.Dir, Current); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(liveIDs(t, s)); got != "[1 3 4 6 7]" {
		t.Errorf("v3: live ids %s", got)
	}
	for _, d := range s.deletesOf(&s.Files[0]) {
		if d.Content == "position" {
			t.Errorf("a position delete file applies to a file with a deletion vector")
		}
	}
}
