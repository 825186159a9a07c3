package drift

import (
	"math"
	"slices"
)

// The statistics below take plain samples or shares, so that they can be
// checked one by one against SciPy.

// KSTest is the two-sided two-sample Kolmogorov-Smirnov test on sorted
// samples, as scipy.stats.ks_2samp(method="auto") computes it for samples of
// up to 10000 values: the statistic D = max|F1 - F2| and its exact p-value
// (Hodges' lattice-path counting, with Viehmann's recursion for unequal sizes).
// When the exact computation fails numerically, the p-value falls back to the
// Kolmogorov limit distribution.
func KSTest(a, b []float64) (d, p float64) {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	var i, j int
	for i < n1 && j < n2 {
		x := min(a[i], b[j])
		for i < n1 && a[i] <= x {
			i++
		}
		for j < n2 && b[j] <= x {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(n1)-float64(j)/float64(n2)))
	}
	g := gcd(n1, n2)
	lcm := float64(n1/g) * float64(n2)
	h := int(math.RoundToEven(d * lcm))
	d = float64(h) / lcm
	if h == 0 {
		return d, 1
	}
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = probOutsideLines(n1, n2, g, h)
	}
	if math.IsNaN(p) || p < 0 || p > 1 {
		en := float64(n1) * float64(n2) / float64(n1+n2)
		p = kolmogorovSF(math.Sqrt(en) * d)
	}
	return d, min(max(p, 0), 1)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// probOutsideSquare is P(D_{n,n} >= h/n) = 2·Σ_k (-1)^(k-1) C(2n, n-kh)/C(2n, n),
// evaluated Horner-style on ratios to avoid cancellation and overflow.
func probOutsideSquare(n, h int) float64 {
	p := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		p = p1 * (1 - p)
	}
	return 2 * p
}

// probOutsideLines is the share of lattice paths from (0,0) to (m,n) that
// touch |x/m - y/n| >= h/lcm(m,n), computed column by column as a running
// share of paths (Viehmann 2021, arXiv:2102.08037), which stays in [0, 1].
func probOutsideLines(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	ceilDiv := func(a, b int) int { return int(math.Ceil(float64(a) / float64(b))) }
	floorDiv := func(a, b int) int { return int(math.Floor(float64(a) / float64(b))) }
	minj, maxj := 0, min(ceilDiv(h, mg), n+1)
	curlen := maxj - minj
	a := make([]float64, min(2*maxj+2, n+1))
	for k := range a {
		a[k] = 1
	}
	for k := minj; k < maxj; k++ {
		a[k] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = min(max(floorDiv(ng*i-h, mg)+1, 0), n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (a[jj+minj-lastminj]*float64(i) + val*float64(j)) / float64(i+j)
			a[jj] = val
		}
		curlen = maxj - minj
		for k := curlen; k < min(lastlen, len(a)); k++ {
			a[k] = 1 // carried-over entries beyond the window
		}
	}
	return a[maxj-minj-1]
}

// kolmogorovSF is the Kolmogorov distribution's survival function,
// 2·Σ (-1)^(k-1) exp(-2k²λ²).
func kolmogorovSF(lambda float64) float64 {
	if lambda <= 0 {
		return 1
	}
	sum := 0.0
	for k := 1; k <= 100; k++ {
		term := math.Exp(-2 * float64(k*k) * lambda * lambda)
		if k%2 == 0 {
			sum -= term
		} else {
			sum += term
		}
		if term < 1e-17 {
			break
		}
	}
	return 2 * sum
}

// ChiSquare is scipy.stats.chisquare(observed, expected): Pearson's statistic
// and its p-value with len-1 degrees of freedom.
func ChiSquare(observed, expected []float64) (stat, p float64) {
	for i := range observed {
		d := observed[i] - expected[i]
		stat += d * d / expected[i]
	}
	dof := len(observed) - 1
	if dof < 1 {
		return stat, 1
	}
	return stat, gammaQ(float64(dof)/2, stat/2)
}

// ChiSquareHomogeneity is Pearson's chi-square test that two rows of counts
// over the same categories come from one distribution, as
// scipy.stats.chi2_contingency([a, b], correction=False) computes it:
// expected counts from the row and column totals, len-1 degrees of freedom.
func ChiSquareHomogeneity(a, b []float64) (stat, p float64) {
	var ta, tb float64
	for i := range a {
		ta += a[i]
		tb += b[i]
	}
	n := ta + tb
	for i := range a {
		col := a[i] + b[i]
		if col == 0 {
			continue
		}
		ea, eb := ta*col/n, tb*col/n
		stat += (a[i]-ea)*(a[i]-ea)/ea + (b[i]-eb)*(b[i]-eb)/eb
	}
	dof := len(a) - 1
	if dof < 1 {
		return stat, 1
	}
	return stat, gammaQ(float64(dof)/2, stat/2)
}

// Wasserstein is scipy.stats.wasserstein_distance between two weighted
// samples, each sorted by value: the area between their distribution functions.
func Wasserstein(a, b []Point) float64 {
	ta, tb := totalWeight(a), totalWeight(b)
	if ta == 0 || tb == 0 {
		return 0
	}
	var i, j int
	var ca, cb, dist float64
	for i < len(a) || j < len(b) {
		x := math.Inf(1)
		if i < len(a) {
			x = a[i].X
		}
		if j < len(b) {
			x = min(x, b[j].X)
		}
		for i < len(a) && a[i].X <= x {
			ca += a[i].W
			i++
		}
		for j < len(b) && b[j].X <= x {
			cb += b[j].W
			j++
		}
		next := math.Inf(1)
		if i < len(a) {
			next = a[i].X
		}
		if j < len(b) {
			next = min(next, b[j].X)
		}
		if math.IsInf(next, 1) {
			break
		}
		dist += math.Abs(ca/ta-cb/tb) * (next - x)
	}
	return dist
}

// Point is a value with a weight (a count).
type Point struct{ X, W float64 }

func totalWeight(ps []Point) float64 {
	t := 0.0
	for _, p := range ps {
		t += p.W
	}
	return t
}

// JensenShannon is scipy.spatial.distance.jensenshannon(p, q) with the
// natural logarithm (SciPy's default): the square root of the JS divergence,
// between 0 and sqrt(ln 2) ≈ 0.833. Inputs are normalised first.
func JensenShannon(p, q []float64) float64 {
	p, q = normalise(p), normalise(q)
	var js float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		js += relEntr(p[i], m) + relEntr(q[i], m)
	}
	return math.Sqrt(max(js, 0) / 2)
}

func relEntr(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x/y)
}

func normalise(v []float64) []float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	out := slices.Clone(v)
	if t > 0 {
		for i := range out {
			out[i] /= t
		}
	}
	return out
}

// PSIFloor replaces an empty bin's share before the logarithm (the value
// Evidently uses), so PSI stays finite when a bin is empty on one side.
const PSIFloor = 0.0001

// PSI is the population stability index Σ (c - r)·ln(c/r) over bin shares,
// empty shares replaced by PSIFloor.
func PSI(reference, current []float64) float64 {
	var psi float64
	for i := range reference {
		r, c := reference[i], current[i]
		if r == 0 {
			r = PSIFloor
		}
		if c == 0 {
			c = PSIFloor
		}
		psi += (c - r) * math.Log(c/r)
	}
	return psi
}

// TwoProportionZ is the two-sided two-proportion Z-test of x1 successes in n1
// against x2 in n2, with the pooled proportion (statsmodels'
// proportions_ztest, Evidently's z_stat_test). When the pooled proportion is
// 0 or 1 both samples agree exactly: z = 0, p = 1.
func TwoProportionZ(x1, n1, x2, n2 float64) (z, p float64) {
	pooled := (x1 + x2) / (n1 + n2)
	if pooled <= 0 || pooled >= 1 {
		return 0, 1
	}
	z = (x1/n1 - x2/n2) / math.Sqrt(pooled*(1-pooled)*(1/n1+1/n2))
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// Hellinger is the Hellinger distance of two share vectors:
// sqrt(Σ(√p−√q)²)/√2, in [0, 1].
func Hellinger(p, q []float64) float64 {
	p, q = normalise(p), normalise(q)
	s := 0.0
	for i := range p {
		d := math.Sqrt(p[i]) - math.Sqrt(q[i])
		s += d * d
	}
	return math.Sqrt(s) / math.Sqrt2
}

// LInfinity is the largest absolute difference of two share vectors.
func LInfinity(p, q []float64) float64 {
	p, q = normalise(p), normalise(q)
	m := 0.0
	for i := range p {
		m = math.Max(m, math.Abs(p[i]-q[i]))
	}
	return m
}
