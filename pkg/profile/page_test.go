package profile

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// pageRow covers every whole-page path: dictionary and plain pages of
// strings, integers and doubles, booleans, with and without nulls.
type pageRow struct {
	Country *string  `parquet:"country,optional,dict"`
	Wide    string   `parquet:"wide,dict"` // more entries than a small dictionary
	User    string   `parquet:"user"`
	Age     *int32   `parquet:"age,optional,dict"`
	Clicks  int64    `parquet:"clicks,dict"`
	ID      int64    `parquet:"id"`
	Small   int32    `parquet:"small"`
	Amount  *float64 `parquet:"amount,optional"`
	Price   float64  `parquet:"price,dict"`
	Fraud   *bool    `parquet:"fraud,optional"`
	Flag    bool     `parquet:"flag"`
}

// TestWholePagesMatchValueByValue: profiling page by page gives the very
// bytes the value-by-value path gives, over several row groups and pages.
func TestWholePagesMatchValueByValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pages.parquet")
	rng := rand.New(rand.NewPCG(7, 8))
	var rows []pageRow
	for i := range 40000 {
		r := pageRow{
			Wide:   fmt.Sprintf("w%d", rng.IntN(3000)),
			User:   fmt.Sprintf("u%012d", rng.Int64N(1e12)),
			Clicks: rng.Int64N(1001),
			ID:     int64(i) * 1e12,
			Small:  int32(rng.IntN(200)) - 100,
			Price:  math.Round(rng.ExpFloat64()*1000) / 100,
			Flag:   rng.IntN(3) == 0,
		}
		if i%7 != 0 {
			c := []string{"AR", "BR", "DE", "FR", "US"}[rng.IntN(5)]
			r.Country = &c
		}
		if i%11 != 0 {
			a := int32(18 + rng.IntN(73))
			r.Age = &a
		}
		if i%13 != 0 {
			x := rng.NormFloat64() * 100
			switch i % 101 {
			case 1:
				x = math.NaN()
			case 2:
				x = math.Inf(-1)
			case 3:
				x = math.Copysign(0, -1)
			}
			r.Amount = &x
		}
		if i%5 != 0 {
			f := rng.IntN(100) == 0
			r.Fraud = &f
		}
		rows = append(rows, r)
	}
	if err := parquet.WriteFile(path, rows, parquet.MaxRowsPerRowGroup(20000), parquet.PageBufferSize(4096)); err != nil {
		t.Fatal(err)
	}
	scan := func(whole bool) []byte {
		t.Helper()
		defer func(old bool) { wholePages = old }(wholePages)
		wholePages = whole
		f, err := parquetx.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		p, _, err := Scan(context.Background(), []*parquetx.File{f}, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	values, pages := scan(false), scan(true)
	if !bytes.Equal(values, pages) {
		t.Fatalf("page by page:\n%s\nvalue by value:\n%s", pages, values)
	}
	if !bytes.Contains(pages, []byte(`"skipped"`)) {
		t.Error("the id-like column's top-k was not skipped")
	}
}
