package profile

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// TopKCapacity is how many values a top-k summary lists. A column with at
// most this many distinct values has exact frequencies.
const TopKCapacity = 256

// TopK is a Misra-Gries frequency summary (mergeable as in Agarwal et al.,
// "Mergeable summaries", 2012). Each listed count undercounts the true count by
// at most MaxError, MaxError <= N/(TopKCapacity+1), and a value missing from the
// list occurs at most MaxError times. When MaxError is 0 the counts are exact.
type TopK struct {
	// N is the number of values summarised; Other = N - sum of listed counts.
	N        int64  `json:"n"`
	Items    []Item `json:"items"`
	Other    int64  `json:"other"`
	MaxError int64  `json:"maxError"`
	// Skipped says why no values are listed when the column is id-like:
	// counting was stopped as it could list nothing (see idProbe). Items is
	// then empty and MaxError = N, a bound that claims nothing.
	Skipped string `json:"skipped,omitempty"`

	// The working form: counters, their values' bytes in one arena, and an
	// index from each value's hash (computed once per value and shared with
	// the distinct sketch) to its counter. A value whose hash is taken by a
	// different value probes the next hash keys, so counts stay exact; reduce
	// rebuilds the index, so probe chains never have holes.
	index    map[uint64]int32
	counters []counter
	arena    []byte
	spare    []byte  // the other arena, swapped in by reduce
	scratch  []int64 // reduce's counts
	probe    *idProbe
	probed   bool // the probe has decided
}

// idProbeValues is how many values at the start of a part (a row group's
// chunk) the id probe looks at, and idProbeRepeats how many repeats among
// them it allows: a value then occurs at most idProbeRepeats+1 = 33 times
// in 16,384, below the 16,384/(TopKCapacity+1) = 63 that a Misra-Gries
// summary of them could ever list as more than its error. Repeats are
// counted by 64-bit hash, so a collision counts as a repeat: the test errs
// towards counting.
const (
	idProbeValues  = 16384
	idProbeRepeats = 32
)

// idProbe counts the repeated hashes among a part's first values, exactly,
// in an open-addressing set at most half full (grown as values come, so a
// small part costs little).
type idProbe struct {
	slots         []uint64 // 0 is free
	seen, repeats int
}

func (p *idProbe) add(h uint64) {
	if h == 0 {
		h = 1 // 0 marks a free slot; 0 and 1 then count as one (a repeat)
	}
	p.seen++
	if 2*p.seen > len(p.slots) {
		old := p.slots
		p.slots = make([]uint64, max(1024, 2*len(old)))
		for _, k := range old {
			if k != 0 {
				p.insert(k)
			}
		}
	}
	if !p.insert(h) {
		p.repeats++
	}
}

// insert adds h and reports whether it was new.
func (p *idProbe) insert(h uint64) bool {
	mask := uint64(len(p.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch p.slots[i] {
		case 0:
			p.slots[i] = h
			return true
		case h:
			return false
		}
	}
}

// counter is one counted value: arena[off:off+n].
type counter struct {
	hash   uint64
	off, n int
	count  int64
}

// Item is one value and its (lower-bound) count.
type Item struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Add counts one value.
func (t *TopK) Add(v []byte) { t.addHashed(v, xxhash.Sum64(v), 1) }

// addHashed counts n occurrences of v, whose xxhash is h.
func (t *TopK) addHashed(v []byte, h uint64, n int64) {
	if t.Skipped != "" {
		t.N += n
		return
	}
	if t.index == nil {
		t.load()
	}
	t.N += n
	t.count(v, h, n)
	if len(t.counters) > 2*TopKCapacity {
		t.reduce()
	}
	if !t.probed {
		t.probeID(h, n)
	}
}

// probeID watches a part's first values; when almost all differ, the column
// is id-like and counting stops (the summary could list nothing).
func (t *TopK) probeID(h uint64, n int64) {
	if t.probe == nil {
		if t.N != 1 { // not a part's first value (merged or loaded): no probe
			t.probed = true
			return
		}
		t.probe = new(idProbe)
	}
	if n != 1 {
		t.probed, t.probe = true, nil
		return
	}
	p := t.probe
	p.add(h)
	if p.seen < idProbeValues {
		return
	}
	t.probed, t.probe = true, nil
	if p.repeats <= idProbeRepeats {
		t.skip(fmt.Sprintf("id-like: %d repeats among the first %d values of a part, so no value is frequent enough to list", p.repeats, idProbeValues))
	}
}

// count adds n to v's counter, making one when v has none.
func (t *TopK) count(v []byte, h uint64, n int64) {
	for k := h; ; k++ {
		i, ok := t.index[k]
		if !ok {
			t.index[k] = int32(len(t.counters))
			t.counters = append(t.counters, counter{hash: h, off: len(t.arena), n: len(v), count: n})
			t.arena = append(t.arena, v...)
			return
		}
		if c := &t.counters[i]; c.hash == h && string(t.arena[c.off:c.off+c.n]) == string(v) {
			c.count += n
			return
		}
	}
}

// Merge folds o in.
func (t *TopK) Merge(o *TopK) {
	if t.index == nil {
		t.load()
	}
	t.N += o.N
	t.MaxError += o.MaxError
	if t.Skipped != "" || o.Skipped != "" {
		t.skip(cmp.Or(t.Skipped, o.Skipped))
		return
	}
	for _, it := range o.list() {
		t.count([]byte(it.Value), xxhash.Sum64String(it.Value), it.Count)
	}
	if len(t.counters) > TopKCapacity {
		t.reduce()
	}
}

// skip stops counting for the given reason: the working form is dropped and
// the summary claims nothing (MaxError = N).
func (t *TopK) skip(reason string) {
	t.Skipped, t.MaxError = reason, t.N
	t.Items, t.index, t.counters, t.arena, t.spare, t.scratch, t.probe = nil, nil, nil, nil, nil, nil, nil
}

// load rebuilds the working form from the encoded items.
func (t *TopK) load() {
	t.index = make(map[uint64]int32, 2*TopKCapacity+1)
	for _, it := range t.Items {
		t.count([]byte(it.Value), xxhash.Sum64String(it.Value), it.Count)
	}
}

// list is the current items, most frequent first, ties by value.
func (t *TopK) list() []Item {
	if t.index == nil {
		return t.Items
	}
	items := make([]Item, 0, len(t.counters))
	for _, c := range t.counters {
		items = append(items, Item{Value: string(t.arena[c.off : c.off+c.n]), Count: c.count})
	}
	slices.SortFunc(items, func(a, b Item) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return items
}

// reduce keeps at most TopKCapacity counters: every counter loses the
// (capacity+1)-th largest count, which is what bounds the error. The result
// depends on the counts only, not on the order values came in.
func (t *TopK) reduce() {
	if len(t.counters) <= TopKCapacity {
		return
	}
	counts := t.scratch[:0]
	for _, c := range t.counters {
		counts = append(counts, c.count)
	}
	slices.Sort(counts)
	t.scratch = counts
	cut := counts[len(counts)-1-TopKCapacity]
	t.MaxError += cut
	kept, arena := t.counters[:0], t.spare[:0]
	for _, c := range t.counters {
		if c.count > cut {
			v := t.arena[c.off : c.off+c.n]
			kept = append(kept, counter{hash: c.hash, off: len(arena), n: len(v), count: c.count - cut})
			arena = append(arena, v...)
		}
	}
	t.counters = kept
	t.spare, t.arena = t.arena, arena
	clear(t.index)
	for i, c := range kept { // distinct values: each takes the first free key
		k := c.hash
		for _, taken := t.index[k]; taken; _, taken = t.index[k] {
			k++
		}
		t.index[k] = int32(i)
	}
}

// finish reduces to the capacity and fixes Items and Other for encoding.
func (t *TopK) finish() {
	if t.Skipped != "" {
		t.Items, t.Other, t.MaxError = []Item{}, t.N, t.N
		return
	}
	if t.index == nil {
		t.load()
	}
	if len(t.counters) > TopKCapacity {
		t.reduce()
	}
	t.Items = t.list()
	t.Other = t.N
	for _, it := range t.Items {
		t.Other -= it.Count
	}
}

// Exact reports whether every count is exact.
func (t *TopK) Exact() bool { return t.MaxError == 0 }
