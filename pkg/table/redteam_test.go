package table

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hamba/avro/v2/ocf"

	"github.com/mlgate/mlgate/internal/tabletest"
)

// A deletion count in the table's metadata that no file could have (below
// zero, or more rows than the file holds) is refused when the table is
// opened, before any row count is taken from it: the live row count of a
// table is its files' counts less the deleted ones, and a negative or
// oversized deletion would make a row bound pass from the metadata alone.
func TestImpossibleDeletionCountsAreRefused(t *testing.T) {
	add := func(dv string) string {
		return header + `{"add":{"path":"a.parquet","size":1,"stats":"{\"numRecords\":3}","deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":1,"sizeInBytes":40,"cardinality":` + dv + `}}}`
	}
	for _, tc := range []struct{ cardinality, want string }{
		{"-5", "deletes -5 rows"},
		{"4", "deletes 4 rows of a.parquet, which holds 3"},
	} {
		_, err := OpenDelta(writeLog(t, add(tc.cardinality)), Current)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "a.parquet") {
			t.Errorf("cardinality %s: want an error saying %q, got %v", tc.cardinality, tc.want, err)
		}
	}
	// Iceberg: a deletion vector counted below zero, or beyond its file.
	for _, rows := range []int64{-3, 4} {
		s := &Snapshot{Location: "t", Files: []File{{Path: "/t/a.parquet", Stats: &Stats{NumRecords: 3}}},
			DeleteFiles: []DeleteFile{{Path: "/t/d.puffin", Content: "deletion-vector", Rows: rows, dv: &puffinBlob{data: "/t/a.parquet", offset: 4, size: 40}}}}
		if n, ok := s.Rows(); ok {
			t.Errorf("a vector of %d rows over a file of 3: the table counts %d live rows", rows, n)
		}
	}
}

// Row counts whose sum overflows make the table's row count unknown, not
// negative.
func TestRowCountOverflowIsUnknown(t *testing.T) {
	huge := &Stats{NumRecords: 1<<63 - 1}
	s := &Snapshot{Files: []File{{Path: "a", Stats: huge}, {Path: "b", Stats: huge}}}
	if n, ok := s.Rows(); ok {
		t.Fatalf("two files of 2^63-1 rows count %d", n)
	}
}

// A snapshot whose manifests list one data file twice is refused: an
// engine reading the table reads its rows twice, while the checks, which
// open each path once, would see them once (a unique key passed).
func TestDataFileLiveTwiceIsRefused(t *testing.T) {
	ic := tabletest.NewIceberg(t, t.TempDir(), 2)
	ic.Append(t, []int64{1, 2, 3})
	lists, _ := filepath.Glob(filepath.Join(ic.Dir, "metadata", "snap-*.avro"))
	if len(lists) != 1 {
		t.Fatalf("manifest lists %v", lists)
	}
	f, err := os.Open(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	dec, err := ocf.NewDecoder(f)
	if err != nil {
		t.Fatal(err)
	}
	schema := dec.Metadata()["avro.schema"]
	var recs []map[string]any
	for dec.HasNext() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec, rec) // every manifest twice
	}
	f.Close()
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(string(schema), &buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	enc.Close()
	os.WriteFile(lists[0], buf.Bytes(), 0o644)
	_, err = OpenIceberg(ic.Dir, Current)
	if err == nil || !strings.Contains(err.Error(), "00001.parquet") || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("want an error naming the file live twice, got %v", err)
	}
}

// Two log paths of one Delta data file (a.parquet, ./a.parquet) are two
// files to the log's reconciliation and to an engine, which reads the rows
// twice; mlgate resolves both to one file, so it refuses the table.
func TestDeltaFileLiveUnderTwoPathsIsRefused(t *testing.T) {
	add := func(p string) string {
		return `{"add":{"path":"` + p + `","size":1,"stats":"{\"numRecords\":3}"}}` + "\n"
	}
	for _, second := range []string{"./a.parquet", "b/../a.parquet", "a%2Eparquet"} {
		_, err := OpenDelta(writeLog(t, header+add("a.parquet")+add(second)), Current)
		if err == nil || !strings.Contains(err.Error(), "a.parquet") || !strings.Contains(err.Error(), "twice") {
			t.Errorf("%s: want an error naming the file live twice, got %v", second, err)
		}
	}
}
