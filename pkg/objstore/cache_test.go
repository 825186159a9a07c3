package objstore

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync"
	"testing"
)

// memBackend serves one object from memory and counts each byte it sends.
type memBackend struct {
	data []byte
	mu   sync.Mutex
	sent []int // sent[i] is how often byte i was sent
}

func (m *memBackend) stat(context.Context, string) (int64, string, error) {
	return int64(len(m.data)), "v1", nil
}
func (m *memBackend) read(_ context.Context, _, _ string, off int64, dst []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range dst {
		m.sent[off+int64(i)]++
	}
	copy(dst, m.data[off:])
	return nil
}
func (m *memBackend) list(context.Context, string, func(string) error) error { return nil }
func (m *memBackend) credentials() string                                    { return "test" }
func (m *memBackend) close() error                                           { return nil }

// TestReadsFetchEachByteOnce reads a 1 MiB object the way a scan of tiny
// pages does (overlapping header reads, then prefetched chunks read in
// pieces), in parallel: every read returns the object's bytes, and no byte
// is fetched twice while the cache holds it.
func TestReadsFetchEachByteOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	m := &memBackend{data: data, sent: make([]int, len(data))}
	s := New(Options{TailSize: 64 << 10, BlockSize: 64 << 10, CacheBlocks: 64})
	s.buckets["s3://b"] = m
	o, err := s.Open(context.Background(), "s3://b/k")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for off := int64(w * 1000); off < int64(len(data)); off += 300 {
				n := 1 + r.IntN(1024)
				if w%2 == 1 && off%(128<<10) < 300 {
					o.Prefetch(off, 100<<10)
				}
				p := make([]byte, n)
				got, err := o.ReadAt(p, off)
				if err != nil && got != int(min(int64(n), int64(len(data))-off)) {
					t.Errorf("ReadAt(%d, %d): %d, %v", n, off, got, err)
					return
				}
				if !bytes.Equal(p[:got], data[off:off+int64(got)]) {
					t.Errorf("ReadAt(%d, %d): wrong bytes", n, off)
					return
				}
			}
		}()
	}
	wg.Wait()
	rec := o.Record()
	if rec.BytesRead > int64(len(data)) {
		t.Errorf("read %d bytes of %d in %d requests", rec.BytesRead, len(data), rec.Requests)
	}
	if s.cache.bytes > s.cache.max {
		t.Errorf("cache holds %d bytes, more than its %d", s.cache.bytes, s.cache.max)
	}
	t.Logf("%d bytes in %d requests", rec.BytesRead, rec.Requests)
}
