// Package benchgen writes the synthetic ML feature table that the validate
// benchmark (scripts/bench/10-validate.sh) and the CLI tests run on. The
// content depends only on the seed, so every run measures the same file.
package benchgen

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Row is one row of the feature table.
type Row struct {
	ID        int64     `parquet:"id"`
	UserID    string    `parquet:"user_id"`
	Email     string    `parquet:"email"`
	Country   string    `parquet:"country,dict"`
	Device    string    `parquet:"device,dict"`
	Amount    *float64  `parquet:"amount,optional"`
	Age       *int32    `parquet:"age,optional"`
	Clicks    int64     `parquet:"clicks"`
	IsFraud   bool      `parquet:"is_fraud"`
	EventTime time.Time `parquet:"event_time,timestamp(microsecond)"`
}

// Countries and Devices are the low-cardinality value sets.
var (
	Countries = []string{"AR", "AU", "BR", "CA", "CN", "DE", "ES", "FR", "GB", "IN", "IT", "JP", "KR", "MX", "NL", "PL", "SE", "TR", "US", "ZA"}
	Devices   = []string{"android", "ios", "web", "tv"}
)

// Write writes rows rows in row groups of rowGroup rows, ZSTD-compressed.
// Amount is null on about 2% of rows and age on 1%; id is unique; the value
// ranges are amount [0, 100000], age [18, 90], clicks [0, 1000].
func Write(w io.Writer, rows, rowGroup int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pw := parquet.NewGenericWriter[Row](w,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		parquet.MaxRowsPerRowGroup(int64(rowGroup)),
		parquet.PageBufferSize(1<<20),
	)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	batch := make([]Row, 0, 8192)
	for i := 0; i < rows; i++ {
		u := rng.Uint64N(1e12)
		r := Row{
			ID:        int64(i),
			UserID:    fmt.Sprintf("u%012d", u),
			Email:     fmt.Sprintf("user%d@example.com", u%1e7),
			Country:   Countries[rng.IntN(len(Countries))],
			Device:    Devices[rng.IntN(len(Devices))],
			Clicks:    rng.Int64N(1001),
			IsFraud:   rng.IntN(100) == 0,
			EventTime: time.UnixMicro(base + rng.Int64N(365*24*3600*1e6)).UTC(),
		}
		if rng.IntN(50) != 0 {
			a := math.Min(100000, math.Round(math.Exp(rng.NormFloat64()*1.2+3.5)*100)/100)
			r.Amount = &a
		}
		if rng.IntN(100) != 0 {
			a := int32(18 + rng.IntN(73))
			r.Age = &a
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) || i == rows-1 {
			if _, err := pw.Write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return pw.Close()
}
