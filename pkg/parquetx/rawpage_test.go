package parquetx

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// numberPages takes every page it can whole, numbers included, recording
// each row's value as text (nil for null) by column and row.
type numberPages struct {
	col  string
	mu   *sync.Mutex
	seen map[string]map[int64]string
	raw  *int
}

func (v *numberPages) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *numberPages) Close() error                             { return nil }
func (v *numberPages) NumberPages()                             {}
func (v *numberPages) Values(b Batch) error {
	return fmt.Errorf("%s: a batch of values reached a visitor of whole pages", v.col)
}
func (v *numberPages) Page(p Page) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := 0
	for r := range p.Rows {
		row := p.FirstRow + int64(r)
		if p.Def != nil && p.Def[r] != p.MaxDef {
			v.seen[v.col][row] = "null"
			continue
		}
		var s string
		switch {
		case p.Int64 != nil:
			s = fmt.Sprint(p.Int64[k])
		case p.Int32 != nil:
			s = fmt.Sprint(p.Int32[k])
		case p.Float != nil:
			s = fmt.Sprint(p.Float[k])
		case p.Double != nil:
			s = fmt.Sprint(p.Double[k])
		case p.Dict != nil:
			s = p.Dict.Index(p.Index[k]).String()
		default:
			s = string(p.Bytes[p.Offsets[k]:p.Offsets[k+1]])
		}
		v.seen[v.col][row] = s
		k++
	}
	return nil
}

// valuesOf records the same from parquet.Values.
type valuesOf struct{ numberPages }

func (v *valuesOf) Values(b Batch) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, val := range b.Values {
		s := "null"
		if !val.IsNull() {
			s = val.String()
		}
		v.seen[v.col][b.Rows[i]] = s
	}
	return nil
}

type rawRow struct {
	Name   *string  `parquet:"name,optional,plain"`
	ID     int64    `parquet:"id"`
	Age    *int32   `parquet:"age,optional"`
	Score  float32  `parquet:"score"`
	Amount *float64 `parquet:"amount,optional"`
	Blob   []byte   `parquet:"blob,plain"`
}

// TestRawPagesMatchParquetGo reads PLAIN pages of every physical type the
// raw reader takes, v1 and v2, of each codec it decompresses, and checks
// that it takes them and that they hold what parquet-go decodes.
func TestRawPagesMatchParquetGo(t *testing.T) {
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Zstd} {
		for _, version := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s-v%d", codec, version), func(t *testing.T) {
				var buf bytes.Buffer
				w := parquet.NewGenericWriter[rawRow](&buf, parquet.Compression(codec), parquet.PageBufferSize(2<<10), parquet.DataPageVersion(version), parquet.MaxRowsPerRowGroup(3000))
				for i := range 7000 {
					r := rawRow{ID: int64(i) * 1e9, Score: float32(i) / 3, Blob: bytes.Repeat([]byte{byte(i)}, i%7)}
					if i%5 != 0 {
						s, a, f := strings.Repeat("n", i%40), int32(i%90), float64(i)/7
						r.Name, r.Age, r.Amount = &s, &a, &f
					}
					if _, err := w.Write([]rawRow{r}); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				f, err := OpenReader("raw.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
				if err != nil {
					t.Fatal(err)
				}
				var cols []string
				for _, l := range f.Schema.Leaves {
					cols = append(cols, l.Path)
				}
				read := func(pages bool) map[string]map[int64]string {
					var mu sync.Mutex
					seen := map[string]map[int64]string{}
					for _, c := range cols {
						seen[c] = map[int64]string{}
					}
					raw := 0
					err := Scan(context.Background(), []*File{f}, cols, ScanOptions{Workers: 2}, func(c *Chunk) (ChunkVisitor, error) {
						np := numberPages{col: c.Column.Path, mu: &mu, seen: seen, raw: &raw}
						if !pages {
							return &valuesOf{np}, nil
						}
						dict, data, err := checkPageHeaders(c, DefaultMaxPageSize)
						if err != nil {
							return nil, err
						}
						if !new(rawReader).takes(c, &np, dict, data) {
							return nil, fmt.Errorf("%s: the raw reader does not take the chunk", c.Column.Path)
						}
						return &np, nil
					})
					if err != nil {
						t.Fatal(err)
					}
					return seen
				}
				want, got := read(false), read(true)
				for _, c := range cols {
					if len(want[c]) != 7000 || len(got[c]) != 7000 {
						t.Fatalf("%s: %d rows through values, %d through pages, want 7000", c, len(want[c]), len(got[c]))
					}
					for r, s := range want[c] {
						if got[c][r] != s && !(c == "blob" && got[c][r] == strings.Trim(s, "\"")) {
							t.Fatalf("%s row %d: pages read %q, values %q", c, r, got[c][r], s)
						}
					}
				}
			})
		}
	}
}

// The raw reader refuses the bombs as the parquet-go path does.
func TestRawPagesRefuseBombs(t *testing.T) {
	for _, b := range bombs() {
		t.Run(b.name, func(t *testing.T) {
			f, err := OpenReader("bomb.parquet", bytes.NewReader(b.data), int64(len(b.data)))
			if err != nil {
				if !strings.Contains(err.Error(), b.want) {
					t.Fatalf("want %q, got %v", b.want, err)
				}
				return
			}
			defer f.Close()
			var mu sync.Mutex
			seen := map[string]map[int64]string{"x": {}}
			var used uint64
			used = allocated(func() {
				err = Scan(context.Background(), []*File{f}, []string{"x"}, ScanOptions{Workers: 1}, func(c *Chunk) (ChunkVisitor, error) {
					return &numberPages{col: "x", mu: &mu, seen: seen}, nil
				})
			})
			if err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "bomb.parquet") {
				t.Fatalf("want an error naming the file and saying %q, got %v", b.want, err)
			}
			if used > 500<<20 {
				t.Fatalf("allocated %d MiB", used>>20)
			}
		})
	}
}
