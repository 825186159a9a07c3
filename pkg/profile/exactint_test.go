package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

type idRow struct {
	Snow int64   `parquet:"snow"`
	Big  uint64  `parquet:"big"`
	List []int32 `parquet:"list,list"`
}

// TestIntegerProfilesAreExact: snowflake ids and uint64 values near the top
// are distinct, summed and squared as integers (a float64 would merge
// neighbours and lose the variance), and empty lists hold no element.
func TestIntegerProfilesAreExact(t *testing.T) {
	const n = 3000
	rows := make([]idRow, n)
	for i := range rows {
		rows[i] = idRow{Snow: 1500000000000000000 + int64(i)*4194305, Big: math.MaxUint64 - uint64(i)}
		if i%2 == 1 {
			rows[i].List = []int32{int32(i)}
		}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[idRow](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ids.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := parquetx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, _, err := Scan(context.Background(), []*parquetx.File{f}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The exact sample variance of a + i·k, i < n: k²·n(n+1)/12.
	for _, tc := range []struct {
		name     string
		step     float64
		min, max string
	}{
		{"snow", 4194305, "1500000000000000000", "1500000012578720695"},
		{"big", 1, "18446744073709548616", "18446744073709551615"},
	} {
		c := p.Column(tc.name)
		if d := c.Distinct.Estimate(); math.Abs(float64(d)-n) > 0.05*n {
			t.Errorf("%s: %d distinct, want about %d", tc.name, d, n)
		}
		want := tc.step * tc.step * n * (n + 1) / 12
		if math.Abs(c.Moments.Variance-want) > 1e-12*want {
			t.Errorf("%s: variance %v, want %v", tc.name, c.Moments.Variance, want)
		}
		if c.Moments.MinText() != tc.min || c.Moments.MaxText() != tc.max {
			t.Errorf("%s: min %s max %s, want %s %s", tc.name, c.Moments.MinText(), c.Moments.MaxText(), tc.min, tc.max)
		}
	}
	// The exact mean of big: 2^64 - 1 - (n-1)/2.
	mean, _ := new(big.Float).Sub(new(big.Float).SetUint64(math.MaxUint64), big.NewFloat((n-1)/2.0)).Float64()
	if got := p.Column("big").Moments.Mean; got != mean {
		t.Errorf("big: mean %v, want %v", got, mean)
	}
	// Encoded and decoded, the exact extremes survive.
	data, err := json.Marshal(p.Column("big").Moments)
	if err != nil {
		t.Fatal(err)
	}
	var back Moments
	if err := json.Unmarshal(data, &back); err != nil || back.MaxText() != "18446744073709551615" || back.Variance != p.Column("big").Moments.Variance {
		t.Errorf("moments round trip: %v, max %s, variance %v", err, back.MaxText(), back.Variance)
	}
	for _, c := range p.Columns {
		if c.Name != "snow" && c.Name != "big" && (c.Count != n/2 || c.Nulls != 0) {
			t.Errorf("%s: %d elements, %d null; want %d, 0 (empty lists hold none)", c.Name, c.Count, c.Nulls, n/2)
		}
	}
}
