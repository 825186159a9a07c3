package drift

import (
	"fmt"
	"math"

	"github.com/mlgate/mlgate/pkg/profile"
)

// Method is one drift statistic. Test methods (KS, chi-square) are judged by
// p-value: drifted when p < threshold. Distance methods are judged by effect
// size: drifted when statistic >= threshold.
type Method interface {
	Name() string
	// Test reports whether the threshold applies to a p-value.
	Test() bool
	DefaultThreshold() float64
	Supports(kind profile.Kind) bool
	Compute(ref, cur *profile.Column) (Result, error)
}

// Result is what a method computed.
type Result struct {
	Statistic float64
	PValue    *float64
}

// allMethods lists every method, in the order messages and docs name them.
func allMethods() []Method {
	return []Method{ksMethod{}, chiSquareMethod{}, zTestMethod{}, wassersteinMethod{}, jensenShannonMethod{}, psiMethod{}, hellingerMethod{}, linfMethod{}}
}

// MethodNames lists the method names, for messages and docs.
func MethodNames() []string {
	var names []string
	for _, m := range allMethods() {
		names = append(names, m.Name())
	}
	return names
}

// LookupMethod finds a method by name.
func LookupMethod(name string) (Method, bool) {
	for _, m := range allMethods() {
		if m.Name() == name {
			return m, true
		}
	}
	return nil, false
}

// SmallSample is the largest sample judged by a significance test: when both
// sides have at most this many values, KS (numeric), Z (two categories) or
// chi-square (categories) at p < 0.05; larger samples are judged by effect
// size, since p-values shrink with n.
const SmallSample = 1000

// DefaultMethod picks a column's method as Evidently does by default: by
// sample size, and by whether the column is compared as categories
// (categorical, or numeric with at most FewValues values) and how many
// categories the two sides hold together.
func DefaultMethod(ref, cur *profile.Column) Method {
	small := max(distributionCount(cur), distributionCount(ref)) <= SmallSample
	switch categorical := asCategories(ref, cur); {
	case !categorical && small:
		return ksMethod{}
	case !categorical:
		return wassersteinMethod{}
	case !small:
		return jensenShannonMethod{}
	case len(alignCategories(ref, cur).Labels) <= 2:
		return zTestMethod{}
	}
	return chiSquareMethod{}
}

// supportsCategories is Supports for methods over category counts: any
// kind, since numeric columns with few values are compared as categories;
// categoryView refuses the others.
func supportsCategories(profile.Kind) bool { return true }

// categoryView is the category view for a method that needs one, or an
// error naming the method when the column is numeric with many values.
func categoryView(m Method, ref, cur *profile.Column) (categories, error) {
	if !asCategories(ref, cur) {
		return categories{}, fmt.Errorf("%s compares categories, and this numeric column has more than %d distinct values (use ks, wasserstein, psi, jensenshannon, hellinger or linf)", m.Name(), FewValues)
	}
	return alignCategories(ref, cur), nil
}

type ksMethod struct{}

func (ksMethod) Name() string                    { return "ks" }
func (ksMethod) Test() bool                      { return true }
func (ksMethod) DefaultThreshold() float64       { return 0.05 }
func (ksMethod) Supports(kind profile.Kind) bool { return kind == profile.Numeric }
func (ksMethod) Compute(ref, cur *profile.Column) (Result, error) {
	if ref.Exact == nil || cur.Exact == nil {
		return Result{}, fmt.Errorf("ks needs the exact values of both sides (at most %d each; reference has %d, current %d): use wasserstein or psi",
			profile.ExactLimit, ref.Moments.N, cur.Moments.N)
	}
	d, p := KSTest(ref.Exact, cur.Exact)
	return Result{Statistic: d, PValue: &p}, nil
}

type chiSquareMethod struct{}

func (chiSquareMethod) Name() string                    { return "chisquare" }
func (chiSquareMethod) Test() bool                      { return true }
func (chiSquareMethod) DefaultThreshold() float64       { return 0.05 }
func (chiSquareMethod) Supports(kind profile.Kind) bool { return supportsCategories(kind) }

// MinExpected is the smallest expected count a chi-square cell may have
// (Cochran's rule): rarer categories are pooled into one cell, so a single
// value of a rare category cannot make the test reject.
const MinExpected = 5

// Compute is Pearson's chi-square test of homogeneity on the 2×k table of
// reference and current counts over the reference's categories, rare ones
// pooled (scipy.stats.chi2_contingency without continuity correction).
// Expected counts come from both samples, not from the reference's shares
// alone: with a reference of similar size, treating its shares as exact
// rejects a third of the time on identical distributions. Unseen categories
// are left to the unseen-rate check.
func (m chiSquareMethod) Compute(ref, cur *profile.Column) (Result, error) {
	cs, err := categoryView(m, ref, cur)
	if err != nil {
		return Result{}, err
	}
	k := len(cs.Labels)
	if cs.Unseen {
		k--
	}
	var rt, ct float64
	for i := 0; i < k; i++ {
		rt += cs.Reference[i]
		ct += cs.Current[i]
	}
	if ct == 0 {
		p := 0.0 // no current value is a reference category: all unseen
		return Result{Statistic: 0, PValue: &p}, nil
	}
	if k == 1 {
		p := 1.0 // one category on both sides: nothing can differ
		return Result{Statistic: 0, PValue: &p}, nil
	}
	smaller := min(rt, ct) / (rt + ct)
	var r, c []float64
	var poolR, poolC float64
	for i := 0; i < k; i++ {
		if (cs.Reference[i]+cs.Current[i])*smaller >= MinExpected {
			r, c = append(r, cs.Reference[i]), append(c, cs.Current[i])
		} else {
			poolR, poolC = poolR+cs.Reference[i], poolC+cs.Current[i]
		}
	}
	if poolR+poolC > 0 {
		r, c = append(r, poolR), append(c, poolC)
	}
	if len(r) == 1 {
		p := 1.0 // every category pooled into one cell: no evidence either way
		return Result{Statistic: 0, PValue: &p}, nil
	}
	stat, p := ChiSquareHomogeneity(r, c)
	return Result{Statistic: stat, PValue: &p}, nil
}

type zTestMethod struct{}

func (zTestMethod) Name() string                    { return "ztest" }
func (zTestMethod) Test() bool                      { return true }
func (zTestMethod) DefaultThreshold() float64       { return 0.05 }
func (zTestMethod) Supports(kind profile.Kind) bool { return supportsCategories(kind) }

// Compute is the two-proportion Z-test on the share of the first category
// (Evidently's z_stat_test, two-sided), for columns with two categories on
// both sides together. Unseen values count as the other category here, since
// with two categories a new one is the whole story. One category on both
// sides gives statistic 0 and p = 1: a constant column has not drifted.
func (m zTestMethod) Compute(ref, cur *profile.Column) (Result, error) {
	cs, err := categoryView(m, ref, cur)
	if err != nil {
		return Result{}, err
	}
	if len(cs.Labels) > 2 {
		return Result{}, fmt.Errorf("ztest compares two categories; this column has %d (use chisquare or jensenshannon)", len(cs.Labels))
	}
	var rt, ct float64
	for i := range cs.Labels {
		rt += cs.Reference[i]
		ct += cs.Current[i]
	}
	z, p := TwoProportionZ(cs.Reference[0], rt, cs.Current[0], ct)
	return Result{Statistic: z, PValue: &p}, nil
}

type wassersteinMethod struct{}

func (wassersteinMethod) Name() string                    { return "wasserstein" }
func (wassersteinMethod) Test() bool                      { return false }
func (wassersteinMethod) DefaultThreshold() float64       { return 0.1 }
func (wassersteinMethod) Supports(kind profile.Kind) bool { return kind == profile.Numeric }

// Compute is the Wasserstein-1 distance divided by the reference's standard
// deviation (at least 0.001), as Evidently norms it. From sketches it is never
// reported below |mean difference|, its exact lower bound from the moments:
// that keeps shifts visible where the sketch's relative resolution is coarser
// than the spread (values far from zero, such as timestamps).
func (wassersteinMethod) Compute(ref, cur *profile.Column) (Result, error) {
	sketch := useSketch(ref, cur)
	var w float64
	if r, c, ok := exactOffsets(ref, cur); ok && !sketch {
		w = Wasserstein(r, c)
	} else {
		w = Wasserstein(numericPoints(ref, sketch), numericPoints(cur, sketch))
	}
	if sketch {
		w = math.Max(w, math.Abs(cur.Moments.Mean-ref.Moments.Mean))
	}
	return Result{Statistic: w / math.Max(ref.Moments.StdDev(), 0.001)}, nil
}

type jensenShannonMethod struct{}

func (jensenShannonMethod) Name() string              { return "jensenshannon" }
func (jensenShannonMethod) Test() bool                { return false }
func (jensenShannonMethod) DefaultThreshold() float64 { return 0.1 }
func (jensenShannonMethod) Supports(profile.Kind) bool {
	return true
}
func (jensenShannonMethod) Compute(ref, cur *profile.Column) (Result, error) {
	r, c := binnedShares(ref, cur)
	return Result{Statistic: JensenShannon(r, c)}, nil
}

type psiMethod struct{}

func (psiMethod) Name() string               { return "psi" }
func (psiMethod) Test() bool                 { return false }
func (psiMethod) DefaultThreshold() float64  { return 0.2 }
func (psiMethod) Supports(profile.Kind) bool { return true }
func (psiMethod) Compute(ref, cur *profile.Column) (Result, error) {
	r, c := binnedShares(ref, cur)
	return Result{Statistic: PSI(r, c)}, nil
}

type hellingerMethod struct{}

func (hellingerMethod) Name() string               { return "hellinger" }
func (hellingerMethod) Test() bool                 { return false }
func (hellingerMethod) DefaultThreshold() float64  { return 0.1 }
func (hellingerMethod) Supports(profile.Kind) bool { return true }

// Compute is the Hellinger distance of the binned shares (Evidently's
// hellinger: 0 for equal, 1 for disjoint distributions).
func (hellingerMethod) Compute(ref, cur *profile.Column) (Result, error) {
	r, c := binnedShares(ref, cur)
	return Result{Statistic: Hellinger(r, c)}, nil
}

type linfMethod struct{}

func (linfMethod) Name() string               { return "linf" }
func (linfMethod) Test() bool                 { return false }
func (linfMethod) DefaultThreshold() float64  { return 0.1 }
func (linfMethod) Supports(profile.Kind) bool { return true }

// Compute is the L-infinity distance of the binned shares: the largest
// change of any one category's (or bin's) share, as TFDV's drift comparator
// judges categorical features.
func (linfMethod) Compute(ref, cur *profile.Column) (Result, error) {
	r, c := binnedShares(ref, cur)
	return Result{Statistic: LInfinity(r, c)}, nil
}

// binnedShares is both sides' shares over the reference's bins: its decile
// bins for numbers, its categories (plus other and unseen) for columns
// compared by categories.
func binnedShares(ref, cur *profile.Column) (r, c []float64) {
	if !asCategories(ref, cur) {
		sketch := useSketch(ref, cur)
		edges := binEdges(ref, sketch)
		return numericShares(ref, edges, sketch), numericShares(cur, edges, sketch)
	}
	cs := alignCategories(ref, cur)
	return toShares(cs.Reference), toShares(cs.Current)
}
