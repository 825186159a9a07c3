package parquetx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// A page that does not decompress to the size its header declares (a
// decompression bomb or a damaged page) is a *CorruptError.
//
// parquet-go decompresses a page into a buffer that grows to whatever the
// data inflates to, and neither v0.32.0 nor v0.32.1 offers a hook to bound
// it: readers take their codec from an unexported table of pointers to the
// concrete codec values (parquet.Gzip, parquet.Zstd...), whose decoders are
// unexported fields; compression options exist for writers only, and
// Column.DecodeDataPage* decompress by the chunk's codec themselves. So before parquet-go reads a page, mlgate
// decompresses it once more, streaming and stopping one byte past the
// declared size; parquet-go's own pass is then bounded by the declared size,
// itself bounded by the page size limit. SNAPPY pages cost nothing extra (the
// decoded length is in their first bytes), nor do ZSTD pages whose frames all
// state their content size, adding up to the declared size (zstdContentSize);
// other ZSTD, GZIP, BROTLI and LZ4_RAW pages are decompressed twice.

// pageBuffers hold the compressed pages checkPageBody reads, so that reading
// every page twice does not also allocate and clear it twice.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

// checkPageBody checks that page p of chunk c decompresses to its declared
// size, reading at most the page's bytes and decoding at most one byte more
// than declared.
func checkPageBody(c *Chunk, p *pageInfo, limit int64) error {
	cm := &c.File.meta.RowGroups[c.RowGroup].Columns[c.Column.Index].MetaData
	h := p.header
	body := int64(h.CompressedPageSize)
	declared := int64(h.UncompressedPageSize)
	var skip int64 // uncompressed level bytes at the start of a v2 page
	compressed := cm.Codec != format.Uncompressed
	if h.DataPageHeaderV2.Valid {
		v2 := &h.DataPageHeaderV2.V
		skip = int64(v2.RepetitionLevelsByteLength) + int64(v2.DefinitionLevelsByteLength)
		if skip > body || skip > declared {
			return c.corrupt("a data page's level bytes (%d) exceed its size (%d)", skip, min(body, declared))
		}
		if v2.IsCompressed.Valid && !v2.IsCompressed.V {
			compressed = false
		}
	}
	if !compressed {
		if body != declared {
			return c.corrupt("an uncompressed page of %d bytes declares %d", body, declared)
		}
		return nil
	}
	if body == skip {
		// An empty data section (a v2 page of nulls) is not compressed
		// data at all; its declared size must say so.
		if declared != skip {
			return c.corrupt("an empty page declares %d decompressed bytes", declared-skip)
		}
		return nil
	}
	buf := pageBuffers.Get().(*[]byte)
	defer pageBuffers.Put(buf)
	if int64(cap(*buf)) < body-skip {
		*buf = make([]byte, body-skip)
	}
	data := (*buf)[:body-skip]
	if _, err := c.File.file.ReadAt(data, p.offset+p.hlen+skip); err != nil {
		return c.corrupt("reading a page: %v", err)
	}
	want := declared - skip
	got, err := decodedSize(cm.Codec, data, want, limit)
	switch {
	case errors.Is(err, errUnsupportedCodec):
		return nil // parquet-go reports it
	case err != nil:
		return c.corrupt("the page does not decompress (%s): %v", cm.Codec, err)
	case got > want:
		return c.corrupt("the page decompresses to more than the %d bytes its header declares", want)
	case got != want:
		return c.corrupt("the page decompresses to %d bytes but its header declares %d", got, want)
	}
	return nil
}

var errUnsupportedCodec = errors.New("unsupported codec")

// decodedSize decompresses data and returns its size, stopping at want+1.
func decodedSize(codec format.CompressionCodec, data []byte, want, limit int64) (int64, error) {
	switch codec {
	case format.Snappy:
		n, err := snappy.DecodedLen(data)
		return int64(n), err
	case format.Lz4Raw:
		// LZ4 blocks do not stream: decode into a buffer of the declared
		// size, which fails when the data needs more.
		buf := make([]byte, want)
		n, err := lz4.UncompressBlock(data, buf)
		if err != nil {
			return 0, fmt.Errorf("not an LZ4 block of at most %d bytes", want)
		}
		return int64(n), nil
	case format.Gzip:
		r := gzipReaders.Get().(*gzip.Reader)
		if r == nil {
			r = new(gzip.Reader)
		}
		defer gzipReaders.Put(r)
		if err := r.Reset(bytes.NewReader(data)); err != nil {
			return 0, err
		}
		return drain(r, want)
	case format.Brotli:
		r := brotliReaders.Get().(*brotli.Reader)
		if err := r.Reset(bytes.NewReader(data)); err != nil {
			return 0, err
		}
		defer brotliReaders.Put(r)
		return drain(r, want)
	case format.Zstd:
		if n, ok := zstdContentSize(data); ok && n == want {
			return n, nil
		}
		pool := zstdPool(limit)
		d := pool.Get().(*zstd.Decoder)
		if d == nil {
			return 0, errors.New("cannot create a ZSTD decoder")
		}
		defer pool.Put(d)
		if err := d.Reset(bytes.NewReader(data)); err != nil {
			return 0, err
		}
		n, err := drain(d, want)
		d.Reset(nil)
		return n, err
	}
	return 0, errUnsupportedCodec
}

// zstdContentSize adds up the content sizes that data's ZSTD frames state,
// walking frame and block headers without decoding. It is not ok when a frame
// states none or the headers do not tile data exactly. The decoder parquet-go
// uses holds each frame to its stated size (it stops within one block, at
// most 128 KiB, past it, and fails), so a page whose stated sizes add up to
// the declared size cannot inflate further.
func zstdContentSize(data []byte) (int64, bool) {
	var total uint64
	ok := walkZstd(data, func(h *zstd.Header) {
		if !h.HasFCS || h.FrameContentSize > 1<<40 {
			total = 1 << 41 // not ok
			return
		}
		total = min(total+h.FrameContentSize, 1<<41)
	})
	if !ok || total > 1<<40 {
		return 0, false
	}
	return int64(total), true
}

// walkZstd calls fn with the header of each of data's ZSTD frames (skippable
// frames left out), walking frame and block headers without decoding. It
// reports false when they do not tile data exactly.
func walkZstd(data []byte, fn func(*zstd.Header)) bool {
	const maxBlock = 128 << 10
	for len(data) > 0 {
		var h zstd.Header
		if err := h.Decode(data); err != nil {
			return false
		}
		if h.Skippable {
			n := uint64(h.HeaderSize) + uint64(h.SkippableSize)
			if n > uint64(len(data)) {
				return false
			}
			data = data[n:]
			continue
		}
		if h.HeaderSize > len(data) {
			return false
		}
		fn(&h)
		data = data[h.HeaderSize:]
		for last := false; !last; {
			if len(data) < 3 {
				return false
			}
			bh := int(data[0]) | int(data[1])<<8 | int(data[2])<<16
			last = bh&1 == 1
			size := bh >> 3
			data = data[3:]
			switch bh >> 1 & 3 {
			case 0, 2: // raw, compressed: size bytes follow
			case 1: // RLE: one byte, repeated size times
				size = 1
			default:
				return false
			}
			if bh>>3 > maxBlock || size > len(data) {
				return false
			}
			data = data[size:]
		}
		if h.HasCheckSum {
			if len(data) < 4 {
				return false
			}
			data = data[4:]
		}
	}
	return true
}

// drain reads r to its end or to one byte past want, discarding.
func drain(r io.Reader, want int64) (int64, error) {
	n, err := io.CopyN(io.Discard, r, want+1)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

var (
	gzipReaders   = sync.Pool{New: func() any { return (*gzip.Reader)(nil) }}
	brotliReaders = sync.Pool{New: func() any { return brotli.NewReader(nil) }}
	zstdPoolsMu   sync.Mutex
	zstdPools     = map[[2]int64]*sync.Pool{}
)

// zstdPool returns decoders that refuse windows larger than the page size
// limit, so a frame cannot make the streaming decoder allocate more.
func zstdPool(limit int64) *sync.Pool { return zstdPoolFor(limit, limit) }

// zstdPoolFor returns decoders that refuse windows larger than maxWindow
// and frames larger than limit.
func zstdPoolFor(limit, maxWindow int64) *sync.Pool {
	zstdPoolsMu.Lock()
	defer zstdPoolsMu.Unlock()
	key := [2]int64{limit, maxWindow}
	p := zstdPools[key]
	if p == nil {
		window := max(uint64(maxWindow), zstd.MinWindowSize)
		p = &sync.Pool{New: func() any {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(window), zstd.WithDecoderMaxMemory(uint64(limit)+1))
			if err != nil {
				return (*zstd.Decoder)(nil)
			}
			return d
		}}
		zstdPools[key] = p
	}
	return p
}
