package drift

import (
	"cmp"
	"math/big"
	"slices"
	"sort"
	"strconv"

	"github.com/mlgate/mlgate/pkg/profile"
)

// The functions below read both sides of a comparison from their profile
// columns by one rule: the exact values when both sides hold them, else both
// sides' sketches. A profile keeps its sketch in exact mode too, so a small
// exact reference against a large sketched current is compared sketch to
// sketch: every value moves by at most profile.Alpha·|x| to its bucket, the
// same way on both sides, and identical data compares as identical.

// useSketch reports whether a comparison must go through the sketches.
func useSketch(ref, cur *profile.Column) bool { return ref.Exact == nil || cur.Exact == nil }

// numericPoints is the column's finite values as weighted points: each exact
// value with weight 1, or each sketch bucket's representative with its count.
func numericPoints(c *profile.Column, sketch bool) []Point {
	if !sketch {
		ps := make([]Point, len(c.Exact))
		for i, x := range c.Exact {
			ps[i] = Point{X: x, W: 1}
		}
		return ps
	}
	buckets := c.Quantiles.Buckets()
	ps := make([]Point, len(buckets))
	for i, b := range buckets {
		ps[i] = Point{X: b.Value, W: float64(b.Count)}
	}
	return ps
}

// binEdges is the reference's decile edges for a comparison: its exact
// quantiles when both sides are exact, else its sketch's bucket bounds, so
// that counting either side by bucket is exact.
func binEdges(ref *profile.Column, sketch bool) []float64 {
	if sketch && ref.Exact != nil {
		return ref.Quantiles.BinEdges(profile.NumBins)
	}
	return ref.Bins
}

// numericShares is the share of the column's finite values in each bin
// (Bins[k-1] < x <= Bins[k]; len(edges)+1 bins). From a sketch a bucket falls
// in the bin of its upper bound: every bucket is closed above, so this is
// exact when the edges are bucket bounds, as binEdges makes them.
func numericShares(c *profile.Column, edges []float64, sketch bool) []float64 {
	counts := make([]float64, len(edges)+1)
	if !sketch {
		for _, x := range c.Exact {
			counts[sort.SearchFloat64s(edges, x)]++
		}
	} else {
		for _, b := range c.Quantiles.Buckets() {
			counts[sort.SearchFloat64s(edges, b.Upper)] += float64(b.Count)
		}
	}
	return toShares(counts)
}

func toShares(counts []float64) []float64 {
	total := 0.0
	for _, c := range counts {
		total += c
	}
	if total > 0 {
		for i := range counts {
			counts[i] /= total
		}
	}
	return counts
}

// FewValues is the most distinct values a numeric reference column may have
// to be compared as categories (as Evidently and TFDV do): a score that takes
// values 0 to 4 is a rating, not a continuum.
const FewValues = 5

// fewValued reports whether a numeric column holds at most FewValues distinct
// finite values, read the same way as the comparison reads it.
func fewValued(c *profile.Column, sketch bool) bool {
	if c.Kind != profile.Numeric || c.Moments.N == 0 {
		return false
	}
	if !sketch {
		distinct := 0
		for i, x := range c.Exact {
			if i == 0 || x != c.Exact[i-1] {
				distinct++
			}
		}
		return distinct <= FewValues
	}
	// A bucket may hold several close values, so the distinct count must
	// agree: both bound the number of categories the comparison would see.
	return len(c.Quantiles.Buckets()) <= FewValues && c.Distinct.Estimate() <= FewValues
}

// asCategories reports whether a column pair is compared by categories:
// categorical columns, and numeric ones whose reference has few values.
func asCategories(ref, cur *profile.Column) bool {
	return ref.Kind == profile.Categorical || fewValued(ref, useSketch(ref, cur))
}

// categories lines up the two sides of a column compared by categories:
// Labels are the reference's listed values, then "(other)" when the
// reference has unlisted mass, then "(unseen)" for current values the
// reference provably never had.
type categories struct {
	Labels             []string
	Reference, Current []float64 // counts per label
	// Unseen says the last label is "(unseen)"; UnseenKnown that the
	// reference lists every value it has, so unseen values can be told.
	Unseen, UnseenKnown bool
	// Unlisted is current mass whose values the current summary did not
	// keep: neither seen nor unseen can be proven, so it is left out of the
	// comparison rather than guessed.
	Unlisted float64
}

const (
	otherLabel  = "(other)"
	unseenLabel = "(unseen)"
)

// alignCategories builds the category view of either kind of column.
func alignCategories(ref, cur *profile.Column) categories {
	if ref.Kind == profile.Numeric {
		return alignNumericValues(ref, cur)
	}
	refItems, refOther := trusted(ref.TopK)
	// Every listed current value is matched by name, trusted or not: its
	// count is a lower bound, and its name is known either way.
	return align(refItems, refOther, ref.TopK.Exact(), cur.TopK.Items, cur.TopK.Other)
}

// align matches current items to the reference's: a match adds to the
// reference category; a miss goes to "(other)" when the reference has one,
// else (the reference lists everything) it is proven unseen.
func align(refItems []profile.Item, refOther int64, refExact bool, curItems []profile.Item, curOther int64) categories {
	var cs categories
	index := map[string]int{}
	for _, it := range refItems {
		index[it.Value] = len(cs.Labels)
		cs.Labels = append(cs.Labels, it.Value)
		cs.Reference = append(cs.Reference, float64(it.Count))
	}
	other := -1
	if refOther > 0 {
		other = len(cs.Labels)
		cs.Labels = append(cs.Labels, otherLabel)
		cs.Reference = append(cs.Reference, float64(refOther))
	}
	cs.Current = make([]float64, len(cs.Labels))
	var unseen float64
	for _, it := range curItems {
		switch k, ok := index[it.Value]; {
		case ok:
			cs.Current[k] += float64(it.Count)
		case other >= 0:
			cs.Current[other] += float64(it.Count)
		default:
			unseen += float64(it.Count)
		}
	}
	// The current side's unlisted mass joins "(other)" when the reference
	// has one (neither side knows those values); otherwise it may hold seen
	// and unseen values alike, and is set aside.
	if curOther > 0 {
		if other >= 0 {
			cs.Current[other] += float64(curOther)
		} else {
			cs.Unlisted = float64(curOther)
		}
	}
	cs.UnseenKnown = refExact
	if unseen > 0 {
		cs.Labels = append(cs.Labels, unseenLabel)
		cs.Reference = append(cs.Reference, 0)
		cs.Current = append(cs.Current, unseen)
		cs.Unseen = true
	}
	return cs
}

// alignNumericValues is the category view of a few-valued numeric column:
// each distinct value (exact mode) or each sketch bucket (sketch mode) is a
// category. Both are complete lists, so unseen values are always known.
func alignNumericValues(ref, cur *profile.Column) categories {
	sketch := useSketch(ref, cur)
	items := func(c *profile.Column) []profile.Item {
		var out []profile.Item
		if !sketch {
			for i, x := range c.Exact {
				if i > 0 && x == c.Exact[i-1] {
					out[len(out)-1].Count++
					continue
				}
				label := strconv.FormatFloat(x, 'g', -1, 64)
				if len(c.ExactText) == len(c.Exact) {
					label = c.ExactText[i] // the view's Exact are ranks
				}
				out = append(out, profile.Item{Value: label, Count: 1})
			}
			return out
		}
		for _, b := range c.Quantiles.Buckets() {
			out = append(out, profile.Item{Value: "≈" + strconv.FormatFloat(b.Value, 'g', -1, 64), Count: b.Count})
		}
		return out
	}
	refItems := items(ref)
	// Most frequent first, as categorical top-k lists are.
	slices.SortStableFunc(refItems, func(a, b profile.Item) int { return cmp.Compare(b.Count, a.Count) })
	return align(refItems, 0, true, items(cur), 0)
}

// trusted is the top-k items whose count is known well enough to compare:
// all of them when the summary is exact, else those counted more than its
// MaxError (true counts lie within [count, count+MaxError]); the others'
// mass joins "other". Without this an id column's random survivors of the
// Misra-Gries reduction would look like categories that vanished.
func trusted(t *profile.TopK) (items []profile.Item, other int64) {
	other = t.Other
	for _, it := range t.Items {
		if it.Count > t.MaxError {
			items = append(items, it)
		} else {
			other += it.Count
		}
	}
	return items, other
}

// exactView is the pair as the exact comparison reads it. When both sides
// list their integer or decimal values exactly (profile ExactText), the
// float64 copies in Exact may have rounded values beyond 2^53 together: the
// view's Exact holds instead each value's rank among both sides' values and
// the reference's exact bin edges, and its Bins those edges' ranks. Ranks
// keep the exact order and equality, so KS, the bins, the distinct count and
// the value categories are exact; Wasserstein reads the values itself
// (exactOffsets). Otherwise the columns are returned as they are.
func exactView(ref, cur *profile.Column) (*profile.Column, *profile.Column) {
	if useSketch(ref, cur) || ref.Kind != profile.Numeric || cur.Kind != profile.Numeric {
		return ref, cur
	}
	rv, rt, ok := sortedExact(ref)
	cv, ct, ok2 := sortedExact(cur)
	if !ok || !ok2 || len(rv) == 0 {
		return ref, cur
	}
	edges := exactEdges(rv)
	all := slices.Concat(rv, cv, edges)
	slices.SortFunc(all, (*big.Rat).Cmp)
	all = slices.CompactFunc(all, func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })
	ranks := func(xs []*big.Rat) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(sort.Search(len(all), func(k int) bool { return all[k].Cmp(x) >= 0 }))
		}
		return out
	}
	r, c := *ref, *cur
	r.Exact, c.Exact, r.Bins = ranks(rv), ranks(cv), ranks(edges)
	r.ExactText, c.ExactText = rt, ct
	return &r, &c
}

// sortedExact is the column's exact values and their text in ascending
// order (a profile read from a file need not list them sorted).
func sortedExact(c *profile.Column) ([]*big.Rat, []string, bool) {
	rats, ok := c.ExactRats()
	if !ok {
		return nil, nil, false
	}
	idx := make([]int, len(rats))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rats[a].Cmp(rats[b]) })
	rs, ts := make([]*big.Rat, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		rs[i], ts[i] = rats[j], c.ExactText[j]
	}
	return rs, ts, true
}

// exactEdges is profile.Column's exact-mode bin edges (numpy's linear
// quantiles at the deciles, duplicates removed) computed in exact arithmetic.
func exactEdges(sorted []*big.Rat) []*big.Rat {
	n := int64(len(sorted))
	var edges []*big.Rat
	for k := int64(1); k < profile.NumBins; k++ {
		// h = k/NumBins · (n-1): the value at floor(h), plus frac(h) of the step.
		num := k * (n - 1)
		lo := num / profile.NumBins
		e := new(big.Rat).Set(sorted[lo])
		if rem := num % profile.NumBins; rem != 0 {
			step := new(big.Rat).Sub(sorted[lo+1], sorted[lo])
			e.Add(e, step.Mul(step, big.NewRat(rem, profile.NumBins)))
		}
		if len(edges) == 0 || e.Cmp(edges[len(edges)-1]) > 0 {
			edges = append(edges, e)
		}
	}
	return edges
}

// exactOffsets is the view's values for Wasserstein: each value's distance
// from the smallest of both sides, computed exactly and then rounded, which
// the distance does not change (it is translation-invariant), so values
// beyond 2^53 keep their differences.
func exactOffsets(ref, cur *profile.Column) (r, c []Point, ok bool) {
	rv, _, ok := sortedExact(ref)
	cv, _, ok2 := sortedExact(cur)
	if !ok || !ok2 || len(rv) == 0 || len(cv) == 0 {
		return nil, nil, false
	}
	origin := rv[0]
	if cv[0].Cmp(origin) < 0 {
		origin = cv[0]
	}
	points := func(xs []*big.Rat) []Point {
		out := make([]Point, len(xs))
		for i, x := range xs {
			f, _ := new(big.Rat).Sub(x, origin).Float64()
			out[i] = Point{X: f, W: 1}
		}
		return out
	}
	return points(rv), points(cv), true
}
