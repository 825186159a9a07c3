package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
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

	sum, squares exactSum
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
	m.N += o.N
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
	const prec = 8192 // enough to hold every sum and product exactly
	n := new(big.Float).SetPrec(prec).SetInt64(m.N)
	s := m.sum.float(prec)
	mean := new(big.Float).SetPrec(prec).Quo(s, n)
	m.Mean, _ = mean.Float64()
	if m.N < 2 {
		return
	}
	// Σ(x - mean)² = Σx² - (Σx)²/n, exact at this precision.
	ss := new(big.Float).SetPrec(prec).Mul(s, mean)
	ss.Sub(m.squares.float(prec), ss)
	ss.Quo(ss, new(big.Float).SetPrec(prec).SetInt64(m.N-1))
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
}

// MarshalJSON encodes the moments with their exact sums.
func (m *Moments) MarshalJSON() ([]byte, error) {
	return json.Marshal(momentsJSON{N: m.N, Min: m.Min, Max: m.Max, Mean: m.Mean, Variance: m.Variance,
		Sum: m.sum.text(), SumSquares: m.squares.text()})
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
	*m = Moments{N: in.N, Min: in.Min, Max: in.Max}
	if err := m.sum.parse(in.Sum); err != nil {
		return fmt.Errorf("moments sum: %w", err)
	}
	if err := m.squares.parse(in.SumSquares); err != nil {
		return fmt.Errorf("moments sumSquares: %w", err)
	}
	m.finish()
	return nil
}
