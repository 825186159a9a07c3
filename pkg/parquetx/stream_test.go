package parquetx

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/parquetbomb"
)

// pageSizes records the Pages a scan hands over: their number, their
// largest value bytes, the rows and values they hold and the values' bytes.
type pageSizes struct {
	pages, rows, maxBytes, values, bytes int
}

func (v *pageSizes) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *pageSizes) Close() error                             { return nil }
func (v *pageSizes) NumberPages()                             {}
func (v *pageSizes) Values(Batch) error {
	return fmt.Errorf("a batch of values reached a visitor of whole pages")
}
func (v *pageSizes) Page(p Page) error {
	v.pages++
	v.rows += p.Rows
	v.maxBytes = max(v.maxBytes, len(p.Bytes))
	v.values += len(p.Offsets) - 1
	v.bytes += int(p.Offsets[len(p.Offsets)-1])
	return nil
}

type bigRow struct {
	S string `parquet:"s,plain,zstd"`
}

// TestStreamedPageStaysWithinBudget writes a single ZSTD page of 64 MiB of
// strings (the layout of writers that put a row group in one page) and
// scans it under a 32 MiB budget: the page must reach the visitor in slices
// of at most streamBytes, the reservation must stay within the budget, and
// the scan must allocate far less than the page.
func TestStreamedPageStaysWithinBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const rows, width = 640_000, 100
	w := parquet.NewGenericWriter[bigRow](out, parquet.PageBufferSize(256<<20), parquet.MaxRowsPerRowGroup(rows))
	batch := make([]bigRow, 0, 1000)
	for i := range rows {
		batch = append(batch, bigRow{fmt.Sprintf("%0*d", width, i)})
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
	c := &Chunk{File: f, Column: f.Schema.Lookup("s")}
	if c.Stats, err = f.Stats(0, c.Column); err != nil {
		t.Fatal(err)
	}
	_, pages, err := checkPageHeaders(c, DefaultMaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	page := int64(pages[0].header.UncompressedPageSize)
	if len(pages) != 1 || page < 60<<20 {
		t.Fatalf("the writer made %d pages, the first of %d bytes; want one of over 60 MiB", len(pages), page)
	}
	const memory = 32 << 20
	b := newBudget(memory)
	v := new(pageSizes)
	var scanErr error
	used := allocated(func() {
		scanErr = Scan(context.Background(), []*File{f}, []string{"s"}, ScanOptions{Workers: 1, Memory: memory, budget: b}, func(*Chunk) (ChunkVisitor, error) {
			return v, nil
		})
	})
	if scanErr != nil {
		t.Fatal(scanErr)
	}
	if v.rows != rows || v.values != rows || v.bytes != rows*width {
		t.Fatalf("the visitor saw %d rows, %d values of %d bytes, want %d of %d", v.rows, v.values, v.bytes, rows, rows*width)
	}
	if v.pages < int(page/streamBytes) || int64(v.maxBytes) > streamBytes {
		t.Errorf("the page came in %d slices of at most %d bytes, want slices of at most %d", v.pages, v.maxBytes, streamBytes)
	}
	if b.peak > memory || b.peak == 0 {
		t.Errorf("reserved %d bytes at most, want some and at most the %d budget", b.peak, memory)
	}
	t.Logf("a %d MiB page: %d slices, %d MiB reserved at most, %d MiB allocated", page>>20, v.pages, b.peak>>20, used>>20)
	if used > memory {
		t.Errorf("scanning a %d MiB page allocated %d MiB, over the %d MiB budget", page>>20, used>>20, memory>>20)
	}
}

// BenchmarkStreamedPage scans one 64 MiB page of strings through the raw
// reader, reporting the bytes allocated per scan.
func BenchmarkStreamedPage(b *testing.B) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[bigRow](&buf, parquet.PageBufferSize(256<<20), parquet.MaxRowsPerRowGroup(1<<30))
	rows := make([]bigRow, 640_000)
	for i := range rows {
		rows[i].S = fmt.Sprintf("%0100d", i)
	}
	if _, err := w.Write(rows); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f, err := OpenReader("big.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := Scan(context.Background(), []*File{f}, []string{"s"}, ScanOptions{Workers: 1}, func(*Chunk) (ChunkVisitor, error) {
			return new(pageSizes), nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// stringPage is a file with one optional string column "s" of n rows in a
// single v1 data page, whose decompressed body (levels, then values) is
// body, compressed with codec; declared is the uncompressed size its header
// states and cut how many compressed bytes are left out.
func stringPage(codec format.CompressionCodec, n int32, body []byte, declared int32, cut int) []byte {
	return stringPageCRC(codec, n, body, declared, cut, 0)
}

// stringPageCRC is stringPage with a page checksum: the right one when
// crcDelta is 0, else off by crcDelta.
func stringPageCRC(codec format.CompressionCodec, n int32, body []byte, declared int32, cut int, crcDelta uint32) []byte {
	var comp []byte
	switch codec {
	case format.Zstd:
		e, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<10))
		comp = e.EncodeAll(body, nil)
	case format.Snappy:
		comp = snappy.Encode(nil, body)
	default:
		comp = append([]byte{}, body...)
	}
	comp = comp[:len(comp)-min(cut, len(comp))]
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: declared, CompressedPageSize: int32(len(comp)), CRC: int32(crc32.ChecksumIEEE(comp) + crcDelta)}
	h.DataPageHeader = thrift.New(format.DataPageHeader{NumValues: n, Encoding: format.Plain, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})
	hb, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		panic(err)
	}
	page := append(hb, comp...)
	return parquetbomb.File(page, &format.FileMetaData{
		Version: 1, NumRows: int64(n),
		Schema: []format.SchemaElement{{Name: "schema", NumChildren: thrift.New(int32(1))},
			{Name: "s", Type: thrift.New(format.ByteArray), RepetitionType: thrift.New(format.Optional)}},
		RowGroups: []format.RowGroup{{NumRows: int64(n), TotalByteSize: int64(len(page)), Columns: []format.ColumnChunk{{
			FileOffset: 4,
			MetaData: format.ColumnMetaData{Type: format.ByteArray, Encoding: []format.Encoding{format.Plain}, PathInSchema: []string{"s"},
				Codec: codec, NumValues: int64(n), TotalUncompressedSize: int64(len(hb)) + int64(declared), TotalCompressedSize: int64(len(page)), DataPageOffset: 4,
				Statistics: format.Statistics{NullCount: -1}}, // unknown
		}}}},
	})
}

// stringBody is a page body of the given values (nil for null): RLE
// definition levels, then the values PLAIN.
func stringBody(values []*string) []byte {
	var levels []byte
	for i := 0; i < len(values); i += 8 { // bit-packed groups of 8
		var g byte
		for j := i; j < min(i+8, len(values)); j++ {
			if values[j] != nil {
				g |= 1 << (j - i)
			}
		}
		levels = append(levels, g)
	}
	levels = append(binary.AppendUvarint(nil, uint64((len(levels))<<1|1)), levels...)
	body := binary.LittleEndian.AppendUint32(nil, uint32(len(levels)))
	body = append(body, levels...)
	for _, v := range values {
		if v != nil {
			body = binary.LittleEndian.AppendUint32(body, uint32(len(*v)))
			body = append(body, *v...)
		}
	}
	return body
}

// scanStrings scans the file's column "s" with the raw reader, returning
// each row's value ("null" for null).
func scanStrings(data []byte) ([]string, error) {
	f, err := OpenReader("page.parquet", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var got []string
	err = Scan(context.Background(), []*File{f}, []string{"s"}, ScanOptions{Workers: 1}, func(*Chunk) (ChunkVisitor, error) {
		return &stringPages{got: &got}, nil
	})
	return got, err
}

type stringPages struct{ got *[]string }

func (v *stringPages) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *stringPages) Close() error                             { return nil }
func (v *stringPages) Values(Batch) error {
	return fmt.Errorf("a batch of values reached a visitor of whole pages")
}
func (v *stringPages) Page(p Page) error {
	if p.Def != nil && len(p.Def) != p.Rows {
		return fmt.Errorf("a page of %d rows with %d levels", p.Rows, len(p.Def))
	}
	k := 0
	for r := range p.Rows {
		if p.Def != nil && p.Def[r] != p.MaxDef {
			*v.got = append(*v.got, "null")
			continue
		}
		if k+1 >= len(p.Offsets) || p.Offsets[k] > p.Offsets[k+1] || int(p.Offsets[k+1]) > len(p.Bytes) {
			return fmt.Errorf("value %d of a page lies outside its bytes", k)
		}
		*v.got = append(*v.got, string(p.Bytes[p.Offsets[k]:p.Offsets[k+1]]))
		k++
	}
	if k != len(p.Offsets)-1 {
		return fmt.Errorf("a page of %d values holds %d", k, len(p.Offsets)-1)
	}
	return nil
}

// smallStream makes the stream and input buffers tiny for the test, so
// that values straddle them and outgrow them, and ZSTD pages stream from
// the file.
func smallStream(t testing.TB, n int64) {
	old, oldIn, oldWhole := streamBytes, inputBytes, wholeBytes
	streamBytes, inputBytes, wholeBytes = n, n, n
	t.Cleanup(func() { streamBytes, inputBytes, wholeBytes = old, oldIn, oldWhole })
}

// TestStreamedPagesRefuseLies streams pages whose headers lie about their
// sizes or checksums or that are cut short, with stream and input buffers
// smaller than their values: each must fail as corrupt, naming the file,
// never panic (want lists the accepted reasons, separated by |).
func TestStreamedPagesRefuseLies(t *testing.T) {
	smallStream(t, 16)
	long := strings.Repeat("x", 40) // longer than the buffer
	vals := []*string{&long, nil, new(string), &long, nil}
	for i := range 30 {
		s := fmt.Sprint("value-", i)
		vals = append(vals, &s)
	}
	body := stringBody(vals)
	n, size := int32(len(vals)), int32(len(body))
	for _, codec := range []format.CompressionCodec{format.Uncompressed, format.Snappy, format.Zstd} {
		got, err := scanStrings(stringPage(codec, n, body, size, 0))
		if err != nil || len(got) != len(vals) || got[0] != long || got[1] != "null" || got[2] != "" || got[len(got)-1] != "value-29" {
			t.Fatalf("%s: the honest page read %q, %v", codec, got, err)
		}
		lying := binary.LittleEndian.AppendUint32(append([]byte{}, body[:len(body)-12]...), 1<<30) // a value's length
		lying = append(lying, body[len(body)-8:]...)
		for _, tc := range []struct {
			name string
			file []byte
			want string
		}{
			{"declares more", stringPage(codec, n, body, size+10, 0), "declares"},
			{"declares less", stringPage(codec, n, body, size-10, 0), "declares|holds"}, // a streamed page ends early
			{"cut short", stringPage(codec, n, body, size, 3), ""},
			{"more values than held", stringPage(codec, n, append(append([]byte{}, body...), 0), size+1, 0), "holds more"},
			{"a value runs past the page", stringPage(codec, n, lying, size, 0), "runs past the page"},
			{"a wrong checksum", stringPageCRC(codec, n, body, size, 0, 1), "crc32 checksum mismatch"},
			{"a wrong checksum and size", stringPageCRC(codec, n, body, size+10, 0, 1), "crc32 checksum mismatch"},
			{"levels run past the page", stringPage(codec, n, append(binary.LittleEndian.AppendUint32(nil, 1<<20), body[4:]...), size, 0), "run past the page"},
		} {
			t.Run(fmt.Sprint(codec, "/", tc.name), func(t *testing.T) {
				_, err := scanStrings(tc.file)
				said := false
				for _, w := range strings.Split(tc.want, "|") {
					said = said || err != nil && strings.Contains(err.Error(), w)
				}
				if !said || !strings.Contains(err.Error(), "page.parquet") || strings.Contains(err.Error(), "crashed") {
					t.Fatalf("want an error naming the file and saying %q, got %v", tc.want, err)
				}
			})
		}
	}
}

// FuzzStreamedPage streams arbitrary page bodies under arbitrary headers
// through a small stream buffer: no panic (scanChunk would turn one into a
// "crashed" error), and a page it accepts reads as the body says.
func FuzzStreamedPage(f *testing.F) {
	long := strings.Repeat("y", 50)
	a, b := "a", "bc"
	f.Add(stringBody([]*string{&a, nil, &b, &long}), uint16(4), int16(0), uint8(0), uint8(2))
	f.Add(stringBody([]*string{nil, nil}), uint16(2), int16(0), uint8(0), uint8(0))
	f.Add(stringBody([]*string{&long, &long, &a}), uint16(3), int16(-3), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, n uint16, delta int16, cut, codec uint8) {
		smallStream(t, 16)
		codecs := []format.CompressionCodec{format.Uncompressed, format.Snappy, format.Zstd}
		declared, cutN := max(int32(len(body))+int32(delta), 0), int(cut%8)
		file := stringPage(codecs[int(codec)%len(codecs)], int32(n), body, declared, cutN)
		got, err := scanStrings(file)
		if err != nil {
			if strings.Contains(err.Error(), "crashed") {
				t.Fatal(err)
			}
			return
		}
		if declared != int32(len(body)) || cutN != 0 {
			t.Fatalf("a page that lies about its size was read: %q", got)
		}
		// The reference: the levels and values read at once.
		l := int(binary.LittleEndian.Uint32(body))
		def, err := decodeLevels(body[4:4+l], 1, int(n))
		if err != nil {
			t.Fatalf("the reader took levels that do not decode: %v", err)
		}
		rest := body[4+l:]
		for r, d := range def {
			want := "null"
			if d == 1 {
				k := int(binary.LittleEndian.Uint32(rest))
				want, rest = string(rest[4:4+k]), rest[4+k:]
			}
			if got[r] != want {
				t.Fatalf("row %d read %q, want %q", r, got[r], want)
			}
		}
		if len(rest) != 0 {
			t.Fatalf("the reader left %d bytes of values unread", len(rest))
		}
	})
}
