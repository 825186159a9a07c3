package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Moments are the count, extremes, mean and variance of the finite values of
// a numeric column. Mean and variance come from the exact sums of the values
// and of their squares, so they do not depend on the order in which values
// or parts arrived: a merged profile has the very same moments as one built
// at once.
type Moments struct {
	N        int64
	Min, Max float64
	// Mean and Variance (sample variance, n-1) are derived by finish.
	Mean, Variance float64
	// Integers and decimals are summed as integers (the unscaled values of
	// decimals, Scale their scale), and their extremes kept exactly; Min and
	// Max are then the nearest float64s.
	Integer        bool
	Scale          int
	minInt, maxInt parquetx.Int128

	sum, squares exactSum
	// Small integers (|x| < 2^31) are summed in machine words first and
	// folded into the exact sums before these are read (fold): the same
	// exact totals for a fraction of the work.
	small       int64
	smallSum    int64
	smallSquare [2]uint64 // lo, hi of a 128-bit sum
	// Other 64-bit integers (timestamps, large ids) are summed in 128 bits
	// and their squares in 192, which no count of values can overflow.
	medium       int64
	mediumSum    parquetx.Int128
	mediumSquare [3]uint64 // least significant word first
}

// smallFoldEvery bounds the small sums: 2^31 values of |x| < 2^31 sum
// below 2^62, their squares below 2^93.
const smallFoldEvery = 1 << 31

// fold moves the machine-word sums into the exact sums.
func (m *Moments) fold() {
	var l [4]float64
	if m.small != 0 {
		for i := range limbs(parquetx.Int128Of(m.smallSum), &l) {
			m.sum.add(math.Ldexp(l[i], 32*i))
		}
		for i := range limbs(parquetx.Int128{Hi: int64(m.smallSquare[1]), Lo: m.smallSquare[0]}, &l) {
			m.squares.add(math.Ldexp(l[i], 32*i))
		}
		m.small, m.smallSum, m.smallSquare = 0, 0, [2]uint64{}
	}
	if m.medium != 0 {
		for i := range limbs(m.mediumSum, &l) {
			m.sum.add(math.Ldexp(l[i], 32*i))
		}
		for i, w := range m.mediumSquare { // 32-bit limbs, each exact
			m.squares.add(math.Ldexp(float64(w&(1<<32-1)), 64*i))
			m.squares.add(math.Ldexp(float64(w>>32), 64*i+32))
		}
		m.medium, m.mediumSum, m.mediumSquare = 0, parquetx.Int128{}, [3]uint64{}
	}
}

// addMedium adds a 64-bit integer to the 128- and 192-bit sums.
func (m *Moments) addMedium(x int64) {
	lo, carry := bits.Add64(m.mediumSum.Lo, uint64(x), 0)
	m.mediumSum = parquetx.Int128{Hi: m.mediumSum.Hi + x>>63 + int64(carry), Lo: lo}
	a := uint64(x)
	if x < 0 {
		a = -a // 2^63 for the smallest int64, as wanted
	}
	hi, lo := bits.Mul64(a, a)
	w0, c0 := bits.Add64(m.mediumSquare[0], lo, 0)
	w1, c1 := bits.Add64(m.mediumSquare[1], hi, c0)
	m.mediumSquare = [3]uint64{w0, w1, m.mediumSquare[2] + c1}
	m.medium++
}

// AddInt folds one integer (or decimal's unscaled value) in, exactly: the
// value is split into 32-bit limbs, each an exact float64, so the exact
// float sums hold the integer sum and the sum of squares without rounding.
func (m *Moments) AddInt(x parquetx.Int128, scale int, nearest float64) {
	if m.N == 0 || x.Cmp(m.minInt) < 0 {
		m.minInt, m.Min = x, nearest
	}
	if m.N == 0 || x.Cmp(m.maxInt) > 0 {
		m.maxInt, m.Max = x, nearest
	}
	m.Integer, m.Scale = true, scale
	m.N++
	if v := int64(x.Lo); x.Hi == v>>63 {
		if v > -1<<31 && v < 1<<31 {
			m.addSmall(v)
		} else {
			m.addMedium(v)
		}
		return
	}
	m.addLarge(x)
}

// addSmall adds |v| < 2^31 to the machine-word sums.
func (m *Moments) addSmall(v int64) {
	m.smallSum += v
	lo, carry := bits.Add64(m.smallSquare[0], uint64(v*v), 0)
	m.smallSquare[0], m.smallSquare[1] = lo, m.smallSquare[1]+carry
	if m.small++; m.small == smallFoldEvery {
		m.fold()
	}
}

// addLarge adds x to the exact sums.
func (m *Moments) addLarge(x parquetx.Int128) {
	var l [4]float64
	n := limbs(x, &l)
	for i := range n {
		m.sum.add(math.Ldexp(l[i], 32*i))
		for j := i; j < n; j++ {
			p := l[i] * l[j]
			lo := math.FMA(l[i], l[j], -p)
			shift := 32 * (i + j)
			if i != j {
				shift++ // the cross terms count twice
			}
			m.squares.add(math.Ldexp(p, shift))
			m.squares.add(math.Ldexp(lo, shift))
		}
	}
}

// limbs splits x into 32-bit limbs, least significant first, the last one
// signed: x = Σ l[i]·2^(32i). It returns how many are used.
func limbs(x parquetx.Int128, l *[4]float64) int {
	const mask = 1<<32 - 1
	if v := int64(x.Lo); x.Hi == v>>63 {
		l[0], l[1] = float64(v&mask), float64(v>>32)
		return 2
	}
	if x.Hi == 0 {
		l[0], l[1], l[2] = float64(x.Lo&mask), float64(x.Lo>>32), 0
		return 3
	}
	l[0], l[1], l[2], l[3] = float64(x.Lo&mask), float64(x.Lo>>32), float64(uint64(x.Hi)&mask), float64(x.Hi>>32)
	return 4
}

// Add folds one finite value in.
func (m *Moments) Add(x float64) {
	if m.N == 0 || x < m.Min {
		m.Min = x
	}
	if m.N == 0 || x > m.Max {
		m.Max = x
	}
	m.N++
	m.sum.add(x)
	// x² = hi + lo exactly (FMA), unless it overflows or underflows.
	hi := x * x
	m.squares.add(hi)
	m.squares.add(math.FMA(x, x, -hi))
}

// Merge folds o in.
func (m *Moments) Merge(o *Moments) {
	if o.N == 0 {
		return
	}
	if m.N == 0 || o.Min < m.Min {
		m.Min = o.Min
	}
	if m.N == 0 || o.Max > m.Max {
		m.Max = o.Max
	}
	if o.Integer && (m.N == 0 || o.minInt.Cmp(m.minInt) < 0) {
		m.minInt = o.minInt
	}
	if o.Integer && (m.N == 0 || o.maxInt.Cmp(m.maxInt) > 0) {
		m.maxInt = o.maxInt
	}
	m.Integer, m.Scale = m.Integer || o.Integer, max(m.Scale, o.Scale)
	m.N += o.N
	m.fold()
	o.fold()
	m.sum.merge(&o.sum)
	m.squares.merge(&o.squares)
}

// StdDev is the population standard deviation (n in the denominator), the
// scale that normed Wasserstein divides by (as numpy.std does).
func (m *Moments) StdDev() float64 {
	if m.N == 0 {
		return 0
	}
	return math.Sqrt(m.Variance * float64(m.N-1) / float64(m.N))
}

// finish derives Mean and Variance from the exact sums, rounding once.
func (m *Moments) finish() {
	m.Mean, m.Variance = 0, 0
	if m.N == 0 {
		return
	}
	m.fold()
	const prec = 8192 // enough to hold every sum and product exactly
	n := new(big.Float).SetPrec(prec).SetInt64(m.N)
	s := m.sum.float(prec)
	mean := new(big.Float).SetPrec(prec).Quo(s, n)
	unit := new(big.Float).SetPrec(prec).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(m.Scale)), nil))
	m.Mean, _ = new(big.Float).SetPrec(prec).Quo(mean, unit).Float64()
	if m.N < 2 {
		return
	}
	// Σ(x - mean)² = Σx² - (Σx)²/n, exact at this precision.
	ss := new(big.Float).SetPrec(prec).Mul(s, mean)
	ss.Sub(m.squares.float(prec), ss)
	ss.Quo(ss, new(big.Float).SetPrec(prec).SetInt64(m.N-1))
	ss.Quo(ss, unit)
	ss.Quo(ss, unit)
	v, _ := ss.Float64()
	m.Variance = math.Max(v, 0)
	if math.IsInf(m.Variance, 0) || math.IsNaN(m.Variance) {
		m.Variance = math.MaxFloat64 // squares beyond float64: |x| > 1e154
	}
}

// momentsJSON is the encoded form: the derived values for readers, the exact
// sums (hexadecimal floating point, exact) for merging.
type momentsJSON struct {
	N          int64   `json:"n"`
	Min        float64 `json:"min"`
	Max        float64 `json:"max"`
	Mean       float64 `json:"mean"`
	Variance   float64 `json:"variance"`
	Sum        string  `json:"sum"`
	SumSquares string  `json:"sumSquares"`
	// MinExact and MaxExact are the exact extremes of integer and decimal
	// columns, as decimal text; Scale the scale of the sums.
	MinExact string `json:"minExact,omitempty"`
	MaxExact string `json:"maxExact,omitempty"`
	Scale    int    `json:"scale,omitempty"`
}

// MinText and MaxText are the extremes exactly, as decimal text.
func (m *Moments) MinText() string { return m.extremeText(m.minInt, m.Min) }
func (m *Moments) MaxText() string { return m.extremeText(m.maxInt, m.Max) }

func (m *Moments) extremeText(x parquetx.Int128, f float64) string {
	if m.Integer {
		return parquetx.Exact{Int: x, Scale: m.Scale}.Text()
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// MarshalJSON encodes the moments with their exact sums.
func (m *Moments) MarshalJSON() ([]byte, error) {
	m.fold()
	j := momentsJSON{N: m.N, Min: m.Min, Max: m.Max, Mean: m.Mean, Variance: m.Variance,
		Sum: m.sum.text(), SumSquares: m.squares.text()}
	if m.Integer && m.N > 0 {
		j.MinExact, j.MaxExact, j.Scale = m.MinText(), m.MaxText(), m.Scale
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the moments; Mean and Variance are derived again.
func (m *Moments) UnmarshalJSON(b []byte) error {
	var in momentsJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.N < 0 {
		return fmt.Errorf("moments: negative count")
	}
	*m = Moments{N: in.N, Min: in.Min, Max: in.Max, Scale: in.Scale}
	if in.Scale < 0 || in.Scale > 76 {
		return fmt.Errorf("moments: scale %d out of range", in.Scale)
	}
	if in.MinExact != "" || in.MaxExact != "" {
		var err error
		m.Integer = true
		if m.minInt, err = parseUnscaled(in.MinExact, in.Scale); err != nil {
			return fmt.Errorf("moments minExact: %w", err)
		}
		if m.maxInt, err = parseUnscaled(in.MaxExact, in.Scale); err != nil {
			return fmt.Errorf("moments maxExact: %w", err)
		}
	}
	if err := m.sum.parse(in.Sum); err != nil {
		return fmt.Errorf("moments sum: %w", err)
	}
	if err := m.squares.parse(in.SumSquares); err != nil {
		return fmt.Errorf("moments sumSquares: %w", err)
	}
	m.finish()
	return nil
}

// parseUnscaled reads decimal text with scale digits after the point as its
// unscaled 128-bit integer.
func parseUnscaled(text string, scale int) (parquetx.Int128, error) {
	if len(text) > 100 {
		return parquetx.Int128{}, fmt.Errorf("%q is too long", text)
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return parquetx.Int128{}, fmt.Errorf("%q is not a number", text)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return parquetx.Int128{}, fmt.Errorf("%q has more than %d decimals", text, scale)
	}
	x, ok := parquetx.Int128FromBig(r.Num())
	if !ok {
		return parquetx.Int128{}, fmt.Errorf("%q is beyond 128 bits", text)
	}
	return x, nil
}
