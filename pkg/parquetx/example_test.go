package parquetx_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// sum is a ChunkVisitor adding up one column; each chunk has its own and
// merges into the total when closed.
type sum struct {
	col   *parquetx.Column
	local float64
	mu    *sync.Mutex
	total *float64
}

func (s *sum) Dictionary([]parquet.Value) (bool, error) { return true, nil }

func (s *sum) Values(b parquetx.Batch) error {
	for _, v := range b.Values {
		if x, ok := s.col.Exact(v); ok { // false for nulls
			s.local += x.Float64()
		}
	}
	return nil
}

func (s *sum) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.total += s.local
	return nil
}

func ExampleScan() {
	type row struct {
		Amount *float64 `parquet:"amount,optional"`
	}
	dir, _ := os.MkdirTemp("", "parquetx-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "amounts.parquet")
	out, _ := os.Create(path)
	w := parquet.NewGenericWriter[row](out, parquet.MaxRowsPerRowGroup(2))
	for _, a := range []float64{1.5, 2.5, 4} {
		w.Write([]row{{Amount: &a}, {}})
	}
	w.Close()
	out.Close()

	f, err := parquetx.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	col := f.Schema.Lookup("amount")
	st, _ := f.Stats(0, col)
	fmt.Printf("%s %s, %d rows in %d row groups; row group 0: %d nulls (trusted %v)\n",
		col.Path, col.Type, f.NumRows, f.NumRowGroups(), st.NullCount, st.HasNullCount)

	var mu sync.Mutex
	var total float64
	err = parquetx.Scan(context.Background(), []*parquetx.File{f}, []string{"amount"}, parquetx.ScanOptions{},
		func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			return &sum{col: c.Column, mu: &mu, total: &total}, nil
		})
	fmt.Println("sum:", total, err)
	// Output:
	// amount double, 6 rows in 3 row groups; row group 0: 1 nulls (trusted true)
	// sum: 8 <nil>
}
