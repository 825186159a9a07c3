package parquetx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/progress"
)

// ScanOptions tunes Scan. The zero value is ready to use.
type ScanOptions struct {
	// Workers is how many chunks are read at once; GOMAXPROCS when 0.
	Workers int
	// MaxPageSize refuses pages whose uncompressed size is larger, so one
	// huge value cannot exhaust memory; DefaultMaxPageSize when 0.
	MaxPageSize int64
	// Memory bounds the bytes the workers' pages take at once (compressed,
	// decompressed and decoded, and the dictionaries they use; for a
	// streamed PLAIN page, its read and stream buffers and the
	// decompressor's window): a worker waits for the others before reading
	// a page that would exceed it. A page larger than the budget is read
	// alone. DefaultMemory when 0.
	Memory int64
	// BatchSize is the number of values per Values call; 4096 when 0.
	BatchSize int
	// PagesDecoded, when set, counts the data pages read, so tests can
	// prove that metadata decided a check without decoding.
	PagesDecoded *atomic.Int64

	budget *budget // shared by the workers; set by Scan
}

// DefaultMaxPageSize is the largest uncompressed page Scan decodes by default.
const DefaultMaxPageSize = 256 << 20

// Chunk is one column of one row group of one file.
type Chunk struct {
	File     *File
	RowGroup int
	Column   *Column
	// FirstRow is the absolute row number (0-based, within the file) of the
	// row group's first row.
	FirstRow int64
	Stats    ChunkStats
}

// Batch is a run of decoded values of one chunk, in file order. Values,
// including the bytes of byte-array values, are only valid during the call.
type Batch struct {
	Values []parquet.Value
	// Rows[i] is the absolute row number (0-based, within the file) of the
	// row that holds Values[i]; repeated columns hold several values per row.
	Rows []int64
}

// ChunkVisitor consumes one chunk. Scan calls it from a single goroutine:
// Dictionary first (only for fully dictionary-encoded chunks), then Values
// for each batch, then Close.
type ChunkVisitor interface {
	// Dictionary receives the chunk's distinct values. Returning false skips
	// decoding the data pages: the dictionary decided everything.
	Dictionary(values []parquet.Value) (needValues bool, err error)
	Values(b Batch) error
	Close() error
}

// PageVisitor is a ChunkVisitor that takes the byte-array and
// dictionary-encoded pages of a flat column whole, as decoded, rather than
// as a parquet.Value per value: checks then loop over the value bytes, or
// judge each dictionary entry once. Other pages still come through Values.
type PageVisitor interface {
	Page(p Page) error
}

// NumberPageVisitor is a PageVisitor that also takes pages of INT32, INT64,
// FLOAT and DOUBLE values whole (Page.Int32, Int64, Float or Double), so that
// checks and keys loop over machine numbers instead of a parquet.Value each.
type NumberPageVisitor interface {
	PageVisitor
	NumberPages()
}

// Page is one decoded data page of a flat column, valid only during the
// Page call. Scan has checked that its levels, data and dictionary indexes
// agree.
type Page struct {
	// FirstRow is the absolute row number (0-based, within the file) of the
	// page's first row; the page holds Rows rows, one value (or null) each.
	FirstRow int64
	Rows     int
	// Def holds a definition level per row when the column is optional: a
	// row holds a value when its level is MaxDef. Nil when every row does.
	Def    []byte
	MaxDef byte
	// Dict, when set, is the dictionary Index numbers into; otherwise
	// Bytes and Offsets hold the values, value i being
	// Bytes[Offsets[i]:Offsets[i+1]]. Either way only non-null values are
	// there, in row order.
	Dict    parquet.Dictionary
	Index   []int32
	Bytes   []byte
	Offsets []uint32
	// For a NumberPageVisitor, a page of numbers holds its non-null values
	// in one of these (not nil, even when empty), by the column's physical
	// type; Offsets is then nil.
	Int32  []int32
	Int64  []int64
	Float  []float32
	Double []float64
}

// OpenChunk starts the visit of a chunk; it returns nil to skip the chunk.
type OpenChunk func(c *Chunk) (ChunkVisitor, error)

// Scan reads the named leaf columns (dotted paths) of every file, spreading
// the chunks over opts.Workers goroutines. It stops at the first error, which
// is a *CorruptError when the data is malformed or contradicts its metadata.
func Scan(ctx context.Context, files []*File, columns []string, opts ScanOptions, open OpenChunk) error {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 4096
	}
	if opts.Memory <= 0 {
		opts.Memory = DefaultMemory
	}
	if opts.budget == nil {
		opts.budget = newBudget(opts.Memory)
	}
	var units []*Chunk
	for _, f := range files {
		var cols []*Column
		for _, name := range columns {
			c := f.Schema.Lookup(name)
			if c == nil || !c.Leaf {
				return fmt.Errorf("%s: no leaf column %q", f.Path, name)
			}
			cols = append(cols, c)
		}
		for rg := range f.meta.RowGroups {
			for _, c := range cols {
				st, err := f.Stats(rg, c)
				if err != nil {
					return err
				}
				units = append(units, &Chunk{File: f, RowGroup: rg, Column: c, FirstRow: f.RowGroupStart[rg], Stats: st})
			}
		}
	}
	// Progress counts the compressed bytes of the chunks visited.
	var total int64
	for _, u := range units {
		start, end := chunkRange(u)
		total += end - start
	}
	what := fmt.Sprintf("reading %d Parquet files", len(files))
	if len(files) == 1 {
		what = "reading " + filepath.Base(files[0].Path)
	}
	task := progress.Start(ctx, what, progress.Bytes, total)
	defer task.Done()
	// On an error, chunks after the failing one are skipped but earlier
	// ones still run, so the error reported is the first in file order
	// whatever the scheduling.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		errAt    = len(units)
		next     int
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= errAt || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for w := 0; w < min(opts.Workers, max(len(units), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]parquet.Value, opts.BatchSize)
			rows := make([]int64, opts.BatchSize)
			raw := new(rawReader)
			for {
				i, ok := take()
				if !ok {
					return
				}
				if err := scanChunk(ctx, units[i], opts, open, raw, buf, rows); err != nil {
					mu.Lock()
					if i < errAt {
						errAt, firstErr = i, err
					}
					mu.Unlock()
				}
				start, end := chunkRange(units[i])
				task.Add(end - start)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// corrupt reports that the chunk's data is malformed.
func (c *Chunk) corrupt(format string, args ...any) error {
	return &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: fmt.Sprintf(format, args...)}
}

// scanChunk visits one chunk and cross-checks what it decoded against the
// footer. A panic in the decoder becomes a CorruptError.
func scanChunk(ctx context.Context, c *Chunk, opts ScanOptions, open OpenChunk, raw *rawReader, buf []parquet.Value, rows []int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.corrupt("the Parquet reader crashed on it (%v)", r)
		}
	}()
	if ctx.Err() != nil {
		return nil
	}
	if c.Column.Const != nil {
		return scanConst(ctx, c, opts, open, buf, rows)
	}
	v, err := open(c)
	if err != nil || v == nil {
		return err
	}
	v = maskChunk(c, v)
	if p, ok := c.File.file.(prefetcher); ok && !c.Stats.DictionaryOnly {
		start, end := chunkRange(c)
		p.Prefetch(start, end-start)
	}
	dict, dataPages, err := checkPageHeaders(c, opts.MaxPageSize)
	if err != nil {
		return err
	}
	if dict != nil {
		if err := checkPageBody(c, dict, opts.MaxPageSize); err != nil {
			return err
		}
	}
	// A worker reads one page at a time, with the dictionary decoded
	// beside it, so one reservation per chunk covers both; a worker never
	// waits while holding a reservation, so the workers cannot deadlock.
	// The raw reader streams its pages and reserves what that holds,
	// raising the reservation (releasing it first) when a page needs more.
	streamed := raw.takes(c, v, dict, dataPages)
	codec := c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData.Codec
	cost := chunkCost(dict, dataPages)
	if streamed {
		cost = chunkStreamCost(codec, dataPages)
	}
	held := opts.budget.acquire(cost)
	defer func() { opts.budget.release(held) }()
	hold := func(n int64) {
		if n > held {
			opts.budget.release(held)
			held = opts.budget.acquire(n)
		}
	}
	chunk := c.File.pq.RowGroups()[c.RowGroup].ColumnChunks()[c.Column.Index]
	pages := chunk.Pages()
	defer pages.Close()
	if c.Stats.DictionaryOnly {
		fp, ok := pages.(*parquet.FilePages)
		if ok {
			// parquet-go checks page CRCs in ReadPage but not on this path.
			if err := verifyDictionaryCRC(c); err != nil {
				return err
			}
			dict, err := fp.ReadDictionary()
			if err != nil {
				return c.corrupt("reading the dictionary: %v", err)
			}
			if dict != nil {
				values := make([]parquet.Value, dict.Len())
				for i := range values {
					values[i] = dict.Index(int32(i))
				}
				need, err := v.Dictionary(values)
				if err != nil {
					return err
				}
				if !need {
					return v.Close()
				}
			}
		}
	}
	if sel, ok := v.(PageSelector); ok && c.Column.MaxRepetitionLevel == 0 {
		done, err := scanSelected(ctx, c, v, sel, pages, dict, dataPages, opts, hold, buf, rows)
		switch {
		case err != nil:
			return err
		case done && ctx.Err() != nil:
			return nil
		case done:
			return v.Close()
		}
	}
	if streamed {
		defer raw.trim()
		var n pageCount
		for k := range dataPages {
			if ctx.Err() != nil {
				return nil
			}
			rows, present, err := raw.read(c, &dataPages[k], c.FirstRow+n.rows, opts.MaxPageSize, hold, v.(PageVisitor).Page)
			if err != nil {
				return err
			}
			if opts.PagesDecoded != nil {
				opts.PagesDecoded.Add(1)
			}
			n.whole(rows, present)
		}
		return n.finish(c, v)
	}
	var n pageCount
	for k := 0; ; k++ {
		if ctx.Err() != nil {
			return nil
		}
		if k < len(dataPages) {
			if err := checkPageBody(c, &dataPages[k], opts.MaxPageSize); err != nil {
				return err
			}
		}
		err := n.readNext(c, pages, dataPages, k, codec, v, opts, buf, rows)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	return n.finish(c, v)
}

// finish checks what the pages of a chunk decoded against its metadata and
// closes the visit.
func (n *pageCount) finish(c *Chunk, v ChunkVisitor) error {
	switch {
	case n.values != c.Stats.NumValues:
		return c.corrupt("decoded %d values but the metadata says %d", n.values, c.Stats.NumValues)
	case n.rows != c.Stats.NumRows:
		return c.corrupt("decoded %d rows but the row group says %d", n.rows, c.Stats.NumRows)
	case c.Stats.HasNullCount && c.Column.MaxRepetitionLevel == 0 && n.nulls != c.Stats.NullCount:
		// Writers disagree on how to count nulls in repeated columns (empty
		// lists, null lists, null elements), so only flat columns are compared.
		return c.corrupt("decoded %d nulls but the statistics say %d", n.nulls, c.Stats.NullCount)
	}
	return v.Close()
}

// readNext reads data page k of the chunk through pages and passes its
// values to v; io.EOF when there are no more pages.
func (n *pageCount) readNext(c *Chunk, pages parquet.Pages, dataPages []pageInfo, k int, codec format.CompressionCodec, v ChunkVisitor, opts ScanOptions, buf []parquet.Value, rows []int64) error {
	page, err := pages.ReadPage()
	if errors.Is(err, io.EOF) {
		return err
	}
	if err != nil && k < len(dataPages) && dataPages[k].emptyV2(codec) {
		// parquet-go consumed the page before failing on it, so the
		// next ReadPage reads the next one.
		return n.readNulls(c, &dataPages[k], c.FirstRow, v, buf, rows)
	}
	if err != nil {
		return c.corrupt("%v", err)
	}
	return n.read(c, page, c.FirstRow, v, opts, buf, rows)
}

// CheckPages walks the page headers of leaf col in row group rg without
// decoding anything, as Scan does first: pages inside the chunk, within the
// page size limit (DefaultMaxPageSize when limit is 0), value counts adding
// up to the chunk's. A chunk that metadata decides is thus still checked
// for a corrupt page layout, at the cost of one small read per page.
func (f *File) CheckPages(rg int, col *Column, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxPageSize
	}
	if col.Const != nil {
		return nil // no pages
	}
	key := [3]int64{int64(rg), int64(col.Index), limit}
	f.statsMu.Lock()
	done := f.pagesChecked[key]
	f.statsMu.Unlock()
	if done {
		return nil
	}
	st, err := f.Stats(rg, col)
	if err != nil {
		return err
	}
	if _, _, err = checkPageHeaders(&Chunk{File: f, RowGroup: rg, Column: col, FirstRow: f.RowGroupStart[rg], Stats: st}, limit); err != nil {
		return err
	}
	f.statsMu.Lock()
	if f.pagesChecked == nil {
		f.pagesChecked = map[[3]int64]bool{}
	}
	f.pagesChecked[key] = true
	f.statsMu.Unlock()
	return nil
}

// PageSelector is a ChunkVisitor that can tell from the page index which
// pages of a chunk need decoding. Scan asks it for flat columns with a
// trusted page index; a visitor skipping a page accounts for it from its
// PageStats, since its values never reach Values.
type PageSelector interface {
	SelectPages(pages []PageStats) (need []bool)
}

// scanSelected decodes only the pages sel needs, seeking to each through the
// offset index. It returns false, having decoded nothing, when the chunk has
// no trusted page index or every page is needed. Each decoded page is checked
// against its index entry instead of the chunk's totals.
func scanSelected(ctx context.Context, c *Chunk, v ChunkVisitor, sel PageSelector, pages parquet.Pages, dict *pageInfo, dataPages []pageInfo, opts ScanOptions, hold func(int64), buf []parquet.Value, rows []int64) (bool, error) {
	fp, ok := pages.(*parquet.FilePages)
	fc, ok2 := c.File.pq.RowGroups()[c.RowGroup].ColumnChunks()[c.Column.Index].(*parquet.FileColumnChunk)
	if !ok || !ok2 {
		return false, nil
	}
	index, err := c.File.Pages(c.RowGroup, c.Column)
	if err != nil || len(index) != len(dataPages) {
		return false, err
	}
	// The offset index must locate the very pages the headers describe, or
	// the seeks below would land elsewhere.
	for i, p := range index {
		if p.span != dataPages[i].pageSpan {
			return false, nil
		}
	}
	need := sel.SelectPages(index)
	all := true
	for _, n := range need {
		all = all && n
	}
	if all {
		return false, nil
	}
	hold(chunkCost(dict, dataPages)) // parquet-go reads pages whole
	// parquet-go seeks pages through its own copy of the offset index, and
	// a page past the dictionary still needs the dictionary.
	if _, err := fc.OffsetIndex(); err != nil {
		return false, c.corrupt("reading the offset index: %v", err)
	}
	if err := verifyDictionaryCRC(c); err != nil {
		return false, err
	}
	if _, err := fp.ReadDictionary(); err != nil {
		return false, c.corrupt("reading the dictionary: %v", err)
	}
	for i, p := range index {
		if !need[i] {
			continue
		}
		if ctx.Err() != nil {
			return true, nil
		}
		if err := checkPageBody(c, &dataPages[i], opts.MaxPageSize); err != nil {
			return false, err
		}
		if err := fp.SeekToRow(p.FirstRow); err != nil {
			return false, c.corrupt("seeking page %d: %v", i, err)
		}
		page, err := fp.ReadPage()
		if err != nil {
			return false, c.corrupt("%v", err)
		}
		var n pageCount
		if err := n.read(c, page, c.FirstRow+p.FirstRow, v, opts, buf, rows); err != nil {
			return false, err
		}
		if n.rows != p.Rows || (p.HasNullCount && n.nulls != p.NullCount) {
			return false, c.corrupt("page %d decoded %d rows and %d nulls but the page index says %d and %d", i, n.rows, n.nulls, p.Rows, p.NullCount)
		}
	}
	return true, nil
}

// pageCount counts what the pages of a chunk (or one page) decoded.
type pageCount struct{ values, nulls, rows int64 }

// whole counts a page handed over whole: rows values, present of them set.
func (n *pageCount) whole(rows, present int) {
	n.values += int64(rows)
	n.rows += int64(rows)
	n.nulls += int64(rows - present)
}

// read passes one page's values to v, numbering rows from firstRow, and
// releases the page.
func (n *pageCount) read(c *Chunk, page parquet.Page, firstRow int64, v ChunkVisitor, opts ScanOptions, buf []parquet.Value, rows []int64) error {
	defer parquet.Release(page)
	if opts.PagesDecoded != nil {
		opts.PagesDecoded.Add(1)
	}
	if pv, ok := pageVisitor(v, firstRow+n.rows, page.NumRows()); ok && c.Column.MaxRepetitionLevel == 0 {
		// firstRow numbers the sequence of pages; n.rows is how far it has come.
		// pv, not v: a chunk with excluded rows elsewhere still takes this
		// page's numbers whole.
		_, numbers := pv.(NumberPageVisitor)
		if p, present, err := wholePage(c, page, firstRow+n.rows, numbers); err != nil || present >= 0 {
			if err != nil {
				return err
			}
			n.whole(p.Rows, present)
			return pv.Page(p)
		}
	}
	vr := page.Values()
	for {
		k, err := vr.ReadValues(buf)
		if verr := n.visit(c, buf[:k], firstRow, v, rows); verr != nil {
			return verr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return c.corrupt("%v", err)
		}
	}
}

// wholePage describes a decoded page of a flat column for a PageVisitor,
// when it holds byte arrays or dictionary indexes, or numbers when asked,
// after checking that its definition levels, values and indexes agree. It
// returns the number of non-null values, or -1 for a page it does not
// describe.
func wholePage(c *Chunk, page parquet.Page, firstRow int64, numbers bool) (Page, int, error) {
	p := Page{FirstRow: firstRow, Rows: int(page.NumValues()), MaxDef: byte(c.Column.MaxDefinitionLevel)}
	if c.Column.MaxDefinitionLevel > 0 {
		p.Def = page.DefinitionLevels()
		if len(p.Def) != p.Rows {
			return p, -1, c.corrupt("a page of %d values has %d definition levels", p.Rows, len(p.Def))
		}
	}
	data := page.Data()
	var n int
	switch dict := page.Dictionary(); {
	case dict != nil && data.Kind() == encoding.Int32:
		p.Dict, p.Index = dict, data.Int32()
		size := int32(dict.Len())
		for _, i := range p.Index {
			if i < 0 || i >= size {
				return p, -1, c.corrupt("a dictionary index %d is out of range (%d entries)", i, size)
			}
		}
		n = len(p.Index)
	case dict == nil && data.Kind() == encoding.ByteArray:
		p.Bytes, p.Offsets = data.ByteArray()
		if len(p.Offsets) == 0 {
			p.Offsets = []uint32{0}
		}
		n = len(p.Offsets) - 1
		if int(p.Offsets[n]) > len(p.Bytes) {
			return p, -1, c.corrupt("byte-array offsets run past the page")
		}
	case dict == nil && numbers && data.Kind() == encoding.Int32:
		p.Int32 = nonNil(data.Int32())
		n = len(p.Int32)
	case dict == nil && numbers && data.Kind() == encoding.Int64:
		p.Int64 = nonNil(data.Int64())
		n = len(p.Int64)
	case dict == nil && numbers && data.Kind() == encoding.Float:
		p.Float = nonNil(data.Float())
		n = len(p.Float)
	case dict == nil && numbers && data.Kind() == encoding.Double:
		p.Double = nonNil(data.Double())
		n = len(p.Double)
	default:
		return p, -1, nil
	}
	if got := p.present(); got != n {
		return p, -1, c.corrupt("a page defines %d values but holds %d", got, n)
	}
	return p, n, nil
}

// present is the number of non-null values of the page.
func (p *Page) present() int {
	if p.Def == nil {
		return p.Rows
	}
	return bytes.Count(p.Def, []byte{p.MaxDef}) // vectorised for one byte
}

// nonNil is s, or an empty slice when s is nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// visit counts a batch of values and passes it to v.
func (n *pageCount) visit(c *Chunk, vals []parquet.Value, firstRow int64, v ChunkVisitor, rows []int64) error {
	maxRep := c.Column.MaxRepetitionLevel
	for i, val := range vals {
		if maxRep == 0 || val.RepetitionLevel() == 0 {
			if n.values == 0 && val.RepetitionLevel() != 0 {
				return c.corrupt("the first value's repetition level is %d, not 0", val.RepetitionLevel())
			}
			n.rows++
		} else if n.values == 0 {
			return c.corrupt("the first value's repetition level is %d, not 0", val.RepetitionLevel())
		}
		if val.IsNull() {
			n.nulls++
		}
		n.values++
		rows[i] = firstRow + n.rows - 1
	}
	if len(vals) == 0 {
		return nil
	}
	return v.Values(Batch{Values: vals, Rows: rows[:len(vals)]})
}

// readNulls reads a v2 data page without a data section, whose values are
// all null, from its levels.
func (n *pageCount) readNulls(c *Chunk, p *pageInfo, firstRow int64, v ChunkVisitor, buf []parquet.Value, rows []int64) error {
	h := &p.header.DataPageHeaderV2.V
	count := int(h.NumValues)
	if h.NumNulls != h.NumValues {
		return c.corrupt("a data page holds %d values, %d of them null, but no data", h.NumValues, h.NumNulls)
	}
	body := make([]byte, p.size-p.hlen)
	if _, err := c.File.file.ReadAt(body, p.offset+p.hlen); err != nil {
		return c.corrupt("reading a page: %v", err)
	}
	repBytes := int(h.RepetitionLevelsByteLength)
	rep, err := decodeLevels(body[:repBytes], c.Column.MaxRepetitionLevel, count)
	if err != nil {
		return c.corrupt("decoding repetition levels: %v", err)
	}
	def, err := decodeLevels(body[repBytes:], c.Column.MaxDefinitionLevel, count)
	if err != nil {
		return c.corrupt("decoding definition levels: %v", err)
	}
	for start := 0; start < count; start += len(buf) {
		k := min(len(buf), count-start)
		for i := range k {
			d := int(def[start+i])
			if d >= c.Column.MaxDefinitionLevel {
				return c.corrupt("a page without data defines a value (definition level %d)", d)
			}
			buf[i] = parquet.Value{}.Level(int(rep[start+i]), d, c.Column.Index)
		}
		if err := n.visit(c, buf[:k], firstRow, v, rows); err != nil {
			return err
		}
	}
	return nil
}

// decodeLevels decodes count levels of at most maxLevel from RLE/bit-packed
// hybrid data (zeros when maxLevel is 0), never producing more than count.
func decodeLevels(src []byte, maxLevel, count int) ([]uint8, error) {
	return decodeLevelsInto(make([]uint8, 0, count), src, maxLevel, count)
}

// decodeLevelsInto is decodeLevels appending to out, which it may grow.
func decodeLevelsInto(out []uint8, src []byte, maxLevel, count int) ([]uint8, error) {
	if cap(out) < count {
		out = make([]uint8, 0, count)
	}
	if maxLevel == 0 {
		return out[:count], nil
	}
	width := bits.Len(uint(maxLevel))
	for len(out) < count {
		h, k := binary.Uvarint(src)
		if k <= 0 {
			return nil, fmt.Errorf("%d levels for %d values", len(out), count)
		}
		src = src[k:]
		if h&1 == 0 { // a run of one value
			run := min(h>>1, uint64(count-len(out)))
			vb := (width + 7) / 8
			if len(src) < vb {
				return nil, errors.New("a run ends early")
			}
			var val uint64
			for i := range vb {
				val |= uint64(src[i]) << (8 * i)
			}
			src = src[vb:]
			if val > uint64(maxLevel) {
				return nil, fmt.Errorf("level %d exceeds the maximum %d", val, maxLevel)
			}
			for range run {
				out = append(out, uint8(val))
			}
			continue
		}
		groups := h >> 1 // bit-packed groups of 8 values
		if groups > uint64(len(src)) {
			return nil, errors.New("bit-packed levels run past the data")
		}
		nbytes := int(groups) * width
		if nbytes > len(src) {
			return nil, errors.New("bit-packed levels run past the data")
		}
		for i := 0; i < int(groups)*8 && len(out) < count; i++ {
			var val uint64
			for b := range width {
				bit := i*width + b
				val |= uint64(src[bit/8]>>(bit%8)&1) << b
			}
			if val > uint64(maxLevel) {
				return nil, fmt.Errorf("level %d exceeds the maximum %d", val, maxLevel)
			}
			out = append(out, uint8(val))
		}
		src = src[nbytes:]
	}
	return out, nil
}

// readPageHeader decodes the page header at off, returning it and its size.
func readPageHeader(c *Chunk, off, end int64) (*format.PageHeader, int64, error) {
	// Most headers fit in 1 KiB; ones with large byte-array statistics get a
	// second, larger read.
	var (
		h   format.PageHeader
		r   *bytes.Reader
		err error
	)
	for _, size := range []int64{1 << 10, 1 << 20} {
		head := make([]byte, min(size, end-off))
		n, rerr := c.File.file.ReadAt(head, off)
		if n == 0 && rerr != nil {
			return nil, 0, &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: "reading a page header: " + rerr.Error()}
		}
		h = format.PageHeader{}
		r = bytes.NewReader(head[:n])
		if err = thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(r)).Decode(&h); err == nil || int64(n) < size {
			break
		}
	}
	if err != nil {
		return nil, 0, &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: "decoding a page header: " + err.Error()}
	}
	if h.CompressedPageSize < 0 || h.UncompressedPageSize < 0 {
		return nil, 0, &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: "negative page size in a page header"}
	}
	return &h, r.Size() - int64(r.Len()), nil
}

// prefetcher is a reader of remote data (pkg/objstore's objects) told which
// chunk is about to be read in full, so that it fetches it in few large
// requests. A chunk the dictionary may decide is not announced: only its
// headers and dictionary are read.
type prefetcher interface{ Prefetch(off, n int64) }

// chunkRange is the byte range of the chunk's pages.
func chunkRange(c *Chunk) (start, end int64) {
	if c.Column.Const != nil {
		return 0, 0
	}
	cm := &c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData
	start = chunkStart(cm)
	return start, start + cm.TotalCompressedSize
}

// chunkStart is the offset of the chunk's first page: its dictionary page
// when that comes first, or when a chunk without values (data_page_offset 0,
// as Arrow writes it) has only a dictionary.
func chunkStart(cm *format.ColumnMetaData) int64 {
	start := cm.DataPageOffset
	if d := cm.DictionaryPageOffset; d > 0 && (d < start || start == 0 && cm.NumValues == 0) {
		start = d
	}
	return start
}

// verifyDictionaryCRC checks the CRC of the chunk's dictionary page, if it
// has one with a CRC.
func verifyDictionaryCRC(c *Chunk) error {
	start, end := chunkRange(c)
	h, hlen, err := readPageHeader(c, start, end)
	if err != nil {
		return err
	}
	if h.Type != format.DictionaryPage || h.CRC == 0 {
		return nil
	}
	if start+hlen+int64(h.CompressedPageSize) > end {
		return &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: "the dictionary page runs past the chunk"}
	}
	body := make([]byte, h.CompressedPageSize)
	if _, err := c.File.file.ReadAt(body, start+hlen); err != nil {
		return &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, Reason: "reading the dictionary page: " + err.Error()}
	}
	if got := crc32.ChecksumIEEE(body); got != uint32(h.CRC) {
		return &CorruptError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path,
			Reason: fmt.Sprintf("dictionary page CRC mismatch: the header says 0x%08X, the data hashes to 0x%08X", uint32(h.CRC), got)}
	}
	return nil
}

// pageSpan is where a data page lies in the file, header included.
type pageSpan struct{ offset, size int64 }

// pageInfo is one page of a chunk as its header describes it.
type pageInfo struct {
	pageSpan
	header *format.PageHeader
	hlen   int64
}

// emptyV2 reports a compressed v2 data page whose data section is empty (a
// page of nulls), which parquet-go wrongly hands to the decompressor.
func (p *pageInfo) emptyV2(codec format.CompressionCodec) bool {
	v2 := &p.header.DataPageHeaderV2
	return v2.Valid && codec != format.Uncompressed && !(v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V) &&
		int64(p.header.CompressedPageSize) == int64(v2.V.RepetitionLevelsByteLength)+int64(v2.V.DefinitionLevelsByteLength)
}

// PageLimitError says that a page is larger than the page size limit. The
// file may well be valid: a larger limit reads it.
type PageLimitError struct {
	File     string
	RowGroup int
	Column   string
	// What is "page", "compressed page" or "values"; Size its size in
	// bytes (or its value count), Limit the limit in bytes.
	What        string
	Size, Limit int64
}

func (e *PageLimitError) Error() string {
	if e.What == "values" {
		return fmt.Sprintf("%s: row group %d, column %q: a page of %d values exceeds the %d MiB page size limit", e.File, e.RowGroup, e.Column, e.Size, e.Limit>>20)
	}
	return fmt.Sprintf("%s: row group %d, column %q: a %s of %d MiB exceeds the %d MiB page size limit", e.File, e.RowGroup, e.Column, e.What, e.Size>>20, e.Limit>>20)
}

// NeededMiB is the smallest limit, in MiB, that admits the page.
func (e *PageLimitError) NeededMiB() int64 { return (e.Size + 1<<20 - 1) >> 20 }

// checkPageHeaders walks the chunk's page headers before anything is
// decoded: every page must lie inside the chunk and fit in the page size
// limit, decompressed and compressed (so a corrupt size cannot make the
// decoder allocate gigabytes), and the data pages' value counts must add up
// to the chunk's. It returns the dictionary page (or nil) and the data pages.
func checkPageHeaders(c *Chunk, limit int64) (dict *pageInfo, data []pageInfo, err error) {
	start, end := chunkRange(c)
	var values int64
	tooBig := func(what string, size int64) error {
		return &PageLimitError{File: c.File.Path, RowGroup: c.RowGroup, Column: c.Column.Path, What: what, Size: size, Limit: limit}
	}
	for off := start; off < end; {
		h, hlen, err := readPageHeader(c, off, end)
		if err != nil {
			return nil, nil, err
		}
		if int64(h.UncompressedPageSize) > limit {
			return nil, nil, tooBig("page", int64(h.UncompressedPageSize))
		}
		if int64(h.CompressedPageSize) > limit {
			return nil, nil, tooBig("compressed page", int64(h.CompressedPageSize))
		}
		p := pageInfo{pageSpan: pageSpan{off, hlen + int64(h.CompressedPageSize)}, header: h, hlen: hlen}
		off += p.size
		if off > end {
			return nil, nil, c.corrupt("a page at offset %d runs past the end of the chunk", p.offset)
		}
		var n int64
		enc := format.Encoding(-1)
		switch {
		case h.DataPageHeader.Valid:
			n, enc = int64(h.DataPageHeader.V.NumValues), h.DataPageHeader.V.Encoding
			values += n
			data = append(data, p)
		case h.DataPageHeaderV2.Valid:
			n, enc = int64(h.DataPageHeaderV2.V.NumValues), h.DataPageHeaderV2.V.Encoding
			values += n
			data = append(data, p)
		case h.DictionaryPageHeader.Valid:
			n = int64(h.DictionaryPageHeader.V.NumValues)
			if dict == nil {
				dict = &p
			}
		}
		// A dictionary said to hold every value decides checks alone: a
		// page of other values would never be read.
		if c.Stats.DictionaryOnly && enc >= 0 && enc != format.PlainDictionary && enc != format.RLEDictionary {
			return nil, nil, c.corrupt("the metadata says every data page is dictionary-encoded, but the page at offset %d is %s", p.offset, enc)
		}
		// The decoder holds a byte of levels per value, so the value count
		// is bounded like the size.
		if n > limit {
			return nil, nil, tooBig("values", n)
		}
	}
	if values != c.Stats.NumValues {
		return nil, nil, c.corrupt("the page headers count %d values but the chunk metadata says %d", values, c.Stats.NumValues)
	}
	return dict, data, nil
}
