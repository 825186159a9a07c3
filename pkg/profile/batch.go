package profile

import (
	"math"
	"strconv"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// The batch paths profile a page's decoded values at once: the same results
// as AddExact and AddFloat value by value (tests compare them), with one loop
// per statistic over a plain slice instead of a call per value and statistic.

// addInts counts signed 64-bit integers (no nulls among them).
func (c *Column) addInts(xs []int64) {
	if len(xs) == 0 {
		return
	}
	c.addIntValues(xs)
	t := bucketBounds()
	var last lastBucket
	for _, x := range xs {
		c.Quantiles.addRun(t, &last, float64(x))
	}
	for _, x := range xs {
		c.Distinct.AddHash(hashInt(x))
	}
}

// addIntValues is addInts but for the quantile and distinct sketches, which
// the dictionary path feeds once per entry.
func (c *Column) addIntValues(xs []int64) {
	if len(xs) == 0 {
		return
	}
	n0 := c.Moments.N
	c.Count += int64(len(xs))
	c.Moments.addInts(xs)
	if c.Exact != nil {
		for j, x := range xs {
			if !c.keepExactAt(n0+int64(j)+1, float64(x), strconv.FormatInt(x, 10)) {
				break
			}
		}
	}
}

// addFloats counts float64 values (no nulls among them).
func (c *Column) addFloats(xs []float64) {
	kept := c.addFloatValues(xs)
	t := bucketBounds()
	var last lastBucket
	for _, x := range kept {
		c.Quantiles.addRun(t, &last, x)
	}
	for _, x := range kept {
		c.Distinct.AddHash(hashFloat(x))
	}
}

// addFloatValues is addFloats but for the quantile and distinct sketches:
// it returns the finite values left for them.
func (c *Column) addFloatValues(xs []float64) []float64 {
	// NaNs and infinities are counted and left out, -0 becomes 0, in place.
	kept := xs[:0]
	for _, x := range xs {
		switch {
		case x != x:
			c.NaNs++
		case math.IsInf(x, 0):
			c.Infinities++
		default:
			if x == 0 {
				x = 0
			}
			kept = append(kept, x)
		}
	}
	c.Count += int64(len(xs))
	n0 := c.Moments.N
	for _, x := range kept {
		c.Moments.Add(x)
	}
	if c.Exact != nil {
		for j, x := range kept {
			if !c.keepExactAt(n0+int64(j)+1, x, "") {
				break
			}
		}
	}
	return kept
}

// hashInt and hashFloat are a numeric value's hash for the distinct sketch:
// xxhash of the integer's 16 little-endian bytes (as parquetx.Int128, so
// decimals and integers agree) or of the float's bits.
func hashInt(x int64) uint64     { return hash16(uint64(x), uint64(x>>63)) }
func hashFloat(x float64) uint64 { return hash8(math.Float64bits(x)) }

// addInts is AddInt for each of xs (scale 0): extremes from the batch's,
// small values summed in machine words.
func (m *Moments) addInts(xs []int64) {
	lo, hi := xs[0], xs[0]
	for _, x := range xs[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	if l := parquetx.Int128Of(lo); m.N == 0 || l.Cmp(m.minInt) < 0 {
		m.minInt, m.Min = l, float64(lo)
	}
	if h := parquetx.Int128Of(hi); m.N == 0 || h.Cmp(m.maxInt) > 0 {
		m.maxInt, m.Max = h, float64(hi)
	}
	m.Integer, m.Scale = true, 0
	for _, x := range xs {
		if x > -1<<31 && x < 1<<31 {
			m.addSmall(x)
		} else {
			m.addMedium(x)
		}
	}
	m.N += int64(len(xs))
}
