package profile

import (
	"fmt"
	"math"

	"github.com/cespare/xxhash/v2"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// wholePages turns the whole-page paths on; tests turn it off to compare
// them with the value-by-value path they replace.
var wholePages = true

// pageVisitor profiles the flat string, signed integer and double columns
// page by page (parquetx.NumberPageVisitor): no parquet.Value per
// value, and a dictionary's entries are hashed once per chunk instead of
// once per value. Its profile is the one chunkVisitor.Values gives.
type pageVisitor struct {
	*chunkVisitor
	// dict is the dictionary the cached entries belong to; hashes are its
	// entries' hashes (strings) and ints or floats its numeric entries.
	dict    parquet.Dictionary
	entries [][]byte
	hashes  []uint64
	dints   []int64
	dfloat  []float64
	// counts[i] counts entry i over the pages seen since the last flush,
	// for numeric dictionaries (the sketches do not depend on order) and
	// small string ones: a column of at most 2·TopKCapacity distinct
	// values never reduces its top-k, so counting an entry's occurrences at
	// once gives the same profile as one by one.
	counts []int64
}

// NumberPages asks Scan for pages of numbers whole (Page.Int32, Int64...).
func (v *pageVisitor) NumberPages() {}

// block is how many values of a page the numeric paths convert at once,
// into the chunk's two buffers of that size.
const block = 4096

func newPageVisitor(v *chunkVisitor) *pageVisitor {
	v.ints, v.floats = make([]int64, 0, block), make([]float64, 0, block)
	return &pageVisitor{chunkVisitor: v}
}

// pageKind reports whether the chunk can go page by page.
func pageKind(col *parquetx.Column, kind Kind) bool {
	if !wholePages || col.MaxRepetitionLevel > 0 {
		return false
	}
	if kind == Categorical {
		return col.Physical == format.ByteArray && col.Type.Name.IsString()
	}
	signed := !col.Type.Name.IsUnsigned() && !col.Type.Name.IsDecimal() // as batchValues
	return signed && (col.Physical == format.Int32 || col.Physical == format.Int64) || col.Physical == format.Double
}

// Page profiles one decoded page: nulls from its levels, then its values.
func (v *pageVisitor) Page(p parquetx.Page) error {
	c := v.into
	present := p.Rows
	if p.Def != nil {
		present = 0
		for _, d := range p.Def {
			switch {
			case d == p.MaxDef:
				present++
			case int(d) >= v.elementLevel: // below it: no value at all
				c.AddNull()
			}
		}
	}
	if p.Dict == nil {
		v.flush()
	} else if p.Dict != v.dict {
		v.flush()
		v.load(p.Dict)
	}
	switch {
	case c.Kind == Categorical && p.Dict != nil && v.counts != nil:
		v.count(p.Index)
	case c.Kind == Categorical && p.Dict != nil:
		for _, i := range p.Index {
			c.addHashed(v.entries[i], v.hashes[i], 1)
		}
	case c.Kind == Categorical:
		for i := range present {
			c.AddBytes(p.Bytes[p.Offsets[i]:p.Offsets[i+1]])
		}
	case p.Dict != nil && v.dints != nil:
		gather(p.Index, v.dints, v.ints, c.addIntValues)
		v.count(p.Index)
	case p.Dict != nil:
		gather(p.Index, v.dfloat, v.floats, func(xs []float64) { c.addFloatValues(xs) })
		v.count(p.Index)
	case p.Int32 != nil:
		for rest := p.Int32; len(rest) > 0; rest = rest[min(len(rest), block):] {
			xs := v.ints[:0]
			for _, x := range rest[:min(len(rest), block)] {
				xs = append(xs, int64(x))
			}
			c.addInts(xs)
		}
	case p.Int64 != nil:
		c.addInts(p.Int64)
	case p.Double != nil:
		for rest := p.Double; len(rest) > 0; rest = rest[min(len(rest), block):] {
			c.addFloats(append(v.floats[:0], rest[:min(len(rest), block)]...)) // addFloats filters in place
		}
	default:
		return fmt.Errorf("column %s: a whole page of a kind the profile does not take (%s)", v.col.Path, v.col.Physical)
	}
	return nil
}

// gather hands the dictionary entries a page's indexes name to add, in
// blocks of the chunk's reused buffer buf.
func gather[T any](index []int32, dict, buf []T, add func([]T)) {
	for rest := index; len(rest) > 0; rest = rest[min(len(rest), block):] {
		xs := buf[:0]
		for _, i := range rest[:min(len(rest), block)] {
			xs = append(xs, dict[i])
		}
		add(xs)
	}
}

// count counts the occurrences of dictionary entries (v.counts).
func (v *pageVisitor) count(index []int32) {
	for _, i := range index {
		v.counts[i]++
	}
}

// load caches dictionary d's entries: their hashes (strings) or values.
func (v *pageVisitor) load(d parquet.Dictionary) {
	v.dict, v.counts = d, nil
	n := d.Len()
	v.entries, v.hashes, v.dints, v.dfloat = v.entries[:0], v.hashes[:0], nil, nil
	switch {
	case v.into.Kind == Categorical:
		for i := range n {
			b := d.Index(int32(i)).ByteArray()
			v.entries = append(v.entries, b)
			v.hashes = append(v.hashes, xxhash.Sum64(b))
		}
		if n <= 2*TopKCapacity {
			v.counts = make([]int64, n)
		}
	case v.col.Physical == format.Double:
		v.counts = make([]int64, n)
		v.dfloat = make([]float64, n)
		for i := range v.dfloat {
			v.dfloat[i] = d.Index(int32(i)).Double()
		}
	default:
		i32 := v.col.Physical == format.Int32
		v.counts = make([]int64, n)
		v.dints = make([]int64, n)
		for i := range v.dints {
			if x := d.Index(int32(i)); i32 {
				v.dints[i] = int64(x.Int32())
			} else {
				v.dints[i] = x.Int64()
			}
		}
	}
}

// flush profiles the counted dictionary entries, in entry order: a small
// string dictionary's values, or the quantile and distinct sketches of a
// numeric one (order does not change them: addIntValues and
// addFloatValues have counted the rest page by page).
func (v *pageVisitor) flush() {
	c := v.into
	t := bucketBounds()
	for i, n := range v.counts {
		if n == 0 {
			continue
		}
		v.counts[i] = 0
		switch {
		case c.Kind == Categorical:
			c.addHashed(v.entries[i], v.hashes[i], n)
		case v.dints != nil:
			x := v.dints[i]
			c.Quantiles.addWith(t, float64(x), n)
			c.Distinct.AddHash(hashInt(x))
		default:
			x := v.dfloat[i]
			if x != x || math.IsInf(x, 0) { // counted by addFloatValues
				continue
			}
			if x == 0 {
				x = 0 // -0 and +0 are one value
			}
			c.Quantiles.addWith(t, x, n)
			c.Distinct.AddHash(hashFloat(x))
		}
	}
}

func (v *pageVisitor) Close() error {
	v.flush()
	return v.chunkVisitor.Close()
}
