package profile

import (
	"fmt"
	"math"
	"sync"
)

// Alpha is the relative accuracy of the quantile sketch: every quantile it
// returns is within Alpha·|x| of the sample's value at that rank (numpy's
// "lower" quantile), as long as a sign's values span less than MaxBuckets
// buckets (a factor of about 10^17 at Alpha = 0.01).
const Alpha = 0.01

// MaxBuckets bounds each sign's buckets, so a sketch stays a few kilobytes
// whatever the data; beyond it the buckets nearest zero are collapsed.
const MaxBuckets = 2048

// Sketch is a DDSketch (Masson, Rim and Lee, VLDB 2019): values are counted in
// logarithmic buckets (γ^(i-1), γ^i] with γ = (1+α)/(1-α), so merging two
// sketches is adding their counts and the result does not depend on the order
// in which values or parts arrived.
type Sketch struct {
	Alpha    float64 `json:"alpha"`
	Zeros    int64   `json:"zeros"`
	Positive Store   `json:"positive"`
	Negative Store   `json:"negative"`
}

// Store holds one sign's bucket counts: Counts[k] is bucket Offset+k.
type Store struct {
	Offset int     `json:"offset"`
	Counts []int64 `json:"counts"`
}

// NewSketch returns an empty sketch with accuracy Alpha.
func NewSketch() Sketch {
	return Sketch{Alpha: Alpha, Positive: Store{Counts: []int64{}}, Negative: Store{Counts: []int64{}}}
}

func (s *Sketch) logGamma() float64 { return math.Log((1 + s.Alpha) / (1 - s.Alpha)) }

// bucketBounds holds γ^i for every bucket index a float64 can reach at
// accuracy Alpha: the one definition of the buckets' bounds, used both to
// place values (exactly: a value goes to the first bucket whose bound is not
// below it) and to report bounds, so bin counts at bucket bounds are exact.
// It is computed once, on first use, and never changes.
var bucketBounds = sync.OnceValue(func() boundTable {
	lg := math.Log((1 + Alpha) / (1 - Alpha))
	lo := int(math.Floor(math.Log(math.SmallestNonzeroFloat64)/lg)) - 1
	hi := int(math.Ceil(math.Log(math.MaxFloat64)/lg)) + 1
	t := boundTable{lo: lo, invLog2Gamma: math.Ln2 / lg, bounds: make([]float64, hi-lo+1)}
	for i := range t.bounds {
		t.bounds[i] = math.Exp(float64(i+lo) * lg)
	}
	return t
})

type boundTable struct {
	lo           int
	invLog2Gamma float64 // ln 2 / ln γ: buckets per doubling
	bounds       []float64
}

func (t boundTable) bound(i int) float64 { return t.bounds[i-t.lo] }

// index is the bucket of x > 0: the smallest i with x <= γ^i. A cheap
// estimate of log2(x) from the float's bits lands within a bucket or two of
// it; comparisons with the table make it exact.
func (t boundTable) index(x float64) int {
	frac, exp := math.Frexp(x) // x = frac · 2^exp, frac in [0.5, 1)
	m := 2 * frac
	log2 := float64(exp-1) + (-0.34484843*m+2.02466578)*m - 1.67487759
	i := int(math.Ceil(log2 * t.invLog2Gamma))
	i = min(max(i, t.lo+1), t.lo+len(t.bounds)-1)
	for x > t.bound(i) {
		i++
	}
	for i > t.lo && x <= t.bound(i-1) {
		i--
	}
	return i
}

// negativeIndex is the bucket of -x for x > 0: the smallest i with x < γ^i,
// so that negative buckets are (-γ^i, -γ^(i-1)] and every bucket, whatever
// its sign, is closed above. Bins (Bins[k-1] < x <= Bins[k]) can then count
// a bucket by its upper bound exactly, -1.0 included.
func (t boundTable) negativeIndex(x float64) int {
	i := t.index(x)
	if x == t.bound(i) {
		i++
	}
	return i
}

// Add counts one finite value.
func (s *Sketch) Add(x float64) { s.addWith(bucketBounds(), x, 1) }

// addWith counts n occurrences of x with the bounds table at hand (batches
// look it up once).
func (s *Sketch) addWith(t boundTable, x float64, n int64) {
	switch {
	case x > 0:
		s.Positive.add(t.index(x), n)
	case x < 0:
		s.Negative.add(t.negativeIndex(-x), n)
	default:
		s.Zeros += n
	}
}

// lastBucket is the positive bucket a batch placed its last value in,
// (lo, hi] = (γ^(i-1), γ^i]: ids and timestamps come in runs within one
// bucket, which then need no search. The zero value holds nothing.
type lastBucket struct {
	lo, hi float64
	i      int
}

// addRun is addWith for one value of a batch, remembering its bucket.
func (s *Sketch) addRun(t boundTable, b *lastBucket, x float64) {
	switch {
	case x > b.lo && x <= b.hi:
		s.Positive.add(b.i, 1)
	case x > 0:
		i := t.index(x)
		*b = lastBucket{lo: t.bound(i - 1), hi: t.bound(i), i: i}
		s.Positive.add(i, 1)
	default:
		s.addWith(t, x, 1)
	}
}

// Count is the number of values counted.
func (s *Sketch) Count() int64 {
	return s.Zeros + s.Positive.total() + s.Negative.total()
}

// Merge adds o's counts to s. Both must have the same accuracy.
func (s *Sketch) Merge(o Sketch) error {
	if s.Alpha != o.Alpha {
		return fmt.Errorf("quantile sketches of different accuracy (%g and %g) cannot be merged", s.Alpha, o.Alpha)
	}
	s.Zeros += o.Zeros
	for k, c := range o.Positive.Counts {
		if c > 0 {
			s.Positive.add(o.Positive.Offset+k, c)
		}
	}
	for k, c := range o.Negative.Counts {
		if c > 0 {
			s.Negative.add(o.Negative.Offset+k, c)
		}
	}
	return nil
}

// Bucket is one non-empty bucket in value order: Value is its representative
// (within Alpha of every value in it) and Upper its upper bound, so that
// "x <= Upper" holds for exactly the values counted in this bucket and below
// (for either sign: positive buckets are (γ^(i-1), γ^i], negative ones
// (-γ^i, -γ^(i-1)]).
type Bucket struct {
	Value, Upper float64
	Count        int64
}

// Buckets lists the non-empty buckets from the most negative to the largest.
func (s *Sketch) Buckets() []Bucket {
	t := bucketBounds()
	gamma := math.Exp(s.logGamma())
	rep := func(i int) float64 { return 2 * t.bound(i) / (1 + gamma) }
	var out []Bucket
	for k := len(s.Negative.Counts) - 1; k >= 0; k-- {
		if c := s.Negative.Counts[k]; c > 0 {
			i := s.Negative.Offset + k
			out = append(out, Bucket{Value: -rep(i), Upper: -t.bound(i - 1), Count: c})
		}
	}
	if s.Zeros > 0 {
		out = append(out, Bucket{Value: 0, Upper: 0, Count: s.Zeros})
	}
	for k, c := range s.Positive.Counts {
		if c > 0 {
			i := s.Positive.Offset + k
			out = append(out, Bucket{Value: rep(i), Upper: t.bound(i), Count: c})
		}
	}
	return out
}

// Quantile returns the bucket holding the value of rank ⌊q·(n-1)⌋ (0-based).
// It reports false for an empty sketch.
func (s *Sketch) Quantile(q float64) (Bucket, bool) {
	n := s.Count()
	if n == 0 {
		return Bucket{}, false
	}
	rank := int64(math.Floor(q * float64(n-1)))
	var cum int64
	buckets := s.Buckets()
	for _, b := range buckets {
		cum += b.Count
		if cum > rank {
			return b, true
		}
	}
	return buckets[len(buckets)-1], true
}

// BinEdges is the inner edges of n equal-frequency bins: the upper bounds of
// the buckets holding each k/n quantile, duplicates removed. Since every edge
// is a bucket bound, a bin count taken from any sketch (a bucket falls in the
// bin of its upper bound) is exact.
func (s *Sketch) BinEdges(n int) []float64 {
	var edges []float64
	for k := 1; k < n; k++ {
		b, ok := s.Quantile(float64(k) / float64(n))
		if !ok {
			return nil
		}
		if len(edges) == 0 || b.Upper > edges[len(edges)-1] {
			edges = append(edges, b.Upper)
		}
	}
	return edges
}

func (st *Store) total() int64 {
	var t int64
	for _, c := range st.Counts {
		t += c
	}
	return t
}

// add counts c values in bucket i, growing the store and collapsing the
// buckets nearest zero (the lowest indices) once it spans more than MaxBuckets.
func (st *Store) add(i int, c int64) {
	if len(st.Counts) == 0 {
		st.Offset = i
		st.Counts = append(st.Counts[:0], c)
		return
	}
	hi := st.Offset + len(st.Counts) - 1
	switch {
	case i > hi:
		st.Counts = append(st.Counts, make([]int64, i-hi)...)
		st.Counts[len(st.Counts)-1] += c
		st.collapse()
	case i < st.Offset:
		if hi-i+1 > MaxBuckets {
			i = hi - MaxBuckets + 1
		}
		if i < st.Offset {
			grown := make([]int64, hi-i+1)
			copy(grown[st.Offset-i:], st.Counts)
			st.Counts, st.Offset = grown, i
		}
		st.Counts[i-st.Offset] += c
	default:
		st.Counts[i-st.Offset] += c
	}
}

func (st *Store) collapse() {
	excess := len(st.Counts) - MaxBuckets
	if excess <= 0 {
		return
	}
	var low int64
	for _, c := range st.Counts[:excess] {
		low += c
	}
	st.Counts = append([]int64(nil), st.Counts[excess:]...)
	st.Counts[0] += low
	st.Offset += excess
}
