package parquetx

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type scanRow struct {
	ID   int64   `parquet:"id"`
	Name *string `parquet:"name,optional,dict"`
	Tags []int32 `parquet:"tags,list"`
}

// writeScanFile writes n rows in row groups of rgRows: id = i, name null on
// every 7th row, tags = [i%3 copies of i].
func writeScanFile(t *testing.T, n, rgRows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scan.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[scanRow](out, parquet.MaxRowsPerRowGroup(int64(rgRows)))
	for i := 0; i < n; i++ {
		r := scanRow{ID: int64(i)}
		if i%7 != 0 {
			s := []string{"a", "b", "c"}[i%3]
			r.Name = &s
		}
		for k := 0; k < i%3; k++ {
			r.Tags = append(r.Tags, int32(i))
		}
		if _, err := w.Write([]scanRow{r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return path
}

// recorder keeps, per chunk, every value with its row, then merges them.
type recorder struct {
	mu     *sync.Mutex
	byRow  map[string]map[int64][]string
	col    *Column
	local  map[int64][]string
	dicts  *int
	nodict bool
}

func (r *recorder) Dictionary(v []parquet.Value) (bool, error) {
	r.mu.Lock()
	*r.dicts++
	r.mu.Unlock()
	return true, nil
}

func (r *recorder) Values(b Batch) error {
	for i, v := range b.Values {
		s := "null"
		if !v.IsNull() {
			s = v.String()
		}
		r.local[b.Rows[i]] = append(r.local[b.Rows[i]], s)
	}
	return nil
}

func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.byRow[r.col.Path]
	if m == nil {
		m = map[int64][]string{}
		r.byRow[r.col.Path] = m
	}
	for row, vs := range r.local {
		m[row] = append(m[row], vs...)
	}
	return nil
}

func TestScanRowsAndValues(t *testing.T) {
	const n = 5000
	path := writeScanFile(t, n, 700)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRowGroups() < 7 || f.NumRows != n {
		t.Fatalf("%d row groups, %d rows", f.NumRowGroups(), f.NumRows)
	}
	for _, workers := range []int{1, 4} {
		var mu sync.Mutex
		byRow := map[string]map[int64][]string{}
		dicts := 0
		err := Scan(context.Background(), []*File{f}, []string{"id", "name", "tags.list.element"}, ScanOptions{Workers: workers, BatchSize: 100},
			func(c *Chunk) (ChunkVisitor, error) {
				return &recorder{mu: &mu, byRow: byRow, col: c.Column, local: map[int64][]string{}, dicts: &dicts}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if dicts != f.NumRowGroups() {
			t.Errorf("workers=%d: %d dictionaries for %d row groups of a dictionary-encoded column", workers, dicts, f.NumRowGroups())
		}
		for i := int64(0); i < n; i++ {
			if got := byRow["id"][i]; len(got) != 1 || got[0] != parquet.Int64Value(i).String() {
				t.Fatalf("workers=%d row %d id %v", workers, i, got)
			}
			name := byRow["name"][i]
			if (i%7 == 0) != (name[0] == "null") {
				t.Fatalf("workers=%d row %d name %v", workers, i, name)
			}
			tags := byRow["tags.list.element"][i]
			want := int(i % 3)
			if want == 0 {
				want = 1 // an empty list is one null value at a lower definition level
			}
			if len(tags) != want {
				t.Fatalf("workers=%d row %d tags %v", workers, i, tags)
			}
		}
	}
}

// stopper declines values after seeing the dictionary.
type stopper struct{ values *int }

func (s stopper) Dictionary([]parquet.Value) (bool, error) { return false, nil }
func (s stopper) Values(b Batch) error                     { *s.values += len(b.Values); return nil }
func (s stopper) Close() error                             { return nil }

func TestScanDictionaryDecides(t *testing.T) {
	path := writeScanFile(t, 1000, 1000)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	values := 0
	if err := Scan(context.Background(), []*File{f}, []string{"name"}, ScanOptions{Workers: 1}, func(*Chunk) (ChunkVisitor, error) {
		return stopper{&values}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if values != 0 {
		t.Fatalf("%d values decoded after the dictionary said no", values)
	}
}

func TestScanUnknownColumn(t *testing.T) {
	path := writeScanFile(t, 10, 10)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = Scan(context.Background(), []*File{f}, []string{"nope"}, ScanOptions{}, func(*Chunk) (ChunkVisitor, error) { return nil, nil })
	if err == nil {
		t.Fatal("scanning a missing column succeeded")
	}
}

// FuzzOpen feeds arbitrary bytes (seeded with a small valid file) to
// OpenReader and a full scan: they must return an error or succeed, never
// panic or hang. testdata/fuzz/FuzzOpen holds the inputs that once did
// (a non-LZ4 LZ4_RAW page, a footer list of 2^31 elements, deeply nested
// structs, a deep schema, a ZSTD page inflating past its declared size).
func FuzzOpen(f *testing.F) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[scanRow](&buf)
	s := "x"
	w.Write([]scanRow{{ID: 1, Name: &s, Tags: []int32{1, 2}}, {ID: 2}})
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip("inputs over 1 MiB only slow the fuzzer down")
		}
		file, err := OpenReader("fuzz.parquet", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.parquet") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer file.Close()
		var cols []string
		for _, l := range file.Schema.Leaves {
			cols = append(cols, l.Path)
		}
		_ = Scan(context.Background(), []*File{file}, cols, ScanOptions{Workers: 1, MaxPageSize: 1 << 20}, func(c *Chunk) (ChunkVisitor, error) {
			return stopper{new(int)}, nil
		})
	})
}
