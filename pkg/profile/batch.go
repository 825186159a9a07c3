package profile

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/cespare/xxhash/v2"

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
	n0 := c.Moments.N
	c.Count += int64(len(xs))
	c.Moments.addInts(xs)
	t := bucketBounds()
	for _, x := range xs {
		c.Quantiles.addWith(t, float64(x))
	}
	if c.Exact != nil {
		for j, x := range xs {
			if !c.keepExactAt(n0+int64(j)+1, float64(x), strconv.FormatInt(x, 10)) {
				break
			}
		}
	}
	var b [16]byte
	for _, x := range xs {
		binary.LittleEndian.PutUint64(b[:8], uint64(x))
		binary.LittleEndian.PutUint64(b[8:], uint64(x>>63))
		c.Distinct.AddHash(xxhash.Sum64(b[:]))
	}
}

// addFloats counts float64 values (no nulls among them).
func (c *Column) addFloats(xs []float64) {
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
	if len(kept) == 0 {
		return
	}
	n0 := c.Moments.N
	for _, x := range kept {
		c.Moments.Add(x)
	}
	t := bucketBounds()
	for _, x := range kept {
		c.Quantiles.addWith(t, x)
	}
	if c.Exact != nil {
		for j, x := range kept {
			if !c.keepExactAt(n0+int64(j)+1, x, "") {
				break
			}
		}
	}
	var b [8]byte
	for _, x := range kept {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		c.Distinct.AddHash(xxhash.Sum64(b[:]))
	}
}

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
