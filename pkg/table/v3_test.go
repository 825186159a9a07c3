package table

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

const legacyBare = "legacy_bare_deletion_vector/warehouse/default/legacy_bare_deletion_vector"

// The three format-version 3 corpus tables read: iceberg_v1_repro (a v1
// table upgraded to v3, manifests without sequence numbers) value by value
// as DuckDB reads its live files; timestamptz_ns has no snapshot (an empty
// table); legacy_bare_deletion_vector's deletion vector deletes position 1
// of ids 1-3, as its generator (duckdb-iceberg's script) wrote it.
func TestIcebergV3Corpus(t *testing.T) {
	tables := corpusTables(t)
	if n := compareWithDuckDB(t, map[string]string{"v1_repro": tables["iceberg/iceberg_v1_repro/repro/merch_v1"]}, false); n != 1 {
		t.Errorf("iceberg_v1_repro was not compared value by value")
	}
	s, err := Open(tables["iceberg/timestamptz_ns"], Current)
	if err != nil || len(s.Files) != 0 || s.Version != -1 {
		t.Errorf("timestamptz_ns: %+v (%v), want an empty table", s, err)
	}
	s, err = Open(tables["iceberg/"+legacyBare], Current)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 1 || len(s.DeleteFiles) != 1 || s.DeleteFiles[0].Content != "deletion-vector" {
		t.Fatalf("files %+v, deletes %+v", s.Files, s.DeleteFiles)
	}
	bm, err := s.DeletedRows(&s.Files[0])
	if err != nil || fmt.Sprint(bm.ToArray()) != "[1]" {
		t.Fatalf("deleted rows %v (%v), want [1]", bm, err)
	}
	// A deletion vector's count is exact, so the table's live rows are known
	// from its metadata.
	if n, ok := s.Rows(); !ok || n != 2 {
		t.Errorf("live rows %d (%v), want 2", n, ok)
	}
}

// copyCorpus copies an Iceberg corpus table to a writable folder.
func copyCorpus(t *testing.T, rel string) string {
	t.Helper()
	src := corpusTables(t)["iceberg/"+rel]
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// editMetadata rewrites the table's current metadata file.
func editMetadata(t *testing.T, dir string, edit func(md map[string]any)) {
	t.Helper()
	cur, err := icebergMetadataFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(cur)
	var md map[string]any
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatal(err)
	}
	edit(md)
	out, _ := json.Marshal(md)
	os.Chmod(cur, 0o644)
	if err := os.WriteFile(cur, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func addField(md map[string]any, field map[string]any) {
	s := md["schemas"].([]any)[0].(map[string]any)
	s["fields"] = append(s["fields"].([]any), field)
}

// Types mlgate does not read (v3's variant, geometry, geography and
// unknown, anywhere in a column's type) are refused by name, as is a
// format version after 3.
func TestIcebergV3Refusals(t *testing.T) {
	for _, tc := range []struct {
		typ  any
		want string
	}{
		{"variant", "type variant"},
		{"geometry(srid:4326)", "type geometry"},
		{"geography", "type geography"},
		{"unknown", "type unknown"},
		{"integer", "type integer"}, // Delta's name, not Iceberg's
		{map[string]any{"type": "list", "element-id": 9, "element": "variant", "element-required": false}, "type variant"},
		{map[string]any{"type": "struct", "fields": []any{map[string]any{"id": 9, "name": "g", "type": "geography(srid:4326, spherical)"}}}, "type geography"},
	} {
		dir := copyCorpus(t, legacyBare)
		editMetadata(t, dir, func(md map[string]any) {
			addField(md, map[string]any{"id": 3, "name": "odd", "type": tc.typ, "required": false})
		})
		_, err := Open(dir, Current)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Feature != tc.want || !strings.Contains(err.Error(), "odd") {
			t.Errorf("%v: want refused naming %q and the column, got %v", tc.typ, tc.want, err)
		}
	}
	dir := copyCorpus(t, legacyBare)
	editMetadata(t, dir, func(md map[string]any) { md["format-version"] = 4 })
	var ue *UnsupportedError
	if _, err := Open(dir, Current); !errors.As(err, &ue) || ue.Feature != "format-version 4" {
		t.Errorf("format-version 4: %v", err)
	}
}

type nsRow struct {
	ID     int64  `parquet:"id,id(1)"`
	Source string `parquet:"source,id(2)"`
	TS     int64  `parquet:"ts,timestamp(nanosecond:local),id(3)"`
}

// Nanosecond timestamps read as themselves through the table's view: a
// copy of legacy_bare_deletion_vector whose data file holds a timestamp_ns
// column (field id 3) and a timestamptz_ns column added later (a null
// constant in that file) reads every nanosecond as DuckDB does, the
// types timestamp(ns) and timestamp(ns, UTC). (DuckDB reads a UTC-adjusted
// nanosecond column as TIMESTAMPTZ, in microseconds, so the values
// compared are the local column's.)
func TestIcebergNanosecondTimestamps(t *testing.T) {
	dir := copyCorpus(t, legacyBare)
	editMetadata(t, dir, func(md map[string]any) {
		addField(md, map[string]any{"id": 3, "name": "ts", "type": "timestamp_ns", "required": true})
		addField(md, map[string]any{"id": 4, "name": "later", "type": "timestamptz_ns", "required": false})
	})
	s, err := Open(dir, Current)
	if err != nil {
		t.Fatal(err)
	}
	data := s.Files[0].Path
	os.Chmod(data, 0o644)
	f, err := os.Create(data)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[nsRow](f)
	// Nanoseconds a microsecond reader would lose, before 1970 too.
	if _, err := w.Write([]nsRow{{1, "a", 1_700_000_000_123_456_789}, {2, "b", -1}, {3, "c", 42}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pf, err := parquetx.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if err := s.Files[0].View(pf); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, c := range pf.Schema.Leaves {
		types[c.Path] = fmt.Sprintf("%s %s utc=%v", c.Type.Name, c.Type.Unit, c.Type.UTC)
	}
	if types["ts"] != "timestamp ns utc=false" || types["later"] != "timestamp ns utc=true" {
		t.Errorf("types %v", types)
	}
	if n := compareWithDuckDB(t, map[string]string{"ns": dir}, true); n != 1 {
		t.Errorf("the nanosecond table was not compared value by value")
	}
}
