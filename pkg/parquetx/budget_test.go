package parquetx

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type wideRow struct {
	A string `parquet:"a"`
	B string `parquet:"b"`
	C string `parquet:"c"`
	D string `parquet:"d"`
}

// TestScanStaysWithinMemoryBudget writes one row group whose four string
// chunks are each a single page of about 12 MiB (the layout of writers that
// put a whole row group in one page), and scans it with four workers under
// a 16 MiB budget: each chunk costs more than the budget, so the chunks must
// be read one at a time, the reservations never exceed the budget, and the
// live heap stays near one chunk's worth.
func TestScanStaysWithinMemoryBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 200_000
	w := parquet.NewGenericWriter[wideRow](out, parquet.PageBufferSize(64<<20), parquet.MaxRowsPerRowGroup(rows))
	batch := make([]wideRow, 0, 1000)
	for i := range rows {
		s := fmt.Sprintf("%058d", i) // 62 bytes a value with its length
		batch = append(batch, wideRow{s, s, s, s})
		if len(batch) == cap(batch) {
			if _, err := w.Write(batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// scan runs four workers over the four chunks. Each chunk, on its first
	// values, waits until every other chunk has either started or is waiting
	// for the budget, so that chunks the budget admits together do overlap.
	scan := func(memory int64) (b *budget, concurrent int, liveHeap uint64) {
		var mu sync.Mutex
		started, open := 0, 0
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		b = newBudget(memory)
		opts := ScanOptions{Workers: 4, Memory: memory, budget: b}
		deadline, ok := t.Deadline()
		if !ok {
			deadline = time.Now().Add(10 * time.Minute)
		}
		err := Scan(context.Background(), []*File{f}, []string{"a", "b", "c", "d"}, opts, func(c *Chunk) (ChunkVisitor, error) {
			first := true
			return &funcVisitor{values: func(Batch) {
				mu.Lock()
				defer mu.Unlock()
				if first { // the chunk's reservation is held from here to Close
					first = false
					started++
					open++
					concurrent = max(concurrent, open)
					for {
						b.mu.Lock()
						waiting := b.waiting
						b.mu.Unlock()
						if started+waiting >= 4 || time.Now().After(deadline) {
							break
						}
						mu.Unlock()
						time.Sleep(time.Millisecond)
						mu.Lock()
					}
				}
				metrics.Read(sample)
				liveHeap = max(liveHeap, sample[0].Value.Uint64())
			}, close: func() { mu.Lock(); open--; mu.Unlock() }}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return b, concurrent, liveHeap
	}
	const small = 16 << 20
	runtime.GC() // the live heap is measured at each collection; twice empties
	runtime.GC() // the pools the writer filled
	b, concurrent, live := scan(small)
	if b.peak > small {
		t.Errorf("reserved %d bytes at once, over the %d budget", b.peak, small)
	}
	if concurrent != 1 {
		t.Errorf("%d chunks were read at once under a budget smaller than one chunk, want 1", concurrent)
	}
	// One chunk's page: ~12 MiB compressed-ish input, the decompressed page
	// and its decoded values; four chunks at once would be four times that.
	if live > 64<<20 {
		t.Errorf("live heap reached %d MiB under a %d MiB budget", live>>20, small>>20)
	}
	if _, concurrent, _ := scan(1 << 30); concurrent < 2 {
		t.Errorf("a budget that fits every chunk read %d at once, want several", concurrent)
	}
}

// funcVisitor is a ChunkVisitor of two functions.
type funcVisitor struct {
	values func(Batch)
	close  func()
}

func (v *funcVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *funcVisitor) Values(b Batch) error                     { v.values(b); return nil }
func (v *funcVisitor) Close() error                             { v.close(); return nil }
