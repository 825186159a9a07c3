package profile

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// hostileValues mixes magnitudes from subnormal to near the float64 limit,
// both signs, and enough values to carry buckets many times.
func hostileValues(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 11))
	out := make([]float64, n)
	for i := range out {
		switch r.IntN(5) {
		case 0:
			out[i] = r.NormFloat64()
		case 1:
			out[i] = math.Ldexp(r.Float64(), r.IntN(2000)-1000)
		case 2:
			out[i] = math.SmallestNonzeroFloat64 * float64(r.IntN(1000))
		case 3:
			out[i] = math.MaxFloat64 * r.Float64()
		default:
			out[i] = float64(r.IntN(1 << 20))
		}
		if r.IntN(2) == 0 {
			out[i] = -out[i]
		}
	}
	return out
}

func TestExactSumIsExactAndOrderFree(t *testing.T) {
	values := hostileValues(1, 20000)
	want := new(big.Float).SetPrec(4096)
	var all exactSum
	for _, v := range values {
		want.Add(want, new(big.Float).SetFloat64(v))
		all.add(v)
	}
	if got := all.float(4096); got.Cmp(want) != 0 {
		t.Fatalf("sum %s, want %s", got.Text('g', 30), want.Text('g', 30))
	}
	// Shuffled, in parts, merged in another order: the same integer.
	r := rand.New(rand.NewPCG(2, 2))
	r.Shuffle(len(values), func(i, j int) { values[i], values[j] = values[j], values[i] })
	var a, b exactSum
	for i, v := range values {
		if i%3 == 0 {
			a.add(v)
		} else {
			b.add(v)
		}
	}
	b.merge(&a)
	if b.integer().Cmp(all.integer()) != 0 {
		t.Fatal("the sum depends on order or grouping")
	}
	// Encoding round-trips exactly.
	var back exactSum
	if err := back.parse(all.text()); err != nil || back.integer().Cmp(all.integer()) != 0 {
		t.Fatalf("text %q does not round-trip: %v", all.text(), err)
	}
}

func TestExactSumRefusesBadText(t *testing.T) {
	for _, s := range []string{"", "abc", "0x1p+100000000", "Inf", "0x1p-1080", "1e-400"} {
		var e exactSum
		if e.parse(s) == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestMomentsMatchHighPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var m Moments
	values := make([]float64, 5000)
	for i := range values {
		values[i] = 1e9 + r.NormFloat64() // large offset: naive sums of squares cancel
		m.Add(values[i])
	}
	m.finish()
	const prec = 1024
	sum := new(big.Float).SetPrec(prec)
	for _, v := range values {
		sum.Add(sum, big.NewFloat(v))
	}
	mean := new(big.Float).SetPrec(prec).Quo(sum, big.NewFloat(float64(len(values))))
	ss := new(big.Float).SetPrec(prec)
	for _, v := range values {
		d := new(big.Float).SetPrec(prec).Sub(big.NewFloat(v), mean)
		ss.Add(ss, d.Mul(d, d))
	}
	wantMean, _ := mean.Float64()
	wantVar, _ := ss.Quo(ss, big.NewFloat(float64(len(values)-1))).Float64()
	if m.Mean != wantMean || m.Variance != wantVar {
		t.Fatalf("mean %v variance %v, want %v %v", m.Mean, m.Variance, wantMean, wantVar)
	}
}

// TestSmallIntegerSumsAreExact: small integers summed in machine words, then
// folded (also across a merge), give the very exact sums of the float path,
// which is exact for them too.
func TestSmallIntegerSumsAreExact(t *testing.T) {
	values := []int64{0, 1, -1, 1<<31 - 1, -(1<<31 - 1), 1 << 31, -1 << 31, 1 << 40, 123456789, -987654321}
	var ints, ints2, floats Moments
	for i := 0; i < 5000; i++ {
		v := values[i%len(values)] * int64(1+i%3)
		floats.Add(float64(v))
		if i%2 == 0 {
			ints.AddInt(parquetx.Int128Of(v), 0, float64(v))
		} else {
			ints2.AddInt(parquetx.Int128Of(v), 0, float64(v))
		}
	}
	ints.Merge(&ints2)
	ints.fold()
	if ints.sum.text() != floats.sum.text() || ints.squares.text() != floats.squares.text() {
		t.Fatalf("sums %s, %s; want %s, %s", ints.sum.text(), ints.squares.text(), floats.sum.text(), floats.squares.text())
	}
}
