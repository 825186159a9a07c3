package parquetx

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/parquetbomb"
)

// bombs are the hostile inputs of issue #11 and #20, each with the text of
// the error that refuses it.
func bombs() []struct {
	name, want string
	data       []byte
} {
	return []struct {
		name, want string
		data       []byte
	}{
		{"schema-60000-deep", "schema nests 60000 levels deep, more than 64", parquetbomb.DeepSchema(60000)},
		{"schema-40000-deep", "schema nests 40000 levels deep, more than 64", parquetbomb.DeepSchema(40000)},
		{"zstd-page-1GiB", "decompresses to more than the 4096 bytes its header declares", parquetbomb.Page(format.Zstd, 1024, parquetbomb.ZstdRLE(1<<30))},
		// A frame that states the declared size but inflates to 1 GiB passes
		// the header walk; the decoder must still stop it.
		{"zstd-page-1GiB-stated-4096", "frame size exceeded", parquetbomb.Page(format.Zstd, 1024, statedZstd(4096, parquetbomb.ZstdRLE(1<<30)))},
		{"lz4-not-lz4", "does not decompress (LZ4_RAW)", parquetbomb.Page(format.Lz4Raw, 1024, bytes.Repeat([]byte{0xff}, 64))},
	}
}

// statedZstd rewrites the header of frame (from parquetbomb.ZstdRLE) to
// state a content size of n.
func statedZstd(n uint32, frame []byte) []byte {
	out := append([]byte{}, frame[:4]...)
	out = append(out, 0x80, frame[5], byte(n), byte(n>>8), byte(n>>16), byte(n>>24)) // 4-byte content size, window
	return append(out, frame[6:]...)
}

// openAndScan opens data and scans every leaf column, returning the first error.
func openAndScan(data []byte) error {
	f, err := OpenReader("bomb.parquet", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	defer f.Close()
	var cols []string
	for _, l := range f.Schema.Leaves {
		cols = append(cols, l.Path)
	}
	return Scan(context.Background(), []*File{f}, cols, ScanOptions{Workers: 1}, func(*Chunk) (ChunkVisitor, error) {
		return stopper{new(int)}, nil
	})
}

// allocated is the memory allocated while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestBombsAreRefusedWithBoundedMemory(t *testing.T) {
	const budget = 500 << 20
	for _, b := range bombs() {
		t.Run(b.name, func(t *testing.T) {
			var err error
			used := allocated(func() { err = openAndScan(b.data) })
			if err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "bomb.parquet") {
				t.Fatalf("want an error naming the file and saying %q, got %v", b.want, err)
			}
			if _, ok := err.(*CorruptError); !ok {
				t.Errorf("want a *CorruptError, got %T", err)
			}
			if used > budget {
				t.Fatalf("allocated %d MiB refusing a %d KiB file, more than %d MiB", used>>20, len(b.data)>>10, budget>>20)
			}
		})
	}
}

// The footer walker refuses what made parquet-go's decoder allocate or
// recurse without bound.
func TestFooterWalkerBounds(t *testing.T) {
	nested := bytes.Repeat([]byte{0x1c}, 100_000)                // field 1, a struct, 100,000 deep
	hugeList := []byte{0x29, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07} // schema: list<struct> of 2^31-1 elements
	for _, tc := range []struct {
		name   string
		footer []byte
		want   string
	}{
		{"nested structs", nested, "nests structures more than 32 deep"},
		{"list of 2^31", hugeList, "declares 2147483647 elements in 0 remaining bytes"},
		{"too many elements", append([]byte{0x29, 0xfc, 0xa1, 0x8d, 0x06}, bytes.Repeat([]byte{0}, 100_001)...), "100001 elements, more than 100000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			used := allocated(func() { _, err = checkFooter(tc.footer) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
			if used > 10<<20 {
				t.Fatalf("allocated %d MiB", used>>20)
			}
		})
	}
}

func TestSchemaShape(t *testing.T) {
	for _, tc := range []struct {
		children      []int32
		depth, leaves int
	}{
		{[]int32{2, 0, 0}, 1, 2},
		{[]int32{2, 1, 0, 0}, 2, 2},
		{[]int32{1, 1, 1, 0}, 3, 1},
		{[]int32{3, 2, 0, 0, 1, 0, 0}, 2, 4},
	} {
		if d, l := schemaShape(tc.children); d != tc.depth || l != tc.leaves {
			t.Errorf("%v: depth %d leaves %d, want %d %d", tc.children, d, l, tc.depth, tc.leaves)
		}
	}
}

// BenchmarkBombs reports the time and memory it takes to refuse each bomb.
func BenchmarkBombs(b *testing.B) {
	for _, bomb := range bombs() {
		b.Run(bomb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := openAndScan(bomb.data); err == nil {
					b.Fatal("accepted")
				}
			}
			b.ReportMetric(float64(len(bomb.data)), "file-bytes")
		})
	}
}

// The page size limit applies to the compressed size too, and its error is
// a *PageLimitError telling the limit that would read the page.
func TestPageLimitCoversCompressedSize(t *testing.T) {
	data := parquetbomb.Page(format.Gzip, 16, make([]byte, 2<<20))
	f, err := OpenReader("big.parquet", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	err = Scan(context.Background(), []*File{f}, []string{"x"}, ScanOptions{MaxPageSize: 1 << 20}, func(*Chunk) (ChunkVisitor, error) {
		return stopper{new(int)}, nil
	})
	pe, ok := err.(*PageLimitError)
	if !ok || pe.What != "compressed page" || pe.NeededMiB() != 2 || !strings.Contains(err.Error(), "big.parquet") {
		t.Fatalf("want a PageLimitError for the compressed page, got %#v (%v)", err, err)
	}
}

// Valid pages of every codec pass the decompressed-size check.
func TestEveryCodecPassesThePageCheck(t *testing.T) {
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Brotli, &parquet.Zstd, &parquet.Lz4Raw} {
		t.Run(codec.String(), func(t *testing.T) {
			var buf bytes.Buffer
			w := parquet.NewGenericWriter[scanRow](&buf, parquet.Compression(codec), parquet.PageBufferSize(4<<10))
			for i := range 5000 {
				s := strings.Repeat("v", i%50)
				if _, err := w.Write([]scanRow{{ID: int64(i), Name: &s, Tags: []int32{int32(i)}}}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := openAndScan(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestZstdContentSize walks real frames (two, with checksums and a skippable
// frame between) to their stated size, and refuses cut or size-less frames.
func TestZstdContentSize(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(true))
	if err != nil {
		t.Fatal(err)
	}
	a, b := bytes.Repeat([]byte("abc"), 100000), bytes.Repeat([]byte("hello, world "), 300)
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3}
	data := append(append(enc.EncodeAll(a, nil), skippable...), enc.EncodeAll(b, nil)...)
	if n, ok := zstdContentSize(data); !ok || n != int64(len(a)+len(b)) {
		t.Fatalf("got %d, %v; want %d, true", n, ok, len(a)+len(b))
	}
	if _, ok := zstdContentSize(data[:len(data)-1]); ok {
		t.Fatal("a cut frame was walked")
	}
	if _, ok := zstdContentSize(parquetbomb.ZstdRLE(1 << 20)); ok {
		t.Fatal("a frame without a content size was walked")
	}
}
