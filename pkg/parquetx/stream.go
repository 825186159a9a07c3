package parquetx

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// The raw reader streams a PLAIN page: it decompresses it a slice of
// streamBytes at a time (ZSTD keeps only its frame's window; SNAPPY, which
// does not stream, and ZSTD frames with windows over streamWindow are
// decompressed whole first) and hands the visitor the values of each slice
// as a Page of consecutive rows, from buffers it reuses. Memory then does
// not grow with the writer's page size: DuckDB writes a whole row group
// (1M rows, 27 MB of strings) as one page.
// streamBytes is how many decompressed bytes of values one Page holds,
// unless a single value is larger (a variable for tests, which make it small).
var streamBytes int64 = 1 << 20

// wholeBytes is the largest decompressed page decoded whole, as one
// buffer: a small page gains nothing from streaming, which costs a copy
// out of the decompressor's window (a variable for tests too).
var wholeBytes int64 = 4 << 20

// inputBytes is the read buffer of a ZSTD page streamed from the file; a
// smaller compressed page is read whole (a variable for tests too).
var inputBytes int64 = 256 << 10

const (
	// streamWindow is the largest ZSTD window the reader streams with.
	streamWindow = 8 << 20
	// zstdState is what a streaming ZSTD decoder holds beside its window
	// (block buffers and tables).
	zstdState = 1 << 20
)

// pageCost is what the raw reader holds while it reads page p: the
// compressed page, the decompressor's window (the whole page when it does
// not stream), the level bytes and a definition level per row, and the
// stream buffer of buf bytes with the values decoded from it (at most as
// many bytes again: a byte-array value takes at least 4 bytes, as does its
// offset).
func (r *rawReader) pageCost(p *pageInfo) int64 {
	return r.inBytes + r.window + r.levels + 2*int64(numValues(p)) + 2*r.bufSize
}

// chunkStreamCost is the reservation for streaming a chunk before its
// pages are read: its dearest page with the window its codec will likely
// need. A page that turns out to need more (a larger ZSTD window, a value
// longer than streamBytes, long level bytes) raises the reservation then.
func chunkStreamCost(codec format.CompressionCodec, pages []pageInfo) int64 {
	var n int64
	for i := range pages {
		var r rawReader
		r.plan(codec, &pages[i])
		n = max(n, r.pageCost(&pages[i]))
	}
	return n
}

// plan sets the window and buffer that page p will likely need.
func (r *rawReader) plan(codec format.CompressionCodec, p *pageInfo) {
	size := int64(p.header.UncompressedPageSize)
	r.levels, r.bufSize, r.inBytes = 0, min(size, streamBytes), int64(p.header.CompressedPageSize)
	if codec == format.Zstd && size > wholeBytes && r.inBytes > inputBytes {
		r.inBytes = inputBytes // streamed from the file (input)
	}
	switch codec {
	case format.Snappy:
		r.window = size
	case format.Zstd:
		r.window = size
		if size > wholeBytes {
			r.window = min(size, streamWindow) + zstdState
		}
	default:
		r.window = 0
	}
}

func numValues(p *pageInfo) int32 {
	h := p.header
	switch {
	case h.DataPageHeader.Valid:
		return h.DataPageHeader.V.NumValues
	case h.DataPageHeaderV2.Valid:
		return h.DataPageHeaderV2.V.NumValues
	case h.DictionaryPageHeader.Valid:
		return h.DictionaryPageHeader.V.NumValues
	}
	return 0
}

// read reads data page p of chunk c, numbering its rows from firstRow, and
// hands its rows to emit in order, as Pages of at most streamBytes of
// values each, valid during the call. hold is told what the page will cost
// whenever that grows past the plan. It returns the page's rows and
// non-null values.
func (r *rawReader) read(c *Chunk, p *pageInfo, firstRow, limit int64, hold func(int64), emit func(Page) error) (rows, present int, err error) {
	cm := &c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData
	h := p.header
	r.plan(cm.Codec, p)
	defer r.release()
	page := Page{FirstRow: firstRow, MaxDef: byte(c.Column.MaxDefinitionLevel)}
	declared, codec := int64(h.UncompressedPageSize), cm.Codec
	var skip int64 // level bytes stored as they are, before the data (v2)
	if h.DataPageHeader.Valid {
		page.Rows = int(h.DataPageHeader.V.NumValues)
	} else {
		v2 := &h.DataPageHeaderV2.V
		page.Rows = int(v2.NumValues)
		skip = int64(v2.DefinitionLevelsByteLength)
		body := int64(h.CompressedPageSize)
		if skip < 0 || skip > body || skip > declared {
			return 0, 0, c.corrupt("a data page's level bytes (%d) exceed its size (%d)", skip, min(body, declared))
		}
		if v2.IsCompressed.Valid && !v2.IsCompressed.V || body == skip {
			codec = format.Uncompressed
		}
	}
	r.want = declared - skip
	levels, src, err := r.input(c, p, codec, skip, r.want, limit, hold)
	if r.streamedIn {
		defer func() { // a checksum mismatch explains any other error
			if crcErr := r.finishCRC(c, p); crcErr != nil {
				err = crcErr
			}
		}()
	}
	if err != nil {
		return 0, 0, err
	}
	size := declared - skip // bytes of values src holds
	if h.DataPageHeader.Valid && page.MaxDef > 0 {
		var n [4]byte
		if size < 4 {
			return 0, 0, c.corrupt("a data page ends before its definition levels")
		}
		if err := r.readFull(c, src, n[:]); err != nil {
			return 0, 0, err
		}
		k := int64(binary.LittleEndian.Uint32(n[:]))
		if k > size-4 {
			return 0, 0, c.corrupt("definition levels (%d bytes) run past the page", k)
		}
		if k > r.levels {
			r.levels = k
			hold(r.pageCost(p))
		}
		r.lev = grow(r.lev, int(k))
		if err := r.readFull(c, src, r.lev); err != nil {
			return 0, 0, err
		}
		levels, size = r.lev, size-4-k
	}
	present = page.Rows
	if page.MaxDef > 0 {
		if r.def, err = decodeLevelsInto(r.def[:0], levels, c.Column.MaxDefinitionLevel, page.Rows); err != nil {
			return 0, 0, c.corrupt("decoding definition levels: %v", err)
		}
		page.Def = r.def
		present = page.present()
	}
	if err := r.stream(c, page, src, size, present, p, hold, emit); err != nil {
		return 0, 0, err
	}
	return page.Rows, present, nil
}

// input opens page p's body: skip bytes of levels stored as they are, then
// the values' data, which src decompresses by codec to want bytes. A ZSTD
// body larger than inputBytes, of more than wholeBytes decompressed, whose
// frame streams, streams from the file
// through the checksum (finishCRC checks it after the page), so that not
// even the compressed page is held; other bodies are read whole and checked
// first.
func (r *rawReader) input(c *Chunk, p *pageInfo, codec format.CompressionCodec, skip, want, limit int64, hold func(int64)) (levels []byte, src io.Reader, err error) {
	h := p.header
	body := int64(h.CompressedPageSize)
	r.streamedIn = false
	if codec != format.Zstd || want <= wholeBytes || body-skip <= inputBytes {
		r.comp = grow(r.comp, int(body))
		if _, err := c.File.file.ReadAt(r.comp, p.offset+p.hlen); err != nil {
			return nil, nil, c.corrupt("reading a page: %v", err)
		}
		if got := crc32.ChecksumIEEE(r.comp); h.CRC != 0 && got != uint32(h.CRC) {
			return nil, nil, c.corrupt("crc32 checksum mismatch in a data page: the header says 0x%08X, the data hashes to 0x%08X", uint32(h.CRC), got)
		}
		src, err := r.open(c, codec, r.comp[skip:], want, limit, p, hold)
		return r.comp[:skip], src, err
	}
	r.streamedIn = true
	r.section = *io.NewSectionReader(c.File.file, p.offset+p.hlen, body)
	r.crcIn = crcReader{r: &r.section}
	if r.in == nil {
		r.in = bufio.NewReaderSize(&r.crcIn, int(inputBytes))
	}
	r.in.Reset(&r.crcIn)
	r.levels = skip
	hold(r.pageCost(p))
	r.lev = grow(r.lev, int(skip))
	if _, err := io.ReadFull(r.in, r.lev); err != nil {
		return nil, nil, c.corrupt("reading a page: %v", err)
	}
	var zh zstd.Header
	head, _ := r.in.Peek(zstd.HeaderMaxSize)
	if zh.Decode(head) == nil && !zh.Skippable && zh.WindowSize <= streamWindow && (!zh.SingleSegment || zh.FrameContentSize <= streamWindow) {
		r.window = int64(zh.WindowSize) + zstdState
		if zh.SingleSegment {
			r.window = int64(zh.FrameContentSize) + zstdState
		}
		hold(r.pageCost(p))
		pool := zstdPoolFor(limit, streamWindow)
		d := pool.Get().(*zstd.Decoder)
		if d == nil {
			return nil, nil, c.corrupt("cannot create a ZSTD decoder")
		}
		r.codec, r.zstd, r.pool = codec, d, pool
		if err := d.Reset(r.in); err != nil {
			return nil, nil, c.corrupt("the page does not decompress (%s): %v", codec, err)
		}
		return r.lev, d, nil
	}
	// A frame with a larger window: the compressed page whole after all.
	r.inBytes = body
	hold(r.pageCost(p))
	r.comp = grow(r.comp, int(body-skip))
	if _, err := io.ReadFull(r.in, r.comp); err != nil {
		return nil, nil, c.corrupt("reading a page: %v", err)
	}
	if err := r.finishCRC(c, p); err != nil {
		return nil, nil, err
	}
	r.streamedIn = false
	src, err = r.open(c, codec, r.comp, want, limit, p, hold)
	return r.lev, src, err
}

// crcReader reads through a CRC-32 (IEEE) of what it read.
type crcReader struct {
	r   io.Reader
	crc uint32
}

func (c *crcReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, b[:n])
	return n, err
}

// finishCRC reads the rest of a streamed page body and checks its CRC.
func (r *rawReader) finishCRC(c *Chunk, p *pageInfo) error {
	h := p.header
	if h.CRC == 0 {
		return nil
	}
	if _, err := io.Copy(io.Discard, r.in); err != nil {
		return c.corrupt("reading a page: %v", err)
	}
	if got := r.crcIn.crc; got != uint32(h.CRC) {
		return c.corrupt("crc32 checksum mismatch in a data page: the header says 0x%08X, the data hashes to 0x%08X", uint32(h.CRC), got)
	}
	return nil
}

// readFull reads len(b) bytes of a page's decompressed data.
func (r *rawReader) readFull(c *Chunk, src io.Reader, b []byte) error {
	if _, err := io.ReadFull(src, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return c.corrupt("the page decompresses to fewer bytes than its header declares")
		}
		return c.corrupt("the page does not decompress (%s): %v", r.codec, err)
	}
	return nil
}

// release gives a streaming decoder back to its pool.
func (r *rawReader) release() {
	if r.zstd != nil {
		r.zstd.Reset(nil)
		r.pool.Put(r.zstd)
		r.zstd, r.pool = nil, nil
	}
	r.src.Reset(nil)
	r.mem = nil
}

// open returns a reader of src decompressed, which must come to want bytes;
// decodedSize bounds the work before anything is allocated for it.
func (r *rawReader) open(c *Chunk, codec format.CompressionCodec, src []byte, want, limit int64, p *pageInfo, hold func(int64)) (io.Reader, error) {
	r.codec = codec
	if codec == format.Uncompressed {
		if int64(len(src)) != want {
			return nil, c.corrupt("an uncompressed page of %d bytes declares %d", len(src), want)
		}
		r.window = 0
		r.src.Reset(src)
		r.mem = src
		return &r.src, nil
	}
	got, err := decodedSize(codec, src, want, limit)
	switch { // as checkPageBody says it
	case err != nil:
		return nil, c.corrupt("the page does not decompress (%s): %v", codec, err)
	case got > want:
		return nil, c.corrupt("the page decompresses to more than the %d bytes its header declares", want)
	case got != want:
		return nil, c.corrupt("the page decompresses to %d bytes but its header declares %d", got, want)
	}
	var out []byte
	switch codec {
	case format.Snappy:
		r.plain = grow(r.plain, int(want))
		out, err = snappy.Decode(r.plain, src)
	case format.Zstd:
		pool := zstdPool(limit)
		d := pool.Get().(*zstd.Decoder)
		if d == nil {
			return nil, c.corrupt("cannot create a ZSTD decoder")
		}
		if window, ok := zstdWindow(src); ok && window <= streamWindow && want > wholeBytes {
			r.window = min(int64(window), want) + zstdState
			hold(r.pageCost(p))
			r.src.Reset(src)
			if err := d.Reset(&r.src); err != nil {
				pool.Put(d)
				return nil, c.corrupt("the page does not decompress (%s): %v", codec, err)
			}
			r.zstd, r.pool = d, pool
			return d, nil
		}
		r.window = want
		hold(r.pageCost(p))
		out, err = d.DecodeAll(src, grow(r.plain, int(want))[:0])
		pool.Put(d)
	}
	if err != nil {
		return nil, c.corrupt("the page does not decompress (%s): %v", codec, err)
	}
	if int64(len(out)) != want {
		return nil, c.corrupt("the page decompresses to %d bytes but its header declares %d", len(out), want)
	}
	if cap(out) > cap(r.plain) {
		r.plain = out
	}
	r.src.Reset(out)
	r.mem = out
	return &r.src, nil
}

// zstdWindow is the largest window data's ZSTD frames need (a single-segment
// frame's content size), walking the frame headers; not ok when a header
// does not decode.
func zstdWindow(data []byte) (uint64, bool) {
	var window uint64
	ok := walkZstd(data, func(h *zstd.Header) {
		if h.SingleSegment {
			window = max(window, h.FrameContentSize)
		} else {
			window = max(window, h.WindowSize)
		}
	})
	return window, ok
}

// stream decodes the page's size bytes of values from src, present of them,
// and hands them to emit in Pages of consecutive rows.
func (r *rawReader) stream(c *Chunk, page Page, src io.Reader, size int64, present int, p *pageInfo, hold func(int64), emit func(Page) error) error {
	width := 0
	switch c.Column.Physical {
	case format.Int32, format.Float:
		width = 4
	case format.Int64, format.Double:
		width = 8
	}
	step := int(r.bufSize)
	if width > 0 {
		step = max(step/width*width, width) // whole values
	}
	// A page in memory (read or decompressed whole) is decoded where it
	// lies, a window of step bytes at a time; a stream is read into sbuf.
	var mem []byte
	if src == io.Reader(&r.src) && r.mem != nil {
		mem = r.mem[len(r.mem)-r.src.Len():]
	} else {
		r.sbuf = grow(r.sbuf, step)
	}
	left, carry := size, 0 // bytes not read yet; bytes of a value begun
	row, done := 0, 0      // rows and values handed over
	for {
		var data []byte
		if mem != nil {
			data = mem[:min(int64(len(mem)), int64(max(step, carry)))]
			left = int64(len(mem) - len(data))
		} else {
			n := int(min(int64(len(r.sbuf)-carry), left))
			data = r.sbuf[:carry+n]
			if err := r.readFull(c, src, data[carry:]); err != nil {
				return err
			}
			left -= int64(n)
		}
		var k, used int // values decoded from data, bytes of data they took
		if width == 0 {
			var l int
			k, used, l = r.byteArrays(data, present-done)
			switch {
			case done+k < present && l >= 0 && int64(l) > int64(len(data)-used-4)+left:
				return c.corrupt("a byte-array value of %d bytes runs past the page", l)
			case done+k < present && left == 0:
				return c.corrupt("a page defines %d values but holds %d", present, done+k)
			case done+k == present && (used < len(data) || left > 0):
				return c.corrupt("a page defines %d values but holds more", present)
			case k == 0 && done < present && l < 0:
				return c.corrupt("a page defines %d values but holds %d", present, done)
			case k == 0 && done < present:
				// A value longer than the buffer: a buffer of its own.
				r.bufSize = int64(l) + 4
				if mem != nil {
					carry = int(r.bufSize) // the window that holds it
					continue
				}
				hold(r.pageCost(p))
				r.sbuf = append(make([]byte, 0, r.bufSize), data...)[:r.bufSize]
				carry = len(data)
				continue
			}
		} else {
			k = min(len(data)/width, present-done)
			used = k * width
			if done+k == present && (used < len(data) || left > 0) || done+k < present && left == 0 {
				return c.corrupt("a page defines %d values but holds %d bytes of values", present, size)
			}
			r.numbers(c, &page, data[:used], k)
		}
		end := page.Rows
		if done+k < present {
			end = row + k
			if page.Def != nil {
				end = row
				for m := k; m > 0; end++ {
					if page.Def[end] == page.MaxDef {
						m--
					}
				}
			}
		}
		part := page
		part.FirstRow, part.Rows = page.FirstRow+int64(row), end-row
		if page.Def != nil {
			part.Def = page.Def[row:end]
		}
		if width == 0 {
			part.Bytes, part.Offsets = data[:r.offsets[k]], r.offsets[:k+1]
		}
		if err := emit(part); err != nil {
			return err
		}
		row, done = end, done+k
		if done == present {
			break
		}
		if mem != nil {
			mem, carry = mem[used:], 0
			continue
		}
		carry = copy(r.sbuf, data[used:])
	}
	if mem != nil {
		return nil // all of it read: left is 0
	}
	// The decoder checks a frame's checksum and stated size at its end.
	var one [1]byte
	switch n, err := src.Read(one[:]); {
	case n > 0:
		return c.corrupt("the page decompresses to more than the %d bytes its header declares", r.want)
	case err != nil && !errors.Is(err, io.EOF):
		return c.corrupt("the page does not decompress (%s): %v", r.codec, err)
	}
	return nil
}

// byteArrays decodes up to n PLAIN byte-array values from data, moving each
// down over its length prefix in place (the write position never passes
// the read position), with their offsets in r.offsets. It returns how many
// it decoded, the bytes they took, and the length of the next value when
// it is cut off (-1 when its length is).
func (r *rawReader) byteArrays(data []byte, n int) (k, used, next int) {
	r.offsets = grow(r.offsets, min(n, len(data)/4)+1)
	offsets := r.offsets
	offsets[0] = 0
	w, i := 0, 0
	for k < n {
		if len(data)-i < 4 {
			return k, i, -1
		}
		l := int(binary.LittleEndian.Uint32(data[i:]))
		if l > len(data)-i-4 {
			return k, i, l
		}
		i += 4
		w += copy(data[w:], data[i:i+l])
		i += l
		k++
		offsets[k] = uint32(w)
	}
	return k, i, -1
}

// numbers decodes n fixed-width PLAIN values into the page's slice of the
// column's type, from the worker's buffers.
func (r *rawReader) numbers(c *Chunk, p *Page, data []byte, n int) {
	switch c.Column.Physical {
	case format.Int32:
		r.i32 = nonNil(grow(r.i32, n))
		for i := range r.i32 {
			r.i32[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
		}
		p.Int32 = r.i32
	case format.Float:
		r.f32 = nonNil(grow(r.f32, n))
		for i := range r.f32 {
			r.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		p.Float = r.f32
	case format.Int64:
		r.i64 = nonNil(grow(r.i64, n))
		for i := range r.i64 {
			r.i64[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		p.Int64 = r.i64
	case format.Double:
		r.f64 = nonNil(grow(r.f64, n))
		for i := range r.f64 {
			r.f64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		p.Double = r.f64
	}
}
