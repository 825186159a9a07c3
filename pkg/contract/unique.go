package contract

import (
	"encoding/binary"
	"fmt"
	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// keyCheck is exact uniqueness of a key of one or more columns (nulls are
// not keys, as in SQL). Pass 1 hashes every key to 64 bits into 256 buckets
// by top byte; the buckets are sorted in parallel and equal neighbours are
// candidate duplicates. Only when there are candidates does pass 2 re-read
// the key columns and compare the real values of the candidate rows, so a
// hash collision can never report a false duplicate. Memory is 8 bytes per
// row plus one row group of key hashes per worker.
type keyCheck struct {
	base
	columns []string
}

// keyRun is a key check's state over one run.
type keyRun struct {
	*keyCheck
	*outcome
	// sel is the rows its row filter keeps (nil: all); a row left out is
	// no key, as a null is not.
	sel  *selection
	seed maphash.Seed
	// hashOf is hash, or a colliding stand-in in tests of pass 2.
	hashOf func(parquet.Value) uint64
	// shard, when set, keeps only the keys whose hash modulo Count is
	// Index; hashOf is then stableHash, the same in every process.
	shard *evidence.Shard

	mu      sync.Mutex
	buckets [256][]uint64
	groups  map[rgID]*rgKeys
	// bits, when set, holds pass 1 of a key of one integer column whose
	// statistics bound it to [lo, lo+span): a bit per possible value instead
	// of a hash per row. Values outside the range (only when statistics
	// lie) still take the hash path; the two never hold equal values.
	bits     []uint64
	lo, span uint64
	bitDups  []uint64 // hashes of values whose bit was already set
	// customHash is set when tests replace hashOf, so pages of numbers
	// take the generic path through it.
	customHash bool
	// Pass 2 state: candidate hashes and, per real key, its occurrences.
	candidates map[uint64]struct{}
	seen       map[string]*occurrences
}

// occurrences counts one key's rows and keeps the first few, so memory is
// per distinct duplicated key, not per duplicate row.
type occurrences struct {
	count int64
	first []example
}

func (o *occurrences) add(e example) {
	o.count++
	o.first = append(o.first, e)
	if len(o.first) > 2*(maxExamples+1) {
		sortExamples(o.first)
		o.first = o.first[:maxExamples+1]
	}
}

func sortExamples(ex []example) {
	slices.SortFunc(ex, func(a, b example) int {
		if a.file != b.file {
			return a.file - b.file
		}
		return int(a.row - b.row)
	})
}

type rgID struct{ file, rg int }

// rgKeys gathers the key columns of one row group until all have arrived.
// foundKey is a candidate row's real key and where it was found (pass 2).
type foundKey struct {
	key string
	ex  example
}

// keyString is the real key of one or more column values: each value's
// bytes after their length, so that keys of several columns never run
// into each other.
func keyString(values ...[]byte) string {
	var key strings.Builder
	for _, v := range values {
		var l [4]byte
		binary.LittleEndian.PutUint32(l[:], uint32(len(v)))
		key.Write(l[:])
		key.Write(v)
	}
	return key.String()
}

type rgKeys struct {
	hashes  [][]uint64
	nulls   [][]bool
	raw     [][][]byte // pass 2: the value bytes of candidate rows
	display [][]any
	left    int
}

func (kc *keyCheck) start() *keyRun {
	k := &keyRun{keyCheck: kc, outcome: newOutcome(time.Time{}), seed: maphash.MakeSeed(), groups: map[rgID]*rgKeys{}}
	k.hashOf = k.hash
	return k
}

// useBitmap switches pass 1 to a bitmap when the key is one Int32 or Int64
// column and the chunk statistics bound its values to a range of at most 8
// values per row (at most a byte per row, against 8 for hashes).
func (k *keyRun) useBitmap(files []*parquetx.File) {
	if len(k.columns) != 1 {
		return
	}
	var lo, hi, rows int64
	first := true
	for _, f := range files {
		col := f.Schema.Lookup(k.columns[0])
		if col == nil {
			return
		}
		for rg := range f.NumRowGroups() {
			st, err := f.Stats(rg, col)
			if err != nil || st.NumRows == 0 {
				if err != nil {
					return
				}
				continue
			}
			if !st.HasMin || !st.HasMax || st.Min.Kind() != st.Max.Kind() {
				return
			}
			var a, b int64
			switch st.Min.Kind() {
			case parquet.Int32:
				a, b = int64(st.Min.Int32()), int64(st.Max.Int32())
			case parquet.Int64:
				a, b = st.Min.Int64(), st.Max.Int64()
			default:
				return
			}
			if first || a < lo {
				lo = a
			}
			if first || b > hi {
				hi = b
			}
			first = false
			rows += st.NumRows
		}
	}
	span := uint64(hi) - uint64(lo) + 1
	if first || hi < lo || span == 0 || span > 8*uint64(rows) {
		return
	}
	k.lo, k.span, k.bits = uint64(lo), span, make([]uint64, (span+63)/64)
}

// mix64 is the splitmix64 finaliser: a bijection, so distinct integers never
// collide.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// numberHash hashes a boolean or number (floats as SQL compares them);
// ok is false for byte values.
func numberHash(v parquet.Value) (h uint64, ok bool) {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return mix64(1), true
		}
		return mix64(0), true
	case parquet.Int32:
		return mix64(uint64(uint32(v.Int32()))), true
	case parquet.Int64:
		return mix64(uint64(v.Int64())), true
	case parquet.Float:
		return mix64(parquetx.FloatKey(float64(v.Float()))), true
	case parquet.Double:
		return mix64(parquetx.FloatKey(v.Double())), true
	}
	return 0, false
}

func (k *keyRun) hash(v parquet.Value) uint64 {
	if h, ok := numberHash(v); ok {
		return h
	}
	return maphash.Bytes(k.seed, v.Bytes())
}

// stableHash is hash with a fixed function for bytes, so that every shard
// assigns a key to the same shard.
func stableHash(v parquet.Value) uint64 {
	if h, ok := numberHash(v); ok {
		return h
	}
	return xxhash.Sum64(v.Bytes())
}

// owns reports whether a key hash belongs to the shard.
func (k *keyRun) owns(h uint64) bool {
	return k.shard == nil || h%uint64(k.shard.Count) == uint64(k.shard.Index)
}

// keyBytes is the value's bytes for comparing keys, with floats compared as
// SQL does: -0.0 equals 0.0 and NaN equals NaN.
func keyBytes(v parquet.Value) []byte {
	switch v.Kind() {
	case parquet.Float:
		return binary.LittleEndian.AppendUint64(nil, parquetx.FloatKey(float64(v.Float())))
	case parquet.Double:
		return binary.LittleEndian.AppendUint64(nil, parquetx.FloatKey(v.Double()))
	}
	return append([]byte(nil), v.Bytes()...)
}

// keyChunk is the key check's part of one chunk visit.
type keyChunk struct {
	k       *keyRun
	chunk   *parquetx.Chunk
	fileIdx int
	colIdx  int
	pass2   bool
	hashes  []uint64
	nulls   []bool
	raw     [][]byte
	display []any
	// The bitmap path of pass 1: values counted, duplicate hashes, and the
	// hashes of values outside the bitmap's range.
	nonNull     int64
	dups, extra []uint64
	// mask, when set, holds the rows of the chunk its filter keeps.
	mask *roaring64.Bitmap
	// found, in pass 2 of a key of one column, are the candidate rows' keys,
	// taken as the values come: no per-row buffers of values.
	found []foundKey
}

func (k *keyRun) startChunk(c *parquetx.Chunk, fileIdx int, pass2 bool) *keyChunk {
	col := slices.Index(k.columns, c.Column.Path)
	n := c.Stats.NumRows
	if k.bits != nil && !pass2 {
		return &keyChunk{k: k, chunk: c, fileIdx: fileIdx, colIdx: col}
	}
	kc := &keyChunk{k: k, chunk: c, fileIdx: fileIdx, colIdx: col, pass2: pass2, hashes: make([]uint64, n), nulls: make([]bool, n)}
	// Excluded rows never reach values: as nulls, they are no key.
	c.File.EachExcluded(c.FirstRow, n, func(row int64) { kc.nulls[row-c.FirstRow] = true })
	if pass2 && len(k.columns) > 1 {
		kc.raw = make([][]byte, n)
		kc.display = make([]any, n)
	}
	return kc
}

func (kc *keyChunk) values(b parquetx.Batch) {
	if kc.hashes == nil {
		kc.bitmapValues(b)
		return
	}
	for i, v := range b.Values {
		r := b.Rows[i] - kc.chunk.FirstRow
		if v.IsNull() || kc.mask != nil && !kc.mask.Contains(uint64(b.Rows[i])) {
			kc.nulls[r] = true
			continue
		}
		h := kc.k.hashOf(v)
		kc.hashes[r] = h
		switch {
		case !kc.pass2:
		case kc.raw != nil:
			kc.raw[r] = keyBytes(v)
			kc.display[r] = kc.chunk.Column.Display(v)
		case kc.k.owns(h) && kc.k.isCandidate(h):
			kc.found = append(kc.found, foundKey{keyString(keyBytes(v)), example{file: kc.fileIdx, fileName: kc.chunk.File.Path,
				rowGroup: kc.chunk.RowGroup, row: b.Rows[i], value: kc.chunk.Column.Display(v)}})
		}
	}
}

// numberPage takes pass 1 of a page of numbers (Page.Int64...) straight
// from the machine values, hashing them as hash does; false when the page
// holds no numbers, in pass 2 (which needs the values), or when tests
// replace the hash.
func (kc *keyChunk) numberPage(p *parquetx.Page) bool {
	k := kc.k
	if kc.pass2 || k.customHash || kc.mask != nil { // a filter's rows go value by value
		return false
	}
	switch {
	case p.Int64 != nil:
		kc.numbers(p, len(p.Int64), func(i int) (int64, uint64, bool) {
			return p.Int64[i], uint64(p.Int64[i]), true
		})
	case p.Int32 != nil:
		kc.numbers(p, len(p.Int32), func(i int) (int64, uint64, bool) {
			return int64(p.Int32[i]), uint64(uint32(p.Int32[i])), true
		})
	case p.Double != nil:
		kc.numbers(p, len(p.Double), func(i int) (int64, uint64, bool) {
			return 0, parquetx.FloatKey(p.Double[i]), false
		})
	case p.Float != nil:
		kc.numbers(p, len(p.Float), func(i int) (int64, uint64, bool) {
			return 0, parquetx.FloatKey(float64(p.Float[i])), false
		})
	default:
		return false
	}
	return true
}

// numbers runs pass 1 over the n values of a page; at(i) is value i as an
// integer for the bitmap (when isInt) and as the word hash mixes.
func (kc *keyChunk) numbers(p *parquetx.Page, n int, at func(int) (x int64, word uint64, isInt bool)) {
	k := kc.k
	if kc.hashes == nil {
		kc.nonNull += int64(n)
		for i := range n {
			x, word, isInt := at(i)
			if off := uint64(x) - k.lo; isInt && off < k.span {
				bit := uint64(1) << (off & 63)
				if atomic.OrUint64(&k.bits[off>>6], bit)&bit != 0 {
					kc.dups = append(kc.dups, mix64(word))
				}
				continue
			}
			kc.extra = append(kc.extra, mix64(word))
		}
		return
	}
	base := int(p.FirstRow - kc.chunk.FirstRow)
	hashes, nulls := kc.hashes[base:base+p.Rows], kc.nulls[base:base+p.Rows]
	i := 0
	for r := range hashes {
		if p.Def != nil && p.Def[r] != p.MaxDef {
			nulls[r] = true
			continue
		}
		_, word, _ := at(i)
		hashes[r] = mix64(word)
		i++
	}
}

// bitmapValues sets each value's bit; a bit already set is a duplicate.
func (kc *keyChunk) bitmapValues(b parquetx.Batch) {
	k := kc.k
	for i, v := range b.Values {
		if v.IsNull() || kc.mask != nil && !kc.mask.Contains(uint64(b.Rows[i])) {
			continue
		}
		kc.nonNull++
		var x uint64
		switch v.Kind() {
		case parquet.Int32:
			x = uint64(int64(v.Int32()))
		case parquet.Int64:
			x = uint64(v.Int64())
		default:
			kc.extra = append(kc.extra, k.hash(v))
			continue
		}
		if off := x - k.lo; off < k.span {
			bit := uint64(1) << (off & 63)
			if atomic.OrUint64(&k.bits[off>>6], bit)&bit != 0 {
				kc.dups = append(kc.dups, k.hash(v))
			}
			continue
		}
		kc.extra = append(kc.extra, k.hash(v))
	}
}

// active reports whether the check reads data in pass 1, or in pass 2 (only
// when pass 1 found candidate duplicates).
func (k *keyRun) active(pass2 bool) bool {
	return k.broken == "" && (!pass2 || len(k.candidates) > 0)
}

func (k *keyRun) isCandidate(h uint64) bool {
	_, ok := k.candidates[h]
	return ok
}

// close hands the chunk to its row group; the last key column combines them.
func (kc *keyChunk) close() {
	k := kc.k
	if kc.hashes == nil {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.total += kc.nonNull
		k.bitDups = append(k.bitDups, kc.dups...)
		for _, h := range kc.extra {
			k.buckets[h>>56] = append(k.buckets[h>>56], h)
		}
		return
	}
	id := rgID{kc.fileIdx, kc.chunk.RowGroup}
	k.mu.Lock()
	g := k.groups[id]
	if g == nil {
		n := len(k.columns)
		g = &rgKeys{hashes: make([][]uint64, n), nulls: make([][]bool, n), raw: make([][][]byte, n), display: make([][]any, n), left: n}
		k.groups[id] = g
	}
	g.hashes[kc.colIdx], g.nulls[kc.colIdx] = kc.hashes, kc.nulls
	g.raw[kc.colIdx], g.display[kc.colIdx] = kc.raw, kc.display
	g.left--
	done := g.left == 0
	if done {
		delete(k.groups, id)
	}
	k.mu.Unlock()
	if done {
		k.combine(kc, g)
	}
}

// combine turns one row group's column hashes into key hashes (pass 1) or
// records the candidate rows' real keys (pass 2).
func (k *keyRun) combine(kc *keyChunk, g *rgKeys) {
	n := len(g.hashes[0])
	var local [256][]uint64
	var nonNull int64
	found := kc.found
	for r := 0; r < n && (!kc.pass2 || kc.raw != nil); r++ {
		h, null := uint64(0), false
		for c := range g.hashes {
			if g.nulls[c][r] {
				null = true
				break
			}
			if c == 0 {
				h = g.hashes[c][r]
			} else {
				h = mix64(h*0x9e3779b97f4a7c15 + g.hashes[c][r])
			}
		}
		if null || !k.owns(h) {
			continue
		}
		nonNull++
		if !kc.pass2 {
			local[h>>56] = append(local[h>>56], h)
			continue
		}
		if !k.isCandidate(h) {
			continue
		}
		var raw [][]byte
		var shown []any
		for c := range g.raw {
			raw = append(raw, g.raw[c][r])
			shown = append(shown, g.display[c][r])
		}
		row := kc.chunk.FirstRow + int64(r)
		found = append(found, foundKey{keyString(raw...), example{file: kc.fileIdx, fileName: kc.chunk.File.Path, rowGroup: kc.chunk.RowGroup, row: row, value: shown}})
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !kc.pass2 {
		k.total += nonNull
		for b := range local {
			k.buckets[b] = append(k.buckets[b], local[b]...)
		}
		return
	}
	for _, f := range found {
		o := k.seen[f.key]
		if o == nil {
			o = &occurrences{}
			k.seen[f.key] = o
		}
		o.add(f.ex)
	}
}

// findCandidates finds the hashes seen twice, bucket by bucket in parallel:
// each bucket goes through an open-addressing hash set sized for it, which
// stays in cache and is linear, unlike sorting. It reports whether pass 2 is
// needed.
func (k *keyRun) findCandidates() bool {
	var mu sync.Mutex
	k.candidates = map[uint64]struct{}{}
	for _, h := range k.bitDups {
		k.candidates[h] = struct{}{}
	}
	k.bits, k.bitDups = nil, nil
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var table []uint64
			for b := range next {
				var dups []uint64
				table, dups = repeated(k.buckets[b], table)
				k.buckets[b] = nil
				if len(dups) > 0 {
					mu.Lock()
					for _, h := range dups {
						k.candidates[h] = struct{}{}
					}
					mu.Unlock()
				}
			}
		}()
	}
	for b := range k.buckets {
		next <- b
	}
	close(next)
	wg.Wait()
	k.seen = map[string]*occurrences{}
	return len(k.candidates) > 0
}

// repeated returns the values that occur more than once in hashes, using
// table (grown as needed and returned for reuse) as a linear-probing set.
// Zero marks an empty slot, so zero itself is counted apart.
func repeated(hashes, table []uint64) ([]uint64, []uint64) {
	size := 1
	for size < 2*len(hashes) {
		size <<= 1
	}
	if cap(table) < size {
		table = make([]uint64, size)
	} else {
		table = table[:size]
		clear(table)
	}
	mask := uint64(size - 1)
	var dups []uint64
	zeros := 0
	for _, h := range hashes {
		if h == 0 {
			if zeros++; zeros == 2 {
				dups = append(dups, 0)
			}
			continue
		}
		for i := h & mask; ; i = (i + 1) & mask {
			if table[i] == 0 {
				table[i] = h
				break
			}
			if table[i] == h {
				dups = append(dups, h)
				break
			}
		}
	}
	return table, dups
}

// finish counts the confirmed duplicates: every occurrence after the first.
func (k *keyRun) finish() {
	k.tiers[tierScan] = true
	for _, o := range k.seen {
		if o.count < 2 {
			continue
		}
		sortExamples(o.first)
		k.failures += o.count - 1
		k.examples = append(k.examples, o.first[1:]...)
		if len(k.examples) > 4*maxExamples {
			k.trimExamples()
		}
	}
	k.seen, k.candidates = nil, nil
}

func (k *keyRun) message() string {
	what := "values"
	if len(k.columns) > 1 {
		what = fmt.Sprintf("keys (%s)", keyText(k.columns))
	}
	return fmt.Sprintf("%s of %s %s are duplicates", count(k.failures), count(k.total), what) + mostlyNote(k.failures, k.total, k.mostly)
}
