package table

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every deletion vector of every corpus Delta table decodes (checksum,
// magic, Roaring format) to as many rows as the log says; in
// table-with-dv-small the deleted rows are positions 0 and 9 (the DELETE
// removed values 0 and 9 of a file holding 0..9 in order; delta-rs reads
// 1..8).
func TestDeletionVectorsDecode(t *testing.T) {
	decoded := 0
	for name, dir := range corpusTables(t) {
		if !strings.HasPrefix(name, "delta/") || refused[name] != "" {
			continue
		}
		for _, v := range []int64{-1} {
			s, err := Open(dir, Options{Version: v})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i := range s.Files {
				f := &s.Files[i]
				if f.DV == nil {
					continue
				}
				bm, err := s.DeletedRowSet(f)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				decoded++
				if name == "delta/table-with-dv-small" && (bm.GetCardinality() != 2 || !bm.Contains(0) || !bm.Contains(9)) {
					t.Errorf("%s: deleted rows %v, want [0 9]", name, bm.ToArray())
				}
			}
		}
	}
	t.Logf("%d deletion vectors decoded", decoded)
	if decoded < 3 {
		t.Errorf("only %d deletion vectors decoded", decoded)
	}
}

func TestZ85(t *testing.T) {
	// ZeroMQ's RFC 32 test vector.
	got, err := z85Decode("HelloWorld")
	want := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	if err != nil || string(got) != string(want) {
		t.Fatalf("z85: % x (%v)", got, err)
	}
	if _, err := z85Decode("ab\"cd"); err == nil {
		t.Fatal("a character outside the alphabet must be refused")
	}
}

// The Delta protocol's inline example (native layout): rows 3, 4, 7, 11,
// 18 and 29 are deleted.
func TestInlineDeletionVector(t *testing.T) {
	s := &Snapshot{Location: t.TempDir()}
	f := &File{Path: "a.parquet", DV: &DeletionVector{StorageType: "i", PathOrInlineDv: "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", SizeInBytes: 40, Cardinality: 6}}
	bm, err := s.DeletedRowSet(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(bm.ToArray()); got != "[3 4 7 11 18 29]" {
		t.Fatalf("deleted rows %s", got)
	}
	f.DV.Cardinality = 5
	if _, err := s.DeletedRowSet(f); err == nil || !strings.Contains(err.Error(), "the log says 5") {
		t.Fatalf("a cardinality the bitmap contradicts: %v", err)
	}
	f.DV = &DeletionVector{StorageType: "p", PathOrInlineDv: "/etc/passwd", Cardinality: 1}
	var ue *UnsupportedError
	if _, err := s.DeletedRowSet(f); !errors.As(err, &ue) {
		t.Fatalf("absolute deletion vector path: %v", err)
	}
}
