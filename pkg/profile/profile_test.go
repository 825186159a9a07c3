package profile

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// build profiles rows [lo, hi) of a generated dataset: a normal "amount" with
// nulls and NaNs, a lognormal "latency", and a skewed categorical "country".
func build(seed uint64, lo, hi int) *Profile {
	p := New()
	amount := NewColumn("amount", Numeric, "double")
	latency := NewColumn("latency", Numeric, "double")
	country := NewColumn("country", Categorical, "string")
	for i := lo; i < hi; i++ {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		switch {
		case i%50 == 0:
			amount.AddNull()
		case i%97 == 0:
			amount.AddFloat(math.NaN())
		default:
			amount.AddFloat(r.NormFloat64()*10 + 100)
		}
		latency.AddFloat(math.Exp(r.NormFloat64()))
		country.AddBytes(fmt.Appendf(nil, "c%03d", int(r.ExpFloat64()*40)))
	}
	p.Columns = append(p.Columns, amount, latency, country)
	p.Rows = int64(hi - lo)
	p.Sources = append(p.Sources, Source{Path: fmt.Sprintf("part-%06d.parquet", lo), Rows: int64(hi - lo), RowGroups: []int{0}})
	p.Finish()
	return p
}

func TestSameDataSameBytes(t *testing.T) {
	a, err := Marshal(build(1, 0, 20000))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Marshal(build(1, 0, 20000))
	if !bytes.Equal(a, b) {
		t.Fatal("two profiles of the same data encode differently")
	}
	c, _ := Marshal(build(2, 0, 20000))
	if bytes.Equal(a, c) {
		t.Fatal("profiles of different data encode the same")
	}
	// A decoded profile re-encodes to the same bytes.
	p, err := Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Marshal(p)
	if !bytes.Equal(a, d) {
		t.Fatal("decode then encode changed the profile")
	}
}

func TestProfileIsSmall(t *testing.T) {
	data, _ := Marshal(build(1, 0, 100000))
	if perColumn := len(data) / 3; perColumn > 48<<10 {
		t.Fatalf("profile is %d bytes per column, want kilobytes", perColumn)
	}
}

func TestMergeEqualsProfilingAtOnce(t *testing.T) {
	whole := build(3, 0, 30000)
	var parts []*Profile
	for lo := 0; lo < 30000; lo += 7500 {
		parts = append(parts, build(3, lo, lo+7500))
	}
	merged, err := Merge(parts[2], parts[0], parts[3], parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if merged.Rows != whole.Rows || len(merged.Sources) != 4 {
		t.Fatalf("merged %d rows from %d sources", merged.Rows, len(merged.Sources))
	}
	for _, w := range whole.Columns {
		m := merged.Column(w.Name)
		if m.Count != w.Count || m.Nulls != w.Nulls || m.NaNs != w.NaNs || m.Infinities != w.Infinities {
			t.Errorf("%s: counts differ: merged %+v, whole %+v", w.Name, m, w)
		}
		if got, want := m.Distinct.Estimate(), w.Distinct.Estimate(); got != want {
			t.Errorf("%s: distinct estimate %d merged, %d at once", w.Name, got, want)
		}
		if w.Kind == Categorical {
			checkTopKWithinBound(t, w.Name, m.TopK, w.TopK)
			continue
		}
		mm, wm := m.Moments, w.Moments
		if mm.N != wm.N || mm.Min != wm.Min || mm.Max != wm.Max || mm.Mean != wm.Mean || mm.Variance != wm.Variance {
			t.Errorf("%s: moments differ: %+v vs %+v", w.Name, mm, wm)
		}
		if !slices.Equal(m.Bins, w.Bins) || m.Quantiles.Zeros != w.Quantiles.Zeros ||
			!slices.Equal(m.Quantiles.Positive.Counts, w.Quantiles.Positive.Counts) {
			t.Errorf("%s: quantile sketch or bins differ", w.Name)
		}
	}
}

func checkTopKWithinBound(t *testing.T, name string, merged, whole *TopK) {
	t.Helper()
	bound := merged.N / (TopKCapacity + 1)
	if merged.MaxError > bound {
		t.Errorf("%s: top-k error %d above its bound N/(k+1) = %d", name, merged.MaxError, bound)
	}
	exact := map[string]int64{}
	for _, it := range whole.Items {
		exact[it.Value] = it.Count
	}
	for _, it := range merged.Items {
		if d := exact[it.Value] - it.Count; d < 0 || d > merged.MaxError {
			t.Errorf("%s: %q counted %d, exact %d, stated error %d", name, it.Value, it.Count, exact[it.Value], merged.MaxError)
		}
	}
}

func rel(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

func TestMergeRefusesOverlapAndDifferentColumns(t *testing.T) {
	a := build(1, 0, 100)
	if _, err := Merge(a, build(1, 0, 100)); err == nil {
		t.Error("merging a row group twice was accepted")
	}
	b := build(1, 100, 200)
	b.Columns = b.Columns[:2]
	if _, err := Merge(a, b); err == nil {
		t.Error("merging profiles with different columns was accepted")
	}
}

func TestQuantileSketchWithinAlpha(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		for _, dist := range []string{"normal", "lognormal", "mixed"} {
			s := NewSketch()
			values := make([]float64, 50000)
			for i := range values {
				switch dist {
				case "normal":
					values[i] = r.NormFloat64()*3 + 1
				case "lognormal":
					values[i] = math.Exp(2 * r.NormFloat64())
				case "mixed":
					values[i] = float64(r.IntN(5) - 2)
				}
				s.Add(values[i])
			}
			slices.Sort(values)
			for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1} {
				b, _ := s.Quantile(q)
				want := values[int(math.Floor(q*float64(len(values)-1)))]
				if math.Abs(b.Value-want) > Alpha*math.Abs(want)+1e-12 {
					t.Errorf("%s seed %d q=%g: sketch %g, exact %g: beyond relative %g", dist, seed, q, b.Value, want, Alpha)
				}
				if !(want <= b.Upper) {
					t.Errorf("%s q=%g: value %g above its bucket's upper bound %g", dist, q, want, b.Upper)
				}
			}
		}
	}
}

func TestSketchStaysBoundedOnWideRanges(t *testing.T) {
	s := NewSketch()
	for e := -300; e <= 300; e++ {
		s.Add(math.Pow(10, float64(e)))
	}
	if len(s.Positive.Counts) > MaxBuckets || s.Count() != 601 {
		t.Fatalf("%d buckets, %d values", len(s.Positive.Counts), s.Count())
	}
	b, _ := s.Quantile(1)
	if rel(b.Value, 1e300) > Alpha {
		t.Fatalf("max %g after collapsing, want 1e300", b.Value)
	}
}

func TestDistinctEstimate(t *testing.T) {
	for _, n := range []int{0, 1, 100, 512, 513, 5000, 100000, 1000000} {
		var d Distinct
		for i := 0; i < n; i++ {
			d.AddHash(rand.New(rand.NewPCG(uint64(i), 9)).Uint64())
		}
		got := float64(d.Estimate())
		tol := 0.0
		if n > sparseLimit {
			tol = 4 * 1.04 / 64 * float64(n) // four standard errors at p = 12
		}
		if math.Abs(got-float64(n)) > tol {
			t.Errorf("n=%d: estimate %g, beyond ±%g", n, got, tol)
		}
	}
}

func TestDistinctMergeIsUnion(t *testing.T) {
	var a, b, all Distinct
	for i := 0; i < 3000; i++ {
		h := rand.New(rand.NewPCG(uint64(i%2000), 1)).Uint64()
		all.AddHash(h)
		if i < 1500 {
			a.AddHash(h)
		} else {
			b.AddHash(h)
		}
	}
	a.Merge(&b)
	x, _ := a.MarshalJSON()
	y, _ := all.MarshalJSON()
	if !bytes.Equal(x, y) {
		t.Fatal("merged sketch differs from the sketch of the union")
	}
}

func TestExactModeSwitchesToSketches(t *testing.T) {
	c := NewColumn("x", Numeric, "double")
	for i := 0; i < ExactLimit; i++ {
		c.AddFloat(float64(i))
	}
	if !c.IsExact() {
		t.Fatalf("a column of %d values is not exact", ExactLimit)
	}
	c.AddFloat(1)
	if c.IsExact() || c.Exact != nil {
		t.Fatal("a column past ExactLimit still holds its values")
	}
}

func TestParseRejectsBadProfiles(t *testing.T) {
	good, _ := Marshal(build(1, 0, 300))
	for name, mutate := range map[string]func(string) string{
		"not json":      func(s string) string { return s[:len(s)/2] },
		"wrong kind":    func(s string) string { return replaceOnce(s, `"kind": "ColumnProfile"`, `"kind": "DriftReport"`) },
		"wrong version": func(s string) string { return replaceOnce(s, `"apiVersion": "mlgate.dev/v1"`, `"apiVersion": "v0"`) },
		"bad counts":    func(s string) string { return replaceOnce(s, `"nulls": 6`, `"nulls": 6000`) },
		"unknown kind":  func(s string) string { return replaceOnce(s, `"kind": "numeric"`, `"kind": "text"`) },
		// Column looks names up by binary search: a name listed twice is refused.
		"repeated column": func(s string) string { return replaceOnce(s, `"name": "latency"`, `"name": "amount"`) },
	} {
		bad := mutate(string(good))
		if bad == string(good) {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func replaceOnce(s, old, new string) string {
	i := bytes.Index([]byte(s), []byte(old))
	if i < 0 {
		return s
	}
	return s[:i] + new + s[i+len(old):]
}

// maxFuzzInput bounds a fuzz input. The fuzzing engine kills a worker whose
// call takes over 10 seconds of wall time, which a loaded machine reaches on a
// large input; what grows with size is measured by BenchmarkParseMergeWide.
const maxFuzzInput = 64 << 10

func FuzzParse(f *testing.F) {
	// A small seed keeps each call, and minimising what it finds, quick.
	good, _ := Marshal(build(1, 0, 20))
	f.Add(good)
	f.Add([]byte(`{"apiVersion":"mlgate.dev/v1","kind":"ColumnProfile","columns":[{"kind":"numeric"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			t.Skip()
		}
		p, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := Marshal(p); err != nil {
			t.Fatalf("a parsed profile does not encode: %v", err)
		}
		for _, c := range p.Columns {
			if p.Column(c.Name) != c {
				t.Fatalf("column %q is not the one Column finds by its name", c.Name)
			}
		}
		if _, err := Merge(p, p); err == nil && len(p.Sources) > 0 && len(p.Sources[0].RowGroups) > 0 {
			t.Fatal("merging a profile with itself was accepted")
		}
	})
}

func TestBucketIndexIsExact(t *testing.T) {
	tb := bucketBounds()
	check := func(x float64) {
		i := tb.index(x)
		if !(x <= tb.bound(i)) || (i-1 > tb.lo && x <= tb.bound(i-1)) {
			t.Fatalf("index(%g) = %d: bounds %g, %g", x, i, tb.bound(i-1), tb.bound(i))
		}
	}
	r := rand.New(rand.NewPCG(5, 5))
	for k := 0; k < 200000; k++ {
		check(math.Exp(r.NormFloat64() * 50))
	}
	for i := -3000; i < 3000; i += 7 {
		b := tb.bound(i)
		check(b)
		check(math.Nextafter(b, 0))
		check(math.Nextafter(b, math.Inf(1)))
	}
	for _, x := range []float64{math.SmallestNonzeroFloat64, 1e-310, 1, math.MaxFloat64} {
		check(x)
	}
}

// TestTopKCountsExactlyOnHashCollisions gives different values one hash: the
// index keyed by hash must still count each value on its own, also across
// the reductions that rebuild it.
func TestTopKCountsExactlyOnHashCollisions(t *testing.T) {
	var collided, honest TopK
	for i := 0; i < 3000; i++ {
		v := []byte(fmt.Sprintf("v%d", i%700))
		if i%2 == 0 {
			v = []byte(fmt.Sprintf("hot%d", i%5))
		}
		collided.addHashed(v, xxhash.Sum64(v)%3, 1) // three hashes for 705 values
		honest.Add(v)
	}
	collided.finish()
	honest.finish()
	if !reflect.DeepEqual(collided.Items, honest.Items) || collided.MaxError != honest.MaxError || collided.Other != honest.Other {
		t.Fatalf("colliding hashes changed the summary: %+v vs %+v", collided.Items[:3], honest.Items[:3])
	}
	if len(honest.Items) == 0 || honest.MaxError == 0 {
		t.Fatalf("the test should reduce and keep items: %d items, max error %d", len(honest.Items), honest.MaxError)
	}
}
