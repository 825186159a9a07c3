package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// TestBatchPathsMatchValueByValue: the batch paths give the very profile
// that AddExact and AddFloat give value by value, in and past exact mode,
// with large integers, NaNs, infinities and -0 among the values.
func TestBatchPathsMatchValueByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 10, ExactLimit, ExactLimit + 1, 5000} {
		ints := make([]int64, n)
		floats := make([]float64, n)
		for i := range n {
			switch rng.IntN(6) {
			case 0:
				ints[i] = rng.Int64() - math.MaxInt64/2 // beyond 2^31
			case 1:
				ints[i] = math.MinInt64
			default:
				ints[i] = rng.Int64N(2000) - 1000
			}
			switch rng.IntN(8) {
			case 0:
				floats[i] = math.NaN()
			case 1:
				floats[i] = math.Inf(1 - 2*rng.IntN(2))
			case 2:
				floats[i] = math.Copysign(0, -1)
			default:
				floats[i] = rng.NormFloat64() * 1e3
			}
		}
		one, batch := NewColumn("i", Numeric, "int64"), NewColumn("i", Numeric, "int64")
		for _, x := range ints {
			one.AddExact(parquetx.Exact{Int: parquetx.Int128Of(x)})
		}
		// In pieces of uneven size, as pages come.
		for rest := ints; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(700))
			batch.addInts(append([]int64(nil), rest[:k]...))
			rest = rest[k:]
		}
		same(t, one, batch)

		one, batch = NewColumn("f", Numeric, "double"), NewColumn("f", Numeric, "double")
		for _, x := range floats {
			one.AddFloat(x)
		}
		for rest := floats; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(700))
			batch.addFloats(append([]float64(nil), rest[:k]...))
			rest = rest[k:]
		}
		same(t, one, batch)
	}
}

func same(t *testing.T, a, b *Column) {
	t.Helper()
	a.Finish()
	b.Finish()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ja) != string(jb) {
		t.Fatalf("%s: batch path differs:\n%s\n%s", a.Name, ja, jb)
	}
}

// TestIDLikeColumnsSkipTopK: a part whose first values are almost all
// distinct stops counting and says so; a column with a frequent value among
// unique ones, or a short one, keeps its summary.
func TestIDLikeColumnsSkipTopK(t *testing.T) {
	part := func(n int, value func(i int) string) *Column {
		c := NewColumn("s", Categorical, "string")
		for i := range n {
			c.AddBytes([]byte(value(i)))
		}
		return c
	}
	unique := func(i int) string { return fmt.Sprintf("id-%08d", i) }

	ids := part(40000, unique)
	if ids.TopK.Skipped == "" {
		t.Fatal("40,000 distinct values: top-k was not skipped")
	}
	// One in 100 values is "unknown": 163 repeats among the first 16,384.
	withDefault := part(40000, func(i int) string {
		if i%100 == 0 {
			return "unknown"
		}
		return unique(i)
	})
	short := part(idProbeValues-1, unique)
	for _, c := range []*Column{withDefault, short} {
		if c.TopK.Skipped != "" {
			t.Fatalf("%d values: top-k skipped: %s", c.Count, c.TopK.Skipped)
		}
	}

	merged := NewColumn("s", Categorical, "string")
	for _, c := range []*Column{withDefault, ids} {
		if err := merged.Merge(c); err != nil {
			t.Fatal(err)
		}
	}
	withDefault.Finish()
	if it := withDefault.TopK.Items[0]; it.Value != "unknown" || it.Count <= withDefault.TopK.MaxError {
		t.Fatalf("the frequent value is not listed above the error bound: %+v, max error %d", it, withDefault.TopK.MaxError)
	}
	for _, c := range []*Column{ids, merged} {
		c.Finish()
		k := c.TopK
		if k.Skipped == "" || len(k.Items) != 0 || k.N != c.Values() || k.Other != k.N || k.MaxError != k.N {
			t.Fatalf("skipped summary: %+v", k)
		}
	}
	// The encoded profile says why, and reads back.
	p := New()
	p.Rows = merged.Count
	p.Columns = []*Column{merged}
	doc, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"skipped": "id-like`) {
		t.Fatalf("the profile does not say top-k was skipped:\n%.600s", doc)
	}
	back, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if back.Columns[0].TopK.Skipped != merged.TopK.Skipped {
		t.Fatal("the reason did not survive encoding")
	}
}

// TestMediumSumsAreExact: 64-bit integers summed in 128 and 192 bits give
// the very sums of the exact path (limbs into exact float sums), extremes
// included.
func TestMediumSumsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1, -1 << 31, 1 << 31, -(1 << 31) - 1}
	for range 3000 {
		xs = append(xs, int64(rng.Uint64()))
	}
	var medium, large Moments
	for _, x := range xs {
		medium.addMedium(x)
		large.addLarge(parquetx.Int128Of(x))
	}
	medium.fold()
	if medium.sum.text() != large.sum.text() || medium.squares.text() != large.squares.text() {
		t.Fatalf("sums differ:\n%s %s\n%s %s", medium.sum.text(), medium.squares.text(), large.sum.text(), large.squares.text())
	}
}
