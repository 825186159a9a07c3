package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/profile"
)

// scipy runs testdata/drift/scipy_check.py on cases and returns its results.
func scipy(t *testing.T, cases []map[string]any) [][]float64 {
	t.Helper()
	python := testenv.Python3SciPy(t)
	in := filepath.Join(t.TempDir(), "cases.json")
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(testenv.RepoRoot(t), "testdata", "drift", "scipy_check.py")
	out, err := exec.Command(python, script, in).Output()
	if err != nil {
		t.Fatalf("scipy_check.py: %v", err)
	}
	var res [][]float64
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("scipy_check.py output: %v", err)
	}
	if len(res) != len(cases) {
		t.Fatalf("scipy_check.py returned %d results for %d cases", len(res), len(cases))
	}
	return res
}

// sample draws n values of a named distribution; "int" gives many ties.
func sample(r *rand.Rand, dist string, n int, shift float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		switch dist {
		case "normal":
			out[i] = r.NormFloat64() + shift
		case "lognormal":
			out[i] = math.Exp(r.NormFloat64()*0.8 + shift)
		case "exponential":
			out[i] = r.ExpFloat64()*2 + shift
		case "int":
			out[i] = float64(r.IntN(8)) + math.Round(shift)
		case "mixed":
			out[i] = r.NormFloat64()*5 - 2 + shift
			if i%3 == 0 {
				out[i] = 0
			}
		}
	}
	return out
}

type sampleCase struct {
	dist   string
	n1, n2 int
	shift  float64
}

var sampleCases = []sampleCase{
	{"normal", 50, 50, 0}, {"normal", 100, 80, 0.3}, {"normal", 1000, 999, 0.1},
	{"lognormal", 300, 1000, 0.2}, {"exponential", 200, 200, 0.5}, {"int", 7, 13, 0},
	{"int", 400, 350, 1}, {"mixed", 999, 1000, 0}, {"normal", 20, 1000, 1.5},
}

func drawPair(seed uint64, c sampleCase) (a, b []float64) {
	r := rand.New(rand.NewPCG(seed, 42))
	a, b = sample(r, c.dist, c.n1, 0), sample(r, c.dist, c.n2, c.shift)
	slices.Sort(a)
	slices.Sort(b)
	return a, b
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) != math.IsNaN(want) {
		t.Errorf("%s = %.17g, SciPy %.17g (|diff| %.3g > %.3g)", what, got, want, math.Abs(got-want), tol)
	}
}

func TestStatisticsAgreeWithSciPy(t *testing.T) {
	var cases []map[string]any
	type pair struct{ a, b []float64 }
	var pairs []pair
	for seed := uint64(1); seed <= 3; seed++ {
		for _, c := range sampleCases {
			a, b := drawPair(seed, c)
			pairs = append(pairs, pair{a, b})
			cases = append(cases,
				map[string]any{"op": "ks", "a": a, "b": b},
				map[string]any{"op": "wasserstein", "a": a, "b": b},
				map[string]any{"op": "psi", "a": a, "b": b},
			)
		}
	}
	res := scipy(t, cases)
	for i, p := range pairs {
		name := func(s string) string { return s + " " + sampleCases[i%len(sampleCases)].dist }
		d, pv := KSTest(p.a, p.b)
		near(t, name("ks statistic"), d, res[3*i][0], 1e-9)
		near(t, name("ks p-value"), pv, res[3*i][1], 1e-9)

		w := Wasserstein(points(p.a), points(p.b)) / math.Max(popStd(p.a), 0.001)
		near(t, name("normed wasserstein"), w, res[3*i+1][0], 1e-9)

		edges := binEdgesOf(p.a)
		want := res[3*i+2]
		if len(want) != 1+len(edges)+2*(len(edges)+1) {
			t.Fatalf("%s: %d edges, SciPy side %d values", name("psi"), len(edges), len(want))
		}
		for k, e := range edges {
			near(t, name("psi edge"), e, want[1+k], 1e-12)
		}
		rs, cs := binShares(p.a, edges), binShares(p.b, edges)
		near(t, name("psi"), PSI(rs, cs), want[0], 1e-9)
	}
}

func TestChiSquareAndJensenShannonAgreeWithSciPy(t *testing.T) {
	var cases []map[string]any
	var obs, exp [][]float64
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		k := 2 + r.IntN(30)
		o, e := make([]float64, k), make([]float64, k)
		var to, te float64
		for i := range o {
			o[i] = float64(r.IntN(200))
			e[i] = 1 + r.Float64()*100
			to += o[i]
			te += e[i]
		}
		for i := range e {
			e[i] *= to / te
		}
		o[0] = 0 // an empty category on one side
		obs, exp = append(obs, o), append(exp, e)
		cases = append(cases,
			map[string]any{"op": "chisquare", "observed": o, "expected": normaliseTo(e, sum(o))},
			map[string]any{"op": "jensenshannon", "p": o, "q": e},
			map[string]any{"op": "chi2_contingency", "a": o, "b": e})
	}
	res := scipy(t, cases)
	for i := range obs {
		stat, p := ChiSquare(obs[i], normaliseTo(exp[i], sum(obs[i])))
		near(t, "chi-square statistic", stat, res[3*i][0], 1e-9*math.Max(1, res[3*i][0]))
		near(t, "chi-square p-value", p, res[3*i][1], 1e-9)
		near(t, "jensen-shannon", JensenShannon(obs[i], exp[i]), res[3*i+1][0], 1e-9)
		stat, p = ChiSquareHomogeneity(obs[i], exp[i])
		near(t, "chi-square homogeneity statistic", stat, res[3*i+2][0], 1e-9*math.Max(1, res[3*i+2][0]))
		near(t, "chi-square homogeneity p-value", p, res[3*i+2][1], 1e-9)
	}
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

func normaliseTo(v []float64, total float64) []float64 {
	out := normalise(v)
	for i := range out {
		out[i] *= total
	}
	return out
}

func points(sorted []float64) []Point {
	ps := make([]Point, len(sorted))
	for i, x := range sorted {
		ps[i] = Point{X: x, W: 1}
	}
	return ps
}

func popStd(v []float64) float64 {
	m := sum(v) / float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(v)))
}

func numericColumn(values []float64) *profile.Column {
	c := profile.NewColumn("x", profile.Numeric, "double")
	for _, v := range values {
		c.AddFloat(v)
	}
	c.Finish()
	return c
}

func binEdgesOf(values []float64) []float64 { return numericColumn(values).Bins }

func binShares(values, edges []float64) []float64 {
	return numericShares(numericColumn(values), edges, false)
}

// The KS p-value falls back to the Kolmogorov limit when the exact count
// fails numerically; the limit itself is checked here.
func TestKolmogorovLimitAgreesWithSciPy(t *testing.T) {
	xs := []float64{0.05, 0.3, 0.5, 0.8, 1, 1.36, 2, 3}
	var cases []map[string]any
	for _, x := range xs {
		cases = append(cases, map[string]any{"op": "kolmogorov", "x": x})
	}
	res := scipy(t, cases)
	for i, x := range xs {
		near(t, "kolmogorov survival", kolmogorovSF(x), res[i][0], 1e-9)
	}
}
