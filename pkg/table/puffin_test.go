package table

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
)

// puffinFile frames blobs as a Puffin file (magic, blobs, footer) and
// gives each blob's offset.
func puffinFile(blobs ...[]byte) ([]byte, []int64) {
	out := []byte("PFA1")
	var offs []int64
	for _, b := range blobs {
		offs = append(offs, int64(len(out)))
		out = append(out, b...)
	}
	footer := `{"blobs":[]}`
	out = append(out, "PFA1"...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	out = append(out, 0, 0, 0, 0)
	return append(out, "PFA1"...), offs
}

// A deletion vector in a real Puffin file (two blobs for two data files)
// reads at its offset and applies only to its data file, committed with
// or after it; position delete files of a file with a vector do not
// apply (the vector holds them).
func TestPuffinDeletionVectors(t *testing.T) {
	dir := t.TempDir()
	data, offs := puffinFile(tabletest.DeletionVectorBlob(t, 0, 5, 1<<33), tabletest.DeletionVectorBlob(t, 2))
	p := filepath.Join(dir, "dv.puffin")
	os.WriteFile(p, data, 0o644)
	pos := writePositionDeletes(t, []posDelete{{"s3://b/t/a.parquet", 7}})
	resolve := func(s string) (string, error) { return "/t/" + strings.TrimPrefix(s, "s3://b/t/"), nil }
	blob := func(path string, i int, rows int64, seq int64) DeleteFile {
		return DeleteFile{Path: p, Content: "deletion-vector", Rows: rows, scope: deleteScope{seq: seq},
			dv: &puffinBlob{data: path, offset: offs[i], size: int64(len(tabletest.DeletionVectorBlob(t, 2)))}}
	}
	a := blob("/t/a.parquet", 0, 3, 2)
	a.dv.size = int64(len(tabletest.DeletionVectorBlob(t, 0, 5, 1<<33)))
	s := &Snapshot{Location: "t", resolve: resolve,
		Files: []File{{Path: "/t/a.parquet", scope: deleteScope{seq: 1}}, {Path: "/t/b.parquet", scope: deleteScope{seq: 2}}, {Path: "/t/c.parquet", scope: deleteScope{seq: 3}}},
		DeleteFiles: []DeleteFile{a, blob("/t/b.parquet", 1, 1, 2), blob("/t/c.parquet", 1, 1, 2),
			{Path: pos, Content: "position", Rows: 1, scope: deleteScope{seq: 2}}}}
	for i, want := range []string{"[0 5 8589934592]", "[2]", "[]"} {
		bm, err := s.DeletedRows(&s.Files[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(bm.ToArray()); got != want {
			t.Errorf("%s: deleted %s, want %s", s.Files[i].Path, got, want)
		}
	}
	// Two vectors for one file are refused.
	s.DeleteFiles = append(s.DeleteFiles, blob("/t/b.parquet", 1, 1, 2))
	if _, err := s.DeletedRows(&s.Files[1]); err == nil || !strings.Contains(err.Error(), "two deletion vectors") {
		t.Errorf("two vectors: %v", err)
	}
}

// A malformed or lying blob is refused naming the file and the reason:
// the length, the CRC, the magic, the bitmap's framing, the manifest's
// count, a row the data file does not have, a blob past the file's end.
func TestHostileDeletionVectors(t *testing.T) {
	good := tabletest.DeletionVectorBlob(t, 1)
	crc := func(b []byte) []byte { // recompute the CRC after an edit
		n := binary.BigEndian.Uint32(b)
		return binary.BigEndian.AppendUint32(b[:4+n:4+n], crc32.ChecksumIEEE(b[4:4+n]))
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name      string
		blob      []byte
		rows      int64
		off, size int64
		want      string
	}{
		{"good", good, 1, 0, 0, ""},
		{"crc", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), 1, 0, 0, "fails its checksum"},
		{"length", edit(func(b []byte) []byte { b[3]++; return b }), 1, 0, 0, "says"},
		{"magic", edit(func(b []byte) []byte { b[4] = 0; return crc(b) }), 1, 0, 0, "not a RoaringBitmapArray"},
		{"bitmaps", edit(func(b []byte) []byte { b[8+7] = 0x7f; return crc(b) }), 1, 0, 0, "claims"},
		{"count", good, 2, 0, 0, "the manifest says 2"},
		{"past the rows", tabletest.DeletionVectorBlob(t, 3), 1, 0, 0, "row 3 of a file of 3 rows"},
		{"past the end", good, 1, 8, 0, "past the end"},
		{"trailing", edit(func(b []byte) []byte {
			n := binary.BigEndian.Uint32(b)
			b = append(b[:4+n:4+n], 0, 0)
			binary.BigEndian.PutUint32(b, n+2)
			return crc(b)
		}), 1, 0, 0, "after the Roaring bitmap"},
	} {
		p := filepath.Join(t.TempDir(), "dv.puffin")
		os.WriteFile(p, tc.blob, 0o644)
		size := tc.size
		if size == 0 {
			size = int64(len(tc.blob))
		}
		s := &Snapshot{Location: "t", Files: []File{{Path: "a.parquet", Stats: &Stats{NumRecords: 3}}},
			DeleteFiles: []DeleteFile{{Path: p, Content: "deletion-vector", Rows: tc.rows, dv: &puffinBlob{data: "a.parquet", offset: tc.off, size: size}}}}
		bm, err := s.DeletedRows(&s.Files[0])
		switch {
		case tc.want == "" && (err != nil || fmt.Sprint(bm.ToArray()) != "[1]"):
			t.Errorf("%s: %v (%v)", tc.name, bm, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p)):
			t.Errorf("%s: want an error naming %s and saying %q, got %v", tc.name, p, tc.want, err)
		}
	}
}

// Any bytes as a deletion vector decode or fail with an error: never a
// panic, never an allocation the input does not pay for.
func FuzzDecodeBitmapArray(f *testing.F) {
	f.Add(tabletest.DeletionVectorBlob(f, 1)[4:38])
	f.Add(tabletest.DeletionVectorBlob(f, 0, 5, 1<<33, 1<<40)[4:])
	f.Add([]byte{0xD1, 0xD3, 0x39, 0x64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		bm, err := decodeBitmapArray(data)
		if err == nil && bm == nil {
			t.Fatal("no bitmap and no error")
		}
	})
}

// A PUFFIN delete file entry must locate its blob and name a data file
// inside the table.
func TestDeletionVectorEntries(t *testing.T) {
	tbl := &icebergTable{root: "/t", location: "s3://b/t"}
	ok := map[string]any{"referenced_data_file": "s3://b/t/data/a.parquet", "content_offset": int64(4), "content_size_in_bytes": int64(42)}
	if dv, err := tbl.deletionVector(ok); err != nil || dv.data != "/t/data/a.parquet" || dv.offset != 4 || dv.size != 42 {
		t.Fatalf("%+v (%v)", dv, err)
	}
	for _, tc := range []struct {
		key  string
		val  any
		want string
	}{
		{"referenced_data_file", nil, "lacks"},
		{"content_offset", nil, "lacks"},
		{"content_size_in_bytes", nil, "lacks"},
		{"content_offset", int64(-1), "out of range"},
		{"content_size_in_bytes", int64(11), "out of range"},
		{"content_size_in_bytes", int64(1 << 40), "out of range"},
		{"referenced_data_file", "s3://b/t/../../etc/passwd", "leaves the table"},
		{"referenced_data_file", "s3://other/x.parquet", "not under the table location"},
	} {
		df := map[string]any{}
		for k, v := range ok {
			df[k] = v
		}
		df[tc.key] = tc.val
		if _, err := tbl.deletionVector(df); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %v: want an error saying %q, got %v", tc.key, tc.val, tc.want, err)
		}
	}
}
