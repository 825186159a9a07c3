package profile

import "math"

// Moments are the count, extremes, mean and sum of squared deviations (M2) of
// the finite values of a numeric column. They merge with Chan et al.'s
// parallel formulas, so a profile built in parts equals one built at once up to
// floating-point rounding.
type Moments struct {
	N    int64   `json:"n"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	M2   float64 `json:"m2"`
}

// Add folds one finite value in (Welford's update).
func (m *Moments) Add(x float64) {
	if m.N == 0 || x < m.Min {
		m.Min = x
	}
	if m.N == 0 || x > m.Max {
		m.Max = x
	}
	m.N++
	d := x - m.Mean
	m.Mean += d / float64(m.N)
	m.M2 += d * (x - m.Mean)
}

// Merge folds o in (Chan, Golub and LeVeque's pairwise update).
func (m *Moments) Merge(o Moments) {
	switch {
	case o.N == 0:
		return
	case m.N == 0:
		*m = o
		return
	}
	n := m.N + o.N
	d := o.Mean - m.Mean
	m.Mean += d * float64(o.N) / float64(n)
	m.M2 += o.M2 + d*d*float64(m.N)*float64(o.N)/float64(n)
	m.Min = math.Min(m.Min, o.Min)
	m.Max = math.Max(m.Max, o.Max)
	m.N = n
}

// Variance is the sample variance (n-1 in the denominator), 0 below two values.
func (m Moments) Variance() float64 {
	if m.N < 2 {
		return 0
	}
	return m.M2 / float64(m.N-1)
}

// StdDev is the population standard deviation (n in the denominator), the
// scale that normed Wasserstein divides by (as numpy.std does).
func (m Moments) StdDev() float64 {
	if m.N == 0 {
		return 0
	}
	return math.Sqrt(m.M2 / float64(m.N))
}
