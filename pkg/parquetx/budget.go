package parquetx

import "sync"

// DefaultMemory is the memory budget of a scan when ScanOptions.Memory is 0.
const DefaultMemory = 192 << 20

// budget is the scan's memory budget shared by its workers: before reading a
// chunk a worker reserves what its largest page and dictionary will cost in
// memory (chunkCost) and waits while the other workers hold the rest, so the
// pages in flight never exceed the budget together, whatever the writer's
// page and row-group sizes. A chunk dearer than the whole budget is read
// alone. peak (the most ever reserved at once) and waiting are for tests.
type budget struct {
	mu         sync.Mutex
	cond       sync.Cond
	total      int64
	used, peak int64
	waiting    int // workers waiting for a reservation
}

func newBudget(total int64) *budget {
	b := &budget{total: total}
	b.cond.L = &b.mu
	return b
}

// acquire reserves n bytes (at most the whole budget) and returns what it
// reserved, to be given back to release.
func (b *budget) acquire(n int64) int64 {
	n = max(min(n, b.total), 0)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used+n > b.total {
		b.waiting++
		b.cond.Wait()
		b.waiting--
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return n
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// chunkCost is the reservation for reading a chunk: its dictionary and its
// largest data page.
func chunkCost(dict *pageInfo, data []pageInfo) int64 {
	var n int64
	for i := range data {
		n = max(n, pageCost(&data[i]))
	}
	if dict != nil {
		n += pageCost(dict)
	}
	return n
}

// pageCost estimates the memory reading page p takes while it is decoded:
// its compressed bytes, the decompressed copy, the decoded values (at most
// the decompressed size again, plus offsets of byte-array values) and a
// byte per value for each level stream.
func pageCost(p *pageInfo) int64 {
	h := p.header
	var n int64
	switch {
	case h.DataPageHeader.Valid:
		n = int64(h.DataPageHeader.V.NumValues)
	case h.DataPageHeaderV2.Valid:
		n = int64(h.DataPageHeaderV2.V.NumValues)
	case h.DictionaryPageHeader.Valid:
		n = int64(h.DictionaryPageHeader.V.NumValues)
	}
	return int64(h.CompressedPageSize) + 2*int64(h.UncompressedPageSize) + 6*n
}
