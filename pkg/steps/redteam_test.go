package steps

import (
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Row counts a table's metadata states for its files are summed only while
// the sum fits: two files said to hold 2^63-1 rows each would otherwise
// count a negative dataset that passes any row maximum.
func TestTableRowsDoNotOverflow(t *testing.T) {
	huge := func() *parquetx.Handle {
		return parquetx.Deferred("a.parquet", nil, 1<<63-1, func() (*parquetx.File, error) { panic("opened") })
	}
	if n := tableRows([]*parquetx.Handle{huge(), huge()}); n != nil {
		t.Fatalf("two files of 2^63-1 rows count %d", *n)
	}
}
