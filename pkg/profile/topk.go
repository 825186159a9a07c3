package profile

import (
	"cmp"
	"slices"
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

	// counts is the working form; values are pointers so that counting a
	// value already present does not allocate its key again.
	counts map[string]int64
}

// Item is one value and its (lower-bound) count.
type Item struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Add counts one value.
func (t *TopK) Add(v []byte) {
	if t.counts == nil {
		t.load()
	}
	t.N++
	if _, ok := t.counts[string(v)]; ok {
		t.counts[string(v)]++ // no allocation: the key exists
		return
	}
	t.counts[string(v)] = 1
	if len(t.counts) > 2*TopKCapacity {
		t.reduce()
	}
}

// Merge folds o in.
func (t *TopK) Merge(o *TopK) {
	if t.counts == nil {
		t.load()
	}
	t.N += o.N
	t.MaxError += o.MaxError
	for _, it := range o.list() {
		t.counts[it.Value] += it.Count
	}
	if len(t.counts) > TopKCapacity {
		t.reduce()
	}
}

// load rebuilds the working map from the encoded items.
func (t *TopK) load() {
	t.counts = make(map[string]int64, len(t.Items))
	for _, it := range t.Items {
		t.counts[it.Value] = it.Count
	}
}

// list is the current items, most frequent first, ties by value.
func (t *TopK) list() []Item {
	if t.counts == nil {
		return t.Items
	}
	items := make([]Item, 0, len(t.counts))
	for v, c := range t.counts {
		items = append(items, Item{Value: v, Count: c})
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
// depends on the counts only, not on the map's order.
func (t *TopK) reduce() {
	if len(t.counts) <= TopKCapacity {
		return
	}
	counts := make([]int64, 0, len(t.counts))
	for _, c := range t.counts {
		counts = append(counts, c)
	}
	slices.SortFunc(counts, func(a, b int64) int { return cmp.Compare(b, a) })
	cut := counts[TopKCapacity]
	t.MaxError += cut
	for v, c := range t.counts {
		if c <= cut {
			delete(t.counts, v)
		} else {
			t.counts[v] = c - cut
		}
	}
}

// finish reduces to the capacity and fixes Items and Other for encoding.
func (t *TopK) finish() {
	if t.counts == nil {
		t.load()
	}
	if len(t.counts) > TopKCapacity {
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
