package parquetx

import (
	"encoding/binary"
	"hash/crc32"
	"math"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// rawReader reads the PLAIN data pages of a flat column without parquet-go,
// for a PageVisitor: each page is read once (the same bytes serve the size
// check of checkPageBody, the CRC and the decompression), decompressed once
// and decoded into buffers the worker keeps from chunk to chunk. Through
// parquet-go a page is read twice and every page allocates its compressed,
// decompressed and decoded copies afresh, which on writers that put a whole
// row group in one page (DuckDB: 1M rows, 27 MB) costs more in page faults
// and clearing than the checks themselves.
type rawReader struct {
	comp, plain []byte
	def         []byte
	offsets     []uint32
	i32         []int32
	i64         []int64
	f32         []float32
	f64         []float64
}

// takes reports whether r reads the chunk: no dictionary page, a codec it
// decompresses, every data page PLAIN with RLE definition levels, and a
// physical type the visitor takes whole.
func (r *rawReader) takes(c *Chunk, v ChunkVisitor, dict *pageInfo, pages []pageInfo) bool {
	if _, ok := v.(PageVisitor); !ok || dict != nil || c.Column.MaxRepetitionLevel != 0 || len(pages) == 0 {
		return false
	}
	cm := &c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData
	switch cm.Codec {
	case format.Uncompressed, format.Zstd, format.Snappy:
	default:
		return false
	}
	switch c.Column.Physical {
	case format.ByteArray:
	case format.Int32, format.Int64, format.Float, format.Double:
		if _, ok := v.(NumberPageVisitor); !ok {
			return false
		}
	default:
		return false
	}
	for i := range pages {
		h := pages[i].header
		switch {
		case h.DataPageHeader.Valid:
			v1 := &h.DataPageHeader.V
			if v1.Encoding != format.Plain || (c.Column.MaxDefinitionLevel > 0 && v1.DefinitionLevelEncoding != format.RLE) {
				return false
			}
		case h.DataPageHeaderV2.Valid:
			v2 := &h.DataPageHeaderV2.V
			if v2.Encoding != format.Plain || v2.RepetitionLevelsByteLength != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// keepBytes bounds the buffers a worker keeps between chunks: a larger
// page (one the budget let through alone) gets buffers of its own, dropped
// after its chunk, so that one huge page does not hold memory for the rest
// of the scan.
const keepBytes = 64 << 20

// trim drops the buffers larger than keepBytes.
func (r *rawReader) trim() {
	if cap(r.comp) > keepBytes {
		r.comp = nil
	}
	if cap(r.plain) > keepBytes {
		r.plain = nil
	}
	if cap(r.def) > keepBytes || 4*cap(r.offsets) > keepBytes || 4*cap(r.i32) > keepBytes || 4*cap(r.f32) > keepBytes ||
		8*cap(r.i64) > keepBytes || 8*cap(r.f64) > keepBytes {
		*r = rawReader{comp: r.comp, plain: r.plain}
	}
}

// grow returns b with length n, reallocating only when it is too small.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// read reads data page p of chunk c, numbering its rows from firstRow, and
// returns it with its number of non-null values. The page is valid until the
// next read.
func (r *rawReader) read(c *Chunk, p *pageInfo, firstRow, limit int64) (Page, int, error) {
	cm := &c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData
	h := p.header
	page := Page{FirstRow: firstRow, MaxDef: byte(c.Column.MaxDefinitionLevel)}
	r.comp = grow(r.comp, int(h.CompressedPageSize))
	if _, err := c.File.file.ReadAt(r.comp, p.offset+p.hlen); err != nil {
		return page, -1, c.corrupt("reading a page: %v", err)
	}
	if h.CRC != 0 {
		if got := crc32.ChecksumIEEE(r.comp); got != uint32(h.CRC) {
			return page, -1, c.corrupt("crc32 checksum mismatch in a data page: the header says 0x%08X, the data hashes to 0x%08X", uint32(h.CRC), got)
		}
	}
	var (
		levels, data []byte
		err          error
	)
	if h.DataPageHeader.Valid {
		page.Rows = int(h.DataPageHeader.V.NumValues)
		if data, err = r.decompress(c, cm.Codec, r.comp, int64(h.UncompressedPageSize), limit); err != nil {
			return page, -1, err
		}
		if page.MaxDef > 0 {
			if len(data) < 4 {
				return page, -1, c.corrupt("a data page ends before its definition levels")
			}
			n := binary.LittleEndian.Uint32(data)
			if uint64(n) > uint64(len(data)-4) {
				return page, -1, c.corrupt("definition levels (%d bytes) run past the page", n)
			}
			levels, data = data[4:4+n], data[4+n:]
		}
	} else {
		v2 := &h.DataPageHeaderV2.V
		page.Rows = int(v2.NumValues)
		skip := int64(v2.DefinitionLevelsByteLength)
		body, declared := int64(len(r.comp)), int64(h.UncompressedPageSize)
		if skip < 0 || skip > body || skip > declared {
			return page, -1, c.corrupt("a data page's level bytes (%d) exceed its size (%d)", skip, min(body, declared))
		}
		levels, data = r.comp[:skip], r.comp[skip:]
		codec := cm.Codec
		if v2.IsCompressed.Valid && !v2.IsCompressed.V || len(data) == 0 {
			codec = format.Uncompressed
		}
		if data, err = r.decompress(c, codec, data, declared-skip, limit); err != nil {
			return page, -1, err
		}
	}
	present := page.Rows
	if page.MaxDef > 0 {
		if r.def, err = decodeLevelsInto(r.def[:0], levels, c.Column.MaxDefinitionLevel, page.Rows); err != nil {
			return page, -1, c.corrupt("decoding definition levels: %v", err)
		}
		page.Def = r.def
		present = page.present()
	}
	if err := r.values(c, &page, data, present); err != nil {
		return page, -1, err
	}
	return page, present, nil
}

// decompress returns src decompressed, which must come to want bytes;
// decodedSize bounds the work before anything is allocated for it.
func (r *rawReader) decompress(c *Chunk, codec format.CompressionCodec, src []byte, want, limit int64) ([]byte, error) {
	if codec == format.Uncompressed {
		if int64(len(src)) != want {
			return nil, c.corrupt("an uncompressed page of %d bytes declares %d", len(src), want)
		}
		return src, nil
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
	return out, nil
}

// values decodes the page's n PLAIN values into the worker's buffers.
func (r *rawReader) values(c *Chunk, p *Page, data []byte, n int) error {
	width := 0
	switch c.Column.Physical {
	case format.ByteArray:
		// The values move down over their length prefixes, in place (as
		// parquet-go decodes PLAIN): the write position never passes the
		// read position.
		offsets := grow(r.offsets, n+1)
		offsets[0] = 0
		w, i := 0, 0
		for k := range n {
			if len(data)-i < 4 {
				return c.corrupt("a page defines %d values but holds %d", n, k)
			}
			l := int(binary.LittleEndian.Uint32(data[i:]))
			i += 4
			if l > len(data)-i {
				return c.corrupt("a byte-array value of %d bytes runs past the page", l)
			}
			w += copy(data[w:], data[i:i+l])
			i += l
			offsets[k+1] = uint32(w)
		}
		if i != len(data) {
			return c.corrupt("a page defines %d values but holds more", n)
		}
		r.offsets = offsets
		p.Bytes, p.Offsets = data[:w], offsets
		return nil
	case format.Int32, format.Float:
		width = 4
	default:
		width = 8
	}
	if len(data) != n*width {
		return c.corrupt("a page defines %d values but holds %d bytes of values", n, len(data))
	}
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
	return nil
}
