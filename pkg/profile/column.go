package profile

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ExactLimit is how many finite values a numeric column keeps verbatim. Up to
// it the profile is in exact mode and drift statistics are computed on the
// values themselves; past it only the sketches remain.
const ExactLimit = 1000

// NumBins is how many equal-frequency histogram bins a numeric column's
// reference quantiles define (deciles).
const NumBins = 10

// Kind says how a column is summarised and compared.
type Kind string

// Column kinds.
const (
	Numeric     Kind = "numeric"
	Categorical Kind = "categorical"
)

// Column is the profile of one column.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Type is the column's type as the data names it (e.g. "double", "string").
	Type string `json:"type"`
	// Count counts every value slot, nulls included; Nulls the null ones.
	Count int64 `json:"count"`
	Nulls int64 `json:"nulls"`
	// NaNs and Infinities are numeric values left out of the distribution.
	NaNs       int64 `json:"nans"`
	Infinities int64 `json:"infinities"`
	// Moments, Quantiles, Exact and Bins describe numeric columns' finite values.
	Moments   *Moments `json:"moments,omitempty"`
	Quantiles *Sketch  `json:"quantiles,omitempty"`
	// Exact holds the finite values, sorted, while there are at most
	// ExactLimit of them; it is absent (nil) past that.
	Exact []float64 `json:"exact,omitempty"`
	// ExactText is, for integer and decimal columns, the same values as
	// decimal text in the same order: float64 rounds integers beyond 2^53
	// together, so drift compares these instead (see drift's exact view).
	ExactText []string `json:"exactText,omitempty"`
	// Bins are the inner edges of NumBins equal-frequency bins taken from this
	// column's quantiles, duplicates removed: bin k holds x with
	// Bins[k-1] < x <= Bins[k]. Computed by Finish.
	Bins []float64 `json:"bins,omitempty"`
	// TopK describes categorical columns' values.
	TopK     *TopK     `json:"topK,omitempty"`
	Distinct *Distinct `json:"distinct"`
}

// NewColumn starts an empty column profile.
func NewColumn(name string, kind Kind, typ string) *Column {
	c := &Column{Name: name, Kind: kind, Type: typ, Distinct: &Distinct{}}
	if kind == Numeric {
		s := NewSketch()
		c.Moments, c.Quantiles, c.Exact = &Moments{}, &s, []float64{}
	} else {
		c.TopK = &TopK{}
	}
	return c
}

// AddNull counts a null.
func (c *Column) AddNull() {
	c.Count++
	c.Nulls++
}

// AddFloat counts a numeric value.
func (c *Column) AddFloat(x float64) {
	c.Count++
	switch {
	case math.IsNaN(x):
		c.NaNs++
		return
	case math.IsInf(x, 0):
		c.Infinities++
		return
	}
	if x == 0 {
		x = 0 // -0 and +0 are one value
	}
	c.Moments.Add(x)
	c.Quantiles.Add(x)
	c.keepExact(x, "")
	c.Distinct.AddHash(hashFloat(x))
}

// AddExact counts a numeric value of any type: floats as AddFloat does,
// integers and decimals exactly (moments from exact integer sums, distinct
// values hashed from the integer itself, never a rounded float).
func (c *Column) AddExact(e parquetx.Exact) {
	if e.Float {
		c.AddFloat(e.F)
		return
	}
	c.Count++
	x := e.Float64()
	c.Moments.AddInt(e.Int, e.Scale, x)
	c.Quantiles.Add(x)
	if c.Exact != nil { // the text only while it can be kept: formatting costs more than the rest
		text := ""
		if c.Moments.N <= ExactLimit {
			text = e.Text()
		}
		c.keepExact(x, text)
	}
	c.Distinct.AddHash(hash16(e.Int.Lo, uint64(e.Int.Hi)))
}

// keepExact keeps x verbatim while the column is in exact mode, and leaves
// exact mode once it holds more than ExactLimit values. text is an integer's
// or decimal's exact form ("" for floats): ExactText is kept while every
// value has one.
func (c *Column) keepExact(x float64, text string) { c.keepExactAt(c.Moments.N, x, text) }

// keepExactAt is keepExact for the n-th finite value; it reports whether the
// column is still in exact mode.
func (c *Column) keepExactAt(n int64, x float64, text string) bool {
	if c.Exact == nil {
		return false
	}
	if n > ExactLimit {
		c.Exact, c.ExactText = nil, nil
		return false
	}
	if text != "" && (c.ExactText != nil || len(c.Exact) == 0) {
		c.ExactText = append(c.ExactText, text)
	} else {
		c.ExactText = nil
	}
	c.Exact = append(c.Exact, x)
	return true
}

// AddBytes counts a categorical value (strings, booleans as "true"/"false").
func (c *Column) AddBytes(v []byte) {
	c.addHashed(v, xxhash.Sum64(v), 1) // hashed once, for the top-k index and the distinct sketch
}

// addHashed counts n occurrences of a categorical value whose xxhash is h.
func (c *Column) addHashed(v []byte, h uint64, n int64) {
	c.Count += n
	c.TopK.addHashed(v, h, n)
	c.Distinct.AddHash(h)
}

// Values is the number of non-null values.
func (c *Column) Values() int64 { return c.Count - c.Nulls }

// IsExact reports whether the column holds its values (numeric) or exact
// frequencies (categorical), so statistics over it are exact.
func (c *Column) IsExact() bool {
	if c.Kind == Numeric {
		return c.Exact != nil
	}
	return c.TopK.Exact()
}

// NullRate is the share of value slots that are null.
func (c *Column) NullRate() float64 {
	if c.Count == 0 {
		return 0
	}
	return float64(c.Nulls) / float64(c.Count)
}

// Merge folds o, the profile of another part of the same column, into c.
func (c *Column) Merge(o *Column) error {
	if c.Kind != o.Kind {
		return fmt.Errorf("column %q is %s in one profile and %s in another", c.Name, c.Kind, o.Kind)
	}
	c.Count += o.Count
	c.Nulls += o.Nulls
	c.NaNs += o.NaNs
	c.Infinities += o.Infinities
	c.Distinct.Merge(o.Distinct)
	if c.Kind == Categorical {
		c.TopK.Merge(o.TopK)
		return nil
	}
	if c.Exact != nil && o.Exact != nil && c.Moments.N+o.Moments.N <= ExactLimit {
		if c.hasExactText() && o.hasExactText() {
			c.ExactText = append(c.ExactText, o.ExactText...)
		} else {
			c.ExactText = nil
		}
		c.Exact = append(c.Exact, o.Exact...)
	} else {
		c.Exact, c.ExactText = nil, nil
	}
	c.Moments.Merge(o.Moments)
	return c.Quantiles.Merge(*o.Quantiles)
}

// Finish puts the column in its canonical form: exact values sorted, top-k
// reduced, bins computed. Call it before encoding or comparing.
func (c *Column) Finish() {
	if c.Kind == Categorical {
		c.TopK.finish()
		return
	}
	if c.hasExactText() {
		c.sortExactText()
	} else {
		c.ExactText = nil
		slices.Sort(c.Exact)
	}
	c.Moments.finish()
	c.Bins = c.binEdges()
}

// hasExactText reports whether ExactText lists every exact value (an empty
// column counts as listing them).
func (c *Column) hasExactText() bool {
	return c.Exact != nil && len(c.ExactText) == len(c.Exact) && (c.ExactText != nil || len(c.Exact) == 0)
}

// ExactRats returns the exact values as rationals in ascending order, when
// the column lists them (ExactText) and all parse.
func (c *Column) ExactRats() ([]*big.Rat, bool) {
	if !c.hasExactText() || c.ExactText == nil {
		return nil, false
	}
	out := make([]*big.Rat, len(c.ExactText))
	for i, s := range c.ExactText {
		if !plainDecimal(s) {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return nil, false
		}
		out[i] = r
	}
	return out, true
}

// plainDecimal accepts what parquetx.Exact.Text writes for integers and
// decimals (at most 128-bit, so 40 digits): an exponent in a profile from
// elsewhere could make big.Rat build a huge number.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(p string) bool {
		return len(p) > 0 && len(p) <= 40 && strings.Trim(p, "0123456789") == ""
	}
	return digits(whole) && (!dot || digits(frac))
}

// sortExactText sorts the values by their exact order, Exact alongside.
func (c *Column) sortExactText() {
	rats, ok := c.ExactRats()
	if !ok {
		c.ExactText = nil
		slices.Sort(c.Exact)
		return
	}
	idx := make([]int, len(rats))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rats[a].Cmp(rats[b]) })
	exact, text := make([]float64, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		exact[i], text[i] = c.Exact[j], c.ExactText[j]
	}
	c.Exact, c.ExactText = exact, text
}

// binEdges takes the reference's deciles: exact quantiles (numpy's default
// linear interpolation) in exact mode, else the sketch's bucket edges.
func (c *Column) binEdges() []float64 {
	if c.Moments.N == 0 {
		return nil
	}
	if c.Exact == nil {
		return c.Quantiles.BinEdges(NumBins)
	}
	edges := make([]float64, 0, NumBins-1)
	for k := 1; k < NumBins; k++ {
		e := LinearQuantile(c.Exact, float64(k)/NumBins)
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return edges
}

// LinearQuantile is numpy.quantile's default ("linear") on sorted values.
func LinearQuantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	a, b, t := sorted[i], sorted[i+1], h-lo
	if t >= 0.5 { // numpy's _lerp, for bit-identical edges
		return b - (b-a)*(1-t)
	}
	return a + (b-a)*t
}
