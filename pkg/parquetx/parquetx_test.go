package parquetx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/testcorpus"
	"github.com/mlgate/mlgate/internal/testenv"
)

// counter is a ChunkVisitor that counts what it sees; all counters of a scan
// share one mutex-guarded total.
type counter struct {
	mu     *sync.Mutex
	values *int64
	rows   map[int64]bool
	n      int64
}

func (c *counter) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (c *counter) Values(b Batch) error {
	c.n += int64(len(b.Values))
	c.mu.Lock()
	for _, r := range b.Rows {
		c.rows[r] = true
	}
	c.mu.Unlock()
	return nil
}
func (c *counter) Close() error {
	c.mu.Lock()
	*c.values += c.n
	c.mu.Unlock()
	return nil
}

// pageCounter takes byte-array and dictionary pages whole (PageVisitor),
// counting each row of a page as a value, as a flat column has.
type pageCounter struct{ counter }

func (c *pageCounter) Page(p Page) error {
	if p.Dict != nil {
		for _, i := range p.Index {
			_ = p.Dict.Index(i)
		}
	}
	c.n += int64(p.Rows)
	c.mu.Lock()
	for r := range p.Rows {
		c.rows[p.FirstRow+int64(r)] = true
	}
	c.mu.Unlock()
	return nil
}

// numberCounter is a pageCounter that takes pages of numbers whole too.
type numberCounter struct{ pageCounter }

func (c *numberCounter) NumberPages() {}

// scanAll opens path and scans every leaf column, returning the values seen.
func scanAll(t *testing.T, path string, opts ScanOptions) (*File, int64, map[int64]bool, error) {
	return scanAllWith(t, path, opts, "values")
}

// scanAllWith is scanAll, with visitors that take whole pages of byte arrays
// and dictionary indexes (mode "pages") or those and numbers ("numbers").
func scanAllWith(t *testing.T, path string, opts ScanOptions, mode string) (*File, int64, map[int64]bool, error) {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	t.Cleanup(func() { f.Close() })
	var cols []string
	for _, l := range f.Schema.Leaves {
		cols = append(cols, l.Path)
	}
	var mu sync.Mutex
	var total int64
	rows := map[int64]bool{}
	err = Scan(context.Background(), []*File{f}, cols, opts, func(c *Chunk) (ChunkVisitor, error) {
		switch mode {
		case "pages":
			return &pageCounter{counter{mu: &mu, values: &total, rows: rows}}, nil
		case "numbers":
			return &numberCounter{pageCounter{counter{mu: &mu, values: &total, rows: rows}}}, nil
		}
		return &counter{mu: &mu, values: &total, rows: rows}, nil
	})
	return f, total, rows, err
}

// corpusExpect is the expected outcome of opening and scanning every column
// of each corpus file, with the reason. Files not listed must read cleanly.
var corpusExpect = map[string]struct{ err, why string }{
	"bad_data/ARROW-GH-41317.parquet":                     {"INDEX_PAGE", "columns do not have the same number of rows: a page decodes as an index page"},
	"bad_data/ARROW-GH-41321.parquet":                     {"definition levels", "fewer levels than the page header's num_values"},
	"bad_data/ARROW-GH-45185.parquet":                     {"repetition level is 1, not 0", "silently wrong in parquet-go (6 rows for 5): caught by the leading repetition level"},
	"bad_data/ARROW-GH-47662.parquet":                     {"nulls in a REQUIRED column", "silently wrong in parquet-go: caught by the footer null count"},
	"bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet":        {"outside the file", "the negative dictionary header shifts the chunk out of the file"},
	"bad_data/ARROW-RS-GH-6229-LEVELS.parquet":            {"page headers count 21 values but the chunk metadata says 1", "a page has too few repetition levels for its header"},
	"bad_data/PARQUET-1481.parquet":                       {"invalid physical type -7", "silently read as all-null by parquet-go: caught by the schema check"},
	"data/datapage_v1-corrupt-checksum.parquet":           {"crc32 checksum mismatch", "bad data page CRC"},
	"data/rle-dict-uncompressed-corrupt-checksum.parquet": {"dictionary page CRC mismatch", "bad dictionary page CRC, which parquet-go does not check on its dictionary path"},
	"data/hadoop_lz4_compressed.parquet":                  {"unsupported compression codec: LZ4", "the deprecated LZ4 codec is not implemented by parquet-go"},
	"data/hadoop_lz4_compressed_larger.parquet":           {"unsupported compression codec: LZ4", "the deprecated LZ4 codec is not implemented by parquet-go"},
	"data/non_hadoop_lz4_compressed.parquet":              {"unsupported compression codec: LZ4", "the deprecated LZ4 codec is not implemented by parquet-go"},
	"data/nation.dict-malformed.parquet":                  {"runs past the end of the chunk", "truncated data page"},
	"data/large_string_map.brotli.parquet":                {"exceeds the 256 MiB page size limit", "1 GiB values: refused instead of using 2 GB of memory"},
}

// TestCorpus scans every corpus file value by value and, as validate does,
// taking byte-array, dictionary and number pages whole (PLAIN ones read by
// rawReader): all must read the same values and refuse the same files.
func TestCorpus(t *testing.T) {
	root, files := testcorpus.ParquetTesting(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(root, rel)
			f, n, _, err := scanAll(t, path, ScanOptions{})
			for _, mode := range []string{"pages", "numbers"} {
				_, pn, _, perr := scanAllWith(t, path, ScanOptions{}, mode)
				if (err == nil) != (perr == nil) || (err == nil && n != pn) {
					t.Fatalf("whole %s: %d values, error %v; values: %d, error %v", mode, pn, perr, n, err)
				}
			}
			want, bad := corpusExpect[rel]
			if !bad {
				if err != nil {
					t.Fatalf("a valid file failed: %v", err)
				}
				if f.NumRows > 0 && n == 0 && len(f.Schema.Leaves) > 0 {
					t.Fatalf("no values decoded from %d rows", f.NumRows)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error containing %q (%s), got none", want.err, want.why)
			}
			if !strings.Contains(err.Error(), want.err) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q should name the file and contain %q (%s)", err, want.err, want.why)
			}
		})
	}
	for rel := range corpusExpect {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("expected corpus file %s is missing", rel)
		}
	}
}

func TestCorruptErrorsAreTyped(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	_, err := Open(filepath.Join(root, "bad_data", "PARQUET-1481.parquet"))
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Column != "Handle" {
		t.Fatalf("want a CorruptError on column Handle, got %#v", err)
	}
}

func TestFileNumRowsMismatchIsAWarning(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	f, err := Open(filepath.Join(root, "data", "repeated_no_annotation.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRows != 6 || len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "num_rows is 0") {
		t.Fatalf("rows %d, warnings %q", f.NumRows, f.Warnings)
	}
}

func TestStatsTrust(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	open := func(name string) *File {
		f, err := Open(filepath.Join(root, "data", name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	f := open("binary_truncated_min_max.parquet")
	for _, tc := range []struct {
		col                string
		minExact, maxExact bool
	}{
		{"utf8_full_truncation", false, false},
		{"utf8_partial_truncation", false, true},
		{"utf8_no_truncation", true, true},
	} {
		st, _ := f.Stats(0, f.Schema.Lookup(tc.col))
		if !st.HasMin || !st.HasMax || st.MinExact != tc.minExact || st.MaxExact != tc.maxExact {
			t.Errorf("%s: %+v", tc.col, st)
		}
	}
	// A NaN max is not a bound.
	f = open("nan_in_stats.parquet")
	if st, _ := f.Stats(0, f.Schema.Lookup("x")); st.HasMax || !st.HasMin || st.Min.Double() != 1 {
		t.Errorf("nan_in_stats: %+v", st)
	}
	// Deprecated min/max on byte arrays and absent null counts are not trusted.
	f = open("alltypes_plain.parquet")
	if st, _ := f.Stats(0, f.Schema.Lookup("string_col")); st.HasMin || st.HasMax || st.HasNullCount {
		t.Errorf("alltypes_plain string_col: %+v", st)
	}
	f = open("single_nan.parquet")
	if st, _ := f.Stats(0, f.Schema.Lookup("mycol")); !st.HasNullCount || st.NullCount != 1 {
		t.Errorf("single_nan: %+v", st)
	}
}

func TestSchemaTypesAndPaths(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	f, err := Open(filepath.Join(root, "data", "nested_maps.snappy.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	for _, c := range f.Schema.Columns {
		got = append(got, c.Path+":"+c.Type.String())
	}
	want := "a:map a.key_value:struct a.key_value.key:string a.key_value.value:map a.key_value.value.key_value:struct a.key_value.value.key_value.key:int32 a.key_value.value.key_value.value:boolean b:int32 c:double"
	if strings.Join(got, " ") != want {
		t.Fatalf("schema\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if c := f.Schema.Lookup("a.key_value.value.key_value.key"); !c.InCollection || c.MaxRepetitionLevel != 2 {
		t.Fatalf("nested key: %+v", c)
	}
}

// CheckPages finds a corrupt page layout without decoding, so a chunk that
// metadata decides is still checked.
func TestCheckPages(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing")
	f, err := Open(filepath.Join(root, "bad_data", "ARROW-RS-GH-6229-LEVELS.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var found error
	for rg := range f.NumRowGroups() {
		for _, c := range f.Schema.Leaves {
			if err := f.CheckPages(rg, c, 0); err != nil && found == nil {
				found = err
			}
		}
	}
	if found == nil || !strings.Contains(found.Error(), "page headers count 21 values") {
		t.Fatalf("want the page count mismatch, got %v", found)
	}
	g, err := Open(filepath.Join(root, "data", "alltypes_plain.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, c := range g.Schema.Leaves {
		if err := g.CheckPages(0, c, 0); err != nil {
			t.Fatalf("%s: %v", c.Path, err)
		}
	}
}
