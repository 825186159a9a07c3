package drift

import (
	"sort"

	"github.com/mlgate/mlgate/pkg/profile"
)

// The functions below read one side of a comparison from its profile column:
// the exact values when the profile holds them, else the sketch.

// numericPoints is the column's finite values as weighted points: each exact
// value with weight 1, or each sketch bucket's representative with its count.
func numericPoints(c *profile.Column) []Point {
	if c.Exact != nil {
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

// numericShares is the share of the column's finite values in each bin
// (Bins[k-1] < x <= Bins[k]; len(edges)+1 bins). From a sketch a bucket falls
// in the bin of its upper bound, which is exact when the edges are bucket
// bounds (a sketched reference's edges are).
func numericShares(c *profile.Column, edges []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	if c.Exact != nil {
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

// categories lines up the two sides of a categorical column: Labels are the
// reference's listed values, then "(other)" when the reference has unlisted
// mass, then "(unseen)" for current values the reference never had.
type categories struct {
	Labels              []string
	Reference, Current  []float64 // counts per label
	Unseen, UnseenKnown bool
}

const (
	otherLabel  = "(other)"
	unseenLabel = "(unseen)"
)

func alignCategories(ref, cur *profile.Column) categories {
	var cs categories
	index := map[string]int{}
	refItems, refOther := trusted(ref.TopK)
	curItems, curOther := trusted(cur.TopK)
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
	// The current side's own unlisted mass: unknown values, counted as
	// "other" when the reference has one, else as unseen only if nothing can
	// have been seen (no reference "other").
	if curOther > 0 {
		if other >= 0 {
			cs.Current[other] += float64(curOther)
		} else {
			unseen += float64(curOther)
		}
	}
	cs.UnseenKnown = ref.TopK.Exact()
	if unseen > 0 {
		cs.Labels = append(cs.Labels, unseenLabel)
		cs.Reference = append(cs.Reference, 0)
		cs.Current = append(cs.Current, unseen)
		cs.Unseen = true
	}
	return cs
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
