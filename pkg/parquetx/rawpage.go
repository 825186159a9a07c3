package parquetx

import (
	"bufio"
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// rawReader reads the PLAIN data pages of a flat column without parquet-go,
// for a PageVisitor: each page is read once (the same bytes serve the size
// check of checkPageBody, the CRC and the decompression) and streamed
// (stream.go): decompressed a slice at a time and decoded into buffers the
// worker keeps from chunk to chunk. Through parquet-go a page is read twice
// and every page allocates its compressed, decompressed and decoded copies
// afresh, which on writers that put a whole row group in one page (DuckDB:
// 1M rows, 27 MB) costs more in page faults and clearing than the checks
// themselves, and memory that grows with the writer's page size.
type rawReader struct {
	comp, plain []byte // the compressed page; a page decompressed whole
	lev, def    []byte // level bytes, a definition level per row
	sbuf        []byte // the stream buffer, of bufSize bytes
	offsets     []uint32
	i32         []int32
	i64         []int64
	f32         []float32
	f64         []float64

	// The page being read: what it costs (pageCost) and its source.
	window, levels, bufSize, inBytes int64
	want                             int64 // the declared size of the values' data
	codec                            format.CompressionCodec
	src                              bytes.Reader
	mem                              []byte // what src reads, when in memory
	// A page streamed from the file (rawReader.input).
	streamedIn bool
	section    io.SectionReader
	crcIn      crcReader
	in         *bufio.Reader
	zstd       *zstd.Decoder
	pool       *sync.Pool
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
	if cap(r.lev) > keepBytes || cap(r.sbuf) > keepBytes || cap(r.def) > keepBytes || 4*cap(r.offsets) > keepBytes || 4*cap(r.i32) > keepBytes || 4*cap(r.f32) > keepBytes ||
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
