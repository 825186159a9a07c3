// Package parquetbomb generates hostile Parquet files for tests: they are
// built at run time, never committed.
package parquetbomb

import (
	"encoding/binary"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// File assembles the magic bytes, data and a footer.
func File(data []byte, md *format.FileMetaData) []byte {
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		panic(err) // the metadata is built here, so this is a bug
	}
	return RawFooter(data, footer)
}

// RawFooter assembles a file around footer bytes as they are.
func RawFooter(data, footer []byte) []byte {
	out := append([]byte("PAR1"), data...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// DeepSchema is a file whose schema nests depth groups, one inside the
// other, around a single leaf, with no rows.
func DeepSchema(depth int) []byte {
	elems := []format.SchemaElement{{Name: "schema", NumChildren: thrift.New(int32(1))}}
	for i := 0; i < depth-1; i++ {
		elems = append(elems, format.SchemaElement{Name: "g", RepetitionType: thrift.New(format.Optional), NumChildren: thrift.New(int32(1))})
	}
	elems = append(elems, format.SchemaElement{Name: "x", Type: thrift.New(format.Int32), RepetitionType: thrift.New(format.Optional)})
	return File(nil, &format.FileMetaData{Version: 1, Schema: elems})
}

// Page is a file with one required INT32 column "x" of n values in a single
// data page compressed with codec, whose body is body: the header declares
// 4n uncompressed bytes whatever body inflates to.
func Page(codec format.CompressionCodec, n int32, body []byte) []byte {
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: 4 * n, CompressedPageSize: int32(len(body))}
	h.DataPageHeader = thrift.New(format.DataPageHeader{NumValues: n, Encoding: format.Plain, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})
	hb, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		panic(err)
	}
	page := append(hb, body...)
	return File(page, &format.FileMetaData{
		Version: 1, NumRows: int64(n),
		Schema: []format.SchemaElement{{Name: "schema", NumChildren: thrift.New(int32(1))},
			{Name: "x", Type: thrift.New(format.Int32), RepetitionType: thrift.New(format.Required)}},
		RowGroups: []format.RowGroup{{NumRows: int64(n), TotalByteSize: int64(len(page)), Columns: []format.ColumnChunk{{
			FileOffset: 4,
			MetaData: format.ColumnMetaData{Type: format.Int32, Encoding: []format.Encoding{format.Plain}, PathInSchema: []string{"x"},
				Codec: codec, NumValues: int64(n), TotalUncompressedSize: int64(len(hb)) + 4*int64(n), TotalCompressedSize: int64(len(page)), DataPageOffset: 4},
		}}}},
	})
}

// ZstdRLE is a ZSTD frame of 128 KiB RLE blocks that inflates to size bytes
// from 4 bytes a block, without a content size in its header, so only
// decoding finds out (1 GiB takes 32 KiB).
func ZstdRLE(size int) []byte {
	const block = 128 << 10
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38} // magic, no content size, window 128 KiB
	for left := size; left > 0; left -= block {
		n := min(left, block)
		last := 0
		if left <= block {
			last = 1
		}
		h := last | 1<<1 | n<<3 // an RLE block
		out = append(out, byte(h), byte(h>>8), byte(h>>16), 0)
	}
	return out
}
