package profile

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The benchmarks measure the per-value cost of profiling each kind of column.

func BenchmarkAddFloat(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	values := make([]float64, 1<<16)
	for i := range values {
		values[i] = math.Exp(3 + r.NormFloat64())
	}
	c := NewColumn("x", Numeric, "double")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.AddFloat(values[i&(len(values)-1)])
	}
}

func BenchmarkAddBytesLowCardinality(b *testing.B) {
	values := make([][]byte, 30)
	for i := range values {
		values[i] = fmt.Appendf(nil, "country-%03d", i)
	}
	c := NewColumn("x", Categorical, "string")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.AddBytes(values[(i*7)%len(values)])
	}
}

func BenchmarkAddBytesHighCardinality(b *testing.B) {
	c := NewColumn("x", Categorical, "string")
	buf := make([]byte, 0, 16)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = fmt.Appendf(buf[:0], "user-%d", i)
		c.AddBytes(buf)
	}
}

func BenchmarkMerge(b *testing.B) {
	parts := []*Profile{build(1, 0, 50000), build(1, 50000, 100000)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Merge(parts...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMergeWide reads and merges a profile of 20,000 columns: the
// column lookups inside Merge were once linear, which made this quadratic
// (seconds; the fuzzer's workers hung on such inputs).
func BenchmarkParseMergeWide(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"apiVersion":"mlgate.dev/v1","kind":"ColumnProfile","columns":[`)
	for i := 0; i < 20000; i++ {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"name":"c%05d","kind":"categorical","topK":{"n":0,"items":[]},"distinct":{"precision":12}}`, i)
	}
	buf.WriteString("]}")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := Parse(buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Merge(p, p); err != nil {
			b.Fatal(err)
		}
	}
}
