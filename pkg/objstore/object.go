package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Record is what reading an object cost: the evidence carries it beside the
// object's size and version.
type Record struct {
	Requests  int64 `json:"requests"`
	BytesRead int64 `json:"bytesRead"`
}

// ChangedError says an object was replaced after it was first read: the run
// would otherwise mix two versions of the data.
type ChangedError struct {
	URL     string
	Version string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed during the run (it was version %s when first read); run again on data that is not being rewritten", e.URL, e.Version)
}

// errChanged is what a backend returns for a failed version condition.
var errChanged = errors.New("the object's version changed")

// Object is an open remote object: an io.ReaderAt pinned to the version seen
// at Open. It is safe for concurrent use.
type Object struct {
	URL     string
	size    int64
	version string
	key     string
	b       backend
	s       *Store
	ctx     context.Context

	mu        sync.Mutex
	prefetch  [][2]int64 // announced ranges, sorted by start
	requests  atomic.Int64
	bytesRead atomic.Int64
}

// Size is the object's size in bytes.
func (o *Object) Size() int64 { return o.size }

// Version is the ETag, generation or version id every read is pinned to.
func (o *Object) Version() string { return o.version }

// Record returns the requests made and bytes read so far.
func (o *Object) Record() Record {
	return Record{Requests: o.requests.Load(), BytesRead: o.bytesRead.Load()}
}

// Close is a no-op: the clients belong to the Store.
func (o *Object) Close() error { return nil }

// Open stats the object and reads its tail. ctx bounds every later read.
func (s *Store) Open(ctx context.Context, rawURL string) (*Object, error) {
	l, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, l)
	if err != nil {
		return nil, err
	}
	o := &Object{URL: l.String(), key: l.key, b: b, s: s, ctx: ctx}
	if l.key == "" && l.scheme != "https" && l.scheme != "http" {
		return nil, fmt.Errorf("%s: no object key", o.URL)
	}
	if l.raw != "" {
		o.key = l.raw
	}
	err = s.retry(ctx, func() error {
		o.requests.Add(1)
		var err error
		o.size, o.version, err = b.stat(ctx, o.key)
		return err
	})
	if err != nil {
		return nil, s.describe(o.URL, b, err)
	}
	// The tail (footer, and the page index when adjacent) goes into the
	// Store's block cache like any read: its bytes count against the one
	// budget, so a dataset of many files holds no tail per file.
	n := min(o.size, s.opts.TailSize)
	if b := s.cache.reserve(o, o.size-n, n); b != nil {
		err := o.fetch(o.size-n, b.data)
		s.cache.fill(b, err == nil)
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Prefetch announces that [off, off+n) is about to be read in full (a column
// chunk): reads inside it are coalesced into blocks.
func (o *Object) Prefetch(off, n int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prefetch = append(o.prefetch, [2]int64{off, off + n})
	sort.Slice(o.prefetch, func(i, j int) bool { return o.prefetch[i][0] < o.prefetch[j][0] })
}

// span returns the end of the announced range holding off, if any.
func (o *Object) span(off int64) (end int64, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.prefetch {
		if r[0] <= off && off < r[1] {
			end, ok = max(end, r[1]), true
		}
	}
	return end, ok
}

// ReadAt implements io.ReaderAt. Bytes already fetched and still cached
// (the tail, blocks) are never fetched again, nor are bytes another reader is
// fetching: a miss reserves the range up to the next cached or reserved
// byte, so a file of tiny pages, whose header reads overlap, costs at most
// its size even when its chunks are read in parallel.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset", o.URL)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := p
	if int64(len(p)) > o.size-off {
		want = p[:o.size-off]
	}
	done := 0
	for done < len(want) {
		at := off + int64(done)
		rest := want[done:]
		// Never read into a cached block (the tail among them): it is at hand.
		n, wait, stop := o.s.cache.get(o, at, rest)
		if n > 0 {
			done += n
			continue
		}
		if wait != nil {
			<-wait // another reader is fetching it
			continue
		}
		limit := min(int64(len(rest)), stop-at)
		end, inSpan := o.span(at)
		if limit >= o.s.opts.BlockSize {
			// Large reads go straight to the caller, uncached.
			if err := o.fetch(at, rest[:limit]); err != nil {
				return done, err
			}
			done += int(limit)
			continue
		}
		// Small reads are kept (page headers are read again by a later
		// scan); inside an announced range, a whole block is read.
		bl := limit
		if inSpan {
			bl = max(min(o.s.opts.BlockSize, end-at, stop-at), limit)
		}
		b := o.s.cache.reserve(o, at, bl)
		if b == nil {
			continue // reserved by another reader meanwhile
		}
		err := o.fetch(at, b.data)
		o.s.cache.fill(b, err == nil)
		if err != nil {
			return done, err
		}
		done += copy(rest[:limit], b.data)
	}
	if len(want) < len(p) {
		return done, io.EOF
	}
	return done, nil
}

// fetch reads dst at off with one conditional request, retried as needed.
func (o *Object) fetch(off int64, dst []byte) error {
	err := o.s.retry(o.ctx, func() error {
		o.requests.Add(1)
		err := o.b.read(o.ctx, o.key, o.version, off, dst)
		if err == nil {
			o.bytesRead.Add(int64(len(dst)))
		}
		return err
	})
	if errors.Is(err, errChanged) {
		return &ChangedError{URL: o.URL, Version: o.version}
	}
	if err != nil {
		return o.s.describe(o.URL, o.b, err)
	}
	return nil
}

// retry runs op, retrying transient failures with exponential backoff and
// jitter; it holds one of the Store's request slots while op runs.
func (s *Store) retry(ctx context.Context, op func() error) error {
	delay := s.opts.RetryBase
	for attempt := 0; ; attempt++ {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		err := op()
		<-s.sem
		if err == nil || attempt >= s.opts.Retries || !transient(err) {
			return err
		}
		t := time.NewTimer(delay/2 + rand.N(delay))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		delay *= 2
	}
}

// CachedBytes is what the Store's block cache holds now: at most BlockSize ×
// CacheBlocks bytes, however many objects are open.
func (s *Store) CachedBytes() int64 {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.bytes
}

// blockCache keeps the most recently fetched blocks of every object of a
// Store, so memory is bounded by max bytes whatever the number of files;
// the budget is in bytes, so that many tiny blocks (page headers) do not
// evict each other. A block is reserved before it is fetched, so readers
// of the same bytes wait for one request instead of sending their own.
type blockCache struct {
	mu    sync.Mutex
	max   int64
	bytes int64
	// blocks[o] is sorted by offset and never overlaps: a block is fetched
	// only up to the next cached or reserved one.
	blocks map[*Object][]*cached
	order  []*cached // oldest first
}

type cached struct {
	o     *Object
	off   int64
	data  []byte
	ready chan struct{} // closed once data is fetched (or failed)
	ok    bool
}

// find returns the index of the first block of o ending after off.
func (c *blockCache) find(o *Object, off int64) int {
	bs := c.blocks[o]
	return sort.Search(len(bs), func(i int) bool { return bs[i].off+int64(len(bs[i].data)) > off })
}

// get copies what a cached block holds from off into p. Otherwise it
// returns the channel to wait on when the block is being fetched, or where
// the next block of o begins (MaxInt64 when none).
func (c *blockCache) get(o *Object, off int64, p []byte) (n int, wait <-chan struct{}, next int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	bs := c.blocks[o]
	i := c.find(o, off)
	if i == len(bs) {
		return 0, nil, math.MaxInt64
	}
	b := bs[i]
	if b.off > off {
		return 0, nil, b.off
	}
	select {
	case <-b.ready:
		return copy(p, b.data[off-b.off:]), nil, 0
	default:
		return 0, b.ready, 0
	}
}

// reserve adds a block of n bytes at off, to be fetched and then filled;
// nil when another reader reserved bytes at off first.
func (c *blockCache) reserve(o *Object, off, n int64) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocks == nil {
		c.blocks = map[*Object][]*cached{}
	}
	bs := c.blocks[o]
	i := c.find(o, off)
	if i < len(bs) && bs[i].off < off+n {
		return nil
	}
	b := &cached{o: o, off: off, data: make([]byte, n), ready: make(chan struct{})}
	c.blocks[o] = slices.Insert(bs, i, b)
	c.order = append(c.order, b)
	c.bytes += n
	for c.bytes > c.max && len(c.order) > 1 {
		c.drop(c.order[0])
		c.order = c.order[1:]
	}
	return b
}

// fill marks a reserved block fetched, or drops it when the fetch failed.
func (c *blockCache) fill(b *cached, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b.ok = ok
	if !ok {
		c.drop(b)
		c.order = slices.DeleteFunc(c.order, func(x *cached) bool { return x == b })
	}
	close(b.ready)
}

// drop removes b from its object's blocks.
func (c *blockCache) drop(b *cached) {
	bs := c.blocks[b.o]
	if j := slices.Index(bs, b); j >= 0 {
		c.bytes -= int64(len(b.data))
		bs = slices.Delete(bs, j, j+1)
	}
	if len(bs) == 0 {
		delete(c.blocks, b.o)
	} else {
		c.blocks[b.o] = bs
	}
}
