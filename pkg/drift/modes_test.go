package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlgate/mlgate/pkg/profile"
)

// An exact reference (at most ExactLimit values) against a sketched current
// of the same distribution must not drift: both sides are read through their
// sketches. Before, a reference near 100 with spread 1 gave a normed
// Wasserstein of about 0.8 and PSI of 7.
func TestExactReferenceAgainstSketchedCurrent(t *testing.T) {
	alarms := 0
	const seeds = 20
	for seed := uint64(1); seed <= seeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		ref, cur := make([]float64, 800), make([]float64, 20000)
		for i := range ref {
			ref[i] = 100 + r.NormFloat64()
		}
		for i := range cur {
			cur[i] = 100 + r.NormFloat64()
		}
		rc, cc := numericColumn(ref), numericColumn(cur)
		if !rc.IsExact() || cc.IsExact() {
			t.Fatal("want an exact reference and a sketched current")
		}
		for _, m := range []Method{wassersteinMethod{}, psiMethod{}, jensenShannonMethod{}} {
			res, err := m.Compute(rc, cc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Statistic >= m.DefaultThreshold() {
				alarms++
				t.Logf("seed %d: %s %.4g on identical distributions", seed, m.Name(), res.Statistic)
			}
		}
	}
	if alarms > 1 {
		t.Errorf("%d false alarms in %d comparisons of identical distributions", alarms, 3*seeds)
	}

	// The same comparison still sees a shift of half a standard deviation.
	r := rand.New(rand.NewPCG(99, 11))
	ref, cur := make([]float64, 800), make([]float64, 20000)
	for i := range ref {
		ref[i] = 100 + r.NormFloat64()
	}
	for i := range cur {
		cur[i] = 100.5 + r.NormFloat64()
	}
	res, _ := wassersteinMethod{}.Compute(numericColumn(ref), numericColumn(cur))
	if res.Statistic < 0.3 {
		t.Errorf("a 0.5σ shift gives normed Wasserstein %.3g", res.Statistic)
	}
}

// In the mixed mode the bins are the reference sketch's bucket bounds, so the
// shares of both sides are exact: they equal numpy's on the raw values.
func TestMixedModeBinsAreExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	ref, cur := make([]float64, 900), make([]float64, 15000)
	for i := range ref {
		ref[i] = math.Round(r.NormFloat64()*300) / 100 // negative values on bucket bounds too: -1, -2
	}
	for i := range cur {
		cur[i] = math.Round(r.NormFloat64()*300) / 100
	}
	rc, cc := numericColumn(ref), numericColumn(cur)
	edges := binEdges(rc, true)
	res := scipy(t, []map[string]any{
		{"op": "psi_edges", "a": ref, "b": cur, "edges": edges},
		{"op": "psi_edges", "a": cur, "b": ref, "edges": edges},
	})
	got, _ := psiMethod{}.Compute(rc, cc)
	near(t, "mixed-mode psi", got.Statistic, res[0][0], 1e-9)
	for k, s := range numericShares(cc, edges, true) {
		near(t, fmt.Sprintf("current share of bin %d", k), s, res[0][1+k], 1e-12)
	}
	for k, s := range numericShares(rc, edges, true) {
		near(t, fmt.Sprintf("reference share of bin %d", k), s, res[1][1+k], 1e-12)
	}
}

// Every bucket is closed above, negative ones included, so a value exactly on
// an edge (here -1.0, a bucket bound) lands in the same bin whether counted
// exactly or from the sketch.
func TestNegativeValueOnAnEdge(t *testing.T) {
	values := []float64{-3, -2, -1, -1, -1, -0.5, 0, 1, 2, 3}
	c := numericColumn(values)
	edges := []float64{-1, 0, 1} // bucket bounds: γ^0 = 1 and the zero bucket
	exact, sketched := numericShares(c, edges, false), numericShares(c, edges, true)
	if !slices.Equal(exact, sketched) {
		t.Errorf("bin shares differ: exact %v, sketch %v", exact, sketched)
	}
	for _, b := range c.Quantiles.Buckets() {
		if b.Value < -0.99 && b.Value > -1.01 && b.Upper != -1 {
			t.Errorf("the bucket of -1 is closed above at %v, want -1", b.Upper)
		}
	}
}

// Integers 0..4 are a rating: compared as categories, an exact reference and a
// sketched current of the same distribution agree (PSI was 3.05).
func TestFewValuedNumericComparedAsCategories(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	draw := func(n int) *profile.Column {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(min(int(r.ExpFloat64()*1.5), 4))
		}
		return numericColumn(v)
	}
	ref, cur := draw(700), draw(30000)
	if !asCategories(ref, cur) {
		t.Fatal("a numeric column with 5 values is not compared as categories")
	}
	for _, m := range []Method{psiMethod{}, jensenShannonMethod{}, hellingerMethod{}, linfMethod{}} {
		res, err := m.Compute(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		if res.Statistic > 0.05 {
			t.Errorf("%s %.4g between identical rating distributions", m.Name(), res.Statistic)
		}
	}
	rep := Compare(profileOf(ref), profileOf(cur), DefaultConfig())
	if rep.Details.Drifted {
		t.Errorf("identical ratings drifted: %s", rep.Summary)
	}
	// A value the reference never had is unseen, as for categories.
	shifted := make([]float64, 2000)
	for i := range shifted {
		shifted[i] = float64(i%5 + 1) // 5 is new
	}
	rep = Compare(profileOf(ref), profileOf(numericColumn(shifted)), DefaultConfig())
	if got := rep.Details.Columns[0].UnseenRate; math.Abs(got-0.2) > 1e-12 {
		t.Errorf("unseen rate %v, want 0.2", got)
	}
}

// The unseen rate counts only what the reference proves unseen. With more
// than TopKCapacity categories now, the current summary cannot list every
// value; its unlisted mass is neither seen nor unseen (it was counted as
// unseen: 1.34% against a true 0.54%).
func TestUnseenRateOnlyFromProvenUnseen(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	ref := profile.NewColumn("c", profile.Categorical, "string")
	cur := profile.NewColumn("c", profile.Categorical, "string")
	trueUnseen := 0
	for i := 0; i < 50000; i++ {
		ref.AddBytes(fmt.Appendf(nil, "k%d", r.IntN(200)))
	}
	for i := 0; i < 50000; i++ {
		if i%185 == 0 { // ~0.54% spread over 150 new categories
			cur.AddBytes(fmt.Appendf(nil, "new%d", r.IntN(150)))
			trueUnseen++
			continue
		}
		cur.AddBytes(fmt.Appendf(nil, "k%d", r.IntN(200)))
	}
	ref.Finish()
	cur.Finish()
	if !ref.TopK.Exact() || cur.TopK.Exact() {
		t.Fatal("want an exact reference and a reduced current summary")
	}
	rep := Compare(profileOf(ref), profileOf(cur), DefaultConfig())
	col := rep.Details.Columns[0]
	truth := float64(trueUnseen) / 50000
	if col.UnseenRate > truth {
		t.Errorf("unseen rate %.4f exceeds the true %.4f", col.UnseenRate, truth)
	}
	if col.Drifted {
		t.Errorf("drifted on %.2f%% unseen values (threshold 1%%): %+v", 100*truth, col)
	}
	// Heavy new categories are still seen.
	cur2 := profile.NewColumn("c", profile.Categorical, "string")
	for i := 0; i < 50000; i++ {
		if i%20 == 0 {
			cur2.AddBytes([]byte("brand-new"))
			continue
		}
		cur2.AddBytes(fmt.Appendf(nil, "k%d", r.IntN(200)))
	}
	cur2.Finish()
	rep = Compare(profileOf(ref), profileOf(cur2), DefaultConfig())
	if got := rep.Details.Columns[0].UnseenRate; math.Abs(got-0.05) > 1e-9 {
		t.Errorf("unseen rate %v, want 0.05", got)
	}
}

// A constant column gives a verdict, not NaN: unchanged passes, a new value
// drifts.
func TestConstantColumns(t *testing.T) {
	same := Compare(profileOf(numericColumn(repeat(7, 300))), profileOf(numericColumn(repeat(7, 200))), DefaultConfig())
	if c := same.Details.Columns[0]; c.Drifted || c.Method != "ztest" || c.PValue == nil || *c.PValue != 1 {
		t.Errorf("constant unchanged: %+v", c)
	}
	changed := Compare(profileOf(numericColumn(repeat(7, 300))), profileOf(numericColumn(append(repeat(7, 100), repeat(8, 100)...))), DefaultConfig())
	if c := changed.Details.Columns[0]; !c.Drifted {
		t.Errorf("constant that changed did not drift: %+v", c)
	}
}

// The NaN rate is judged like the null rate.
func TestNaNRateIsJudged(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	ref, cur := sample(r, "normal", 3000, 0), sample(r, "normal", 3000, 0)
	for i := 0; i < len(cur); i += 10 {
		cur[i] = math.NaN()
	}
	rep := Compare(profileOf(numericColumn(ref)), profileOf(numericColumn(cur)), DefaultConfig())
	col := rep.Details.Columns[0]
	if !col.Drifted || math.Abs(col.NaNRate-0.1) > 1e-12 || col.ReferenceNaNRate != 0 {
		t.Errorf("a 10%% NaN rate against none: %+v", col)
	}
	found := false
	for _, c := range rep.Checks {
		found = found || c.ID == "drift.column.x.nans" && c.Status != "pass"
	}
	if !found {
		t.Error("no failing drift.column.x.nans check")
	}
}

// The Z-test and the Hellinger and L-infinity distances agree with SciPy.
func TestZTestHellingerLInfAgreeWithSciPy(t *testing.T) {
	type zcase struct{ x1, n1, x2, n2 float64 }
	zs := []zcase{{30, 100, 45, 120}, {500, 1000, 480, 900}, {1, 40, 9, 40}, {0, 10, 3, 12}}
	var cases []map[string]any
	for _, z := range zs {
		cases = append(cases, map[string]any{"op": "ztest", "x1": z.x1, "n1": z.n1, "x2": z.x2, "n2": z.n2})
	}
	shares := [][2][]float64{
		{{0.1, 0.2, 0.7}, {0.3, 0.3, 0.4}},
		{{0.5, 0.5, 0}, {0, 0.5, 0.5}},
		{{1, 2, 3, 4}, {4, 3, 2, 1}},
	}
	for _, s := range shares {
		cases = append(cases, map[string]any{"op": "hellinger_linf", "p": s[0], "q": s[1]})
	}
	res := scipy(t, cases)
	for i, z := range zs {
		stat, p := TwoProportionZ(z.x1, z.n1, z.x2, z.n2)
		near(t, "z statistic", stat, res[i][0], 1e-12)
		near(t, "z p-value", p, res[i][1], 1e-12)
	}
	for i, s := range shares {
		near(t, "hellinger", Hellinger(s[0], s[1]), res[len(zs)+i][0], 1e-12)
		near(t, "linf", LInfinity(s[0], s[1]), res[len(zs)+i][1], 1e-12)
	}
}

func repeat(x float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = x
	}
	return v
}

func profileOf(c *profile.Column) *profile.Profile {
	p := profile.New()
	p.Columns = append(p.Columns, c)
	p.Rows = c.Count
	p.Finish()
	return p
}
