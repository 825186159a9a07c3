// Command benchgen writes the benchmark table: a transactions-like Parquet
// file of -rows rows (20 million for `make bench`) with numeric, categorical,
// boolean and timestamp columns, some nulls, in row groups of 1Mi rows. The
// data is generated from a fixed seed, so every run writes the same table;
// -shift moves the numeric distributions to make a drifted "current" table.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// row is one transaction.
type row struct {
	ID        int64    `parquet:"id"`
	Amount    *float64 `parquet:"amount,optional"`
	Quantity  int32    `parquet:"quantity"`
	Price     float64  `parquet:"price"`
	Country   string   `parquet:"country,dict"`
	Category  string   `parquet:"category,dict"`
	Score     float32  `parquet:"score"`
	Fraud     bool     `parquet:"is_fraud"`
	CreatedAt int64    `parquet:"created_at,timestamp(microsecond)"`
}

func main() {
	rows := flag.Int("rows", 20_000_000, "rows to write")
	out := flag.String("out", "bench.parquet", "output `FILE`")
	seed := flag.Uint64("seed", 1, "random seed")
	shift := flag.Float64("shift", 0, "shift of the numeric columns, in standard deviations")
	flag.Parse()
	if err := write(*out, *rows, *seed, *shift); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func write(path string, rows int, seed uint64, shift float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[row](f, parquet.MaxRowsPerRowGroup(1<<20), parquet.Compression(&snappy.Codec{}))
	r := rand.New(rand.NewPCG(seed, 2026))
	countries := names("country", 30)
	categories := names("category", 200)
	const batch = 8192
	buf := make([]row, 0, batch)
	amounts := make([]float64, batch)
	start := int64(1_764_000_000_000_000) // 2025-11-24, microseconds
	for i := 0; i < rows; i++ {
		k := len(buf)
		amounts[k] = math.Round(math.Exp(3+0.9*(r.NormFloat64()+shift))*100) / 100
		rw := row{
			ID:        int64(i),
			Quantity:  int32(1 + r.IntN(10)),
			Price:     20 + 5*(r.NormFloat64()+shift),
			Country:   countries[min(int(r.ExpFloat64()*6), len(countries)-1)],
			Category:  categories[r.IntN(len(categories))],
			Score:     float32(r.Float64()),
			Fraud:     r.IntN(100) == 0,
			CreatedAt: start + int64(i)*1000,
		}
		if i%97 != 0 {
			rw.Amount = &amounts[k]
		}
		buf = append(buf, rw)
		if len(buf) == batch || i == rows-1 {
			if _, err := w.Write(buf); err != nil {
				f.Close()
				return err
			}
			buf = buf[:0]
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}
