package parquetx

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/parquetbomb"
)

// plainStrings is PLAIN byte arrays.
func plainStrings(values ...string) []byte {
	var out []byte
	for _, v := range values {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
	}
	return out
}

// pageOf is a page header and body, with the body's checksum.
func pageOf(t *testing.T, h format.PageHeader, body []byte) []byte {
	t.Helper()
	h.UncompressedPageSize, h.CompressedPageSize, h.CRC = int32(len(body)), int32(len(body)), int32(crc32.ChecksumIEEE(body))
	hb, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	if err != nil {
		t.Fatal(err)
	}
	return append(hb, body...)
}

// dictionaryLie is a required string column of a dictionary ("a", "b")
// and one PLAIN data page ("a", "zzz") whose footer says every data page
// is dictionary-encoded: a reader trusting it decides from the dictionary
// and never sees "zzz".
func dictionaryLie(t *testing.T) []byte {
	dict := pageOf(t, format.PageHeader{Type: format.DictionaryPage,
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: 2, Encoding: format.Plain})}, plainStrings("a", "b"))
	data := pageOf(t, format.PageHeader{Type: format.DataPage,
		DataPageHeader: thrift.New(format.DataPageHeader{NumValues: 2, Encoding: format.Plain, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})},
		plainStrings("a", "zzz"))
	chunk := append(dict, data...)
	return parquetbomb.File(chunk, &format.FileMetaData{
		Version: 1, NumRows: 2,
		Schema: []format.SchemaElement{{Name: "schema", NumChildren: thrift.New(int32(1))},
			{Name: "s", Type: thrift.New(format.ByteArray), RepetitionType: thrift.New(format.Required)}},
		RowGroups: []format.RowGroup{{NumRows: 2, TotalByteSize: int64(len(chunk)), Columns: []format.ColumnChunk{{
			FileOffset: 4,
			MetaData: format.ColumnMetaData{Type: format.ByteArray, Encoding: []format.Encoding{format.Plain, format.RLEDictionary}, PathInSchema: []string{"s"},
				Codec: format.Uncompressed, NumValues: 2, TotalUncompressedSize: int64(len(chunk)), TotalCompressedSize: int64(len(chunk)),
				DictionaryPageOffset: 4, DataPageOffset: 4 + int64(len(dict)),
				EncodingStats: []format.PageEncodingStats{{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1},
					{PageType: format.DataPage, Encoding: format.RLEDictionary, Count: 1}},
				Statistics: format.Statistics{NullCount: -1}},
		}}}},
	})
}

// dictionaryDecides is a visitor that, like the contract engine, stops
// at the dictionary when its entries decide every check, and records the
// values it is handed otherwise.
type dictionaryDecides struct{ got []string }

func (v *dictionaryDecides) Dictionary(entries []parquet.Value) (bool, error) {
	for _, e := range entries {
		v.got = append(v.got, e.String())
	}
	return false, nil
}
func (v *dictionaryDecides) Values(b Batch) error {
	for _, x := range b.Values {
		v.got = append(v.got, x.String())
	}
	return nil
}
func (v *dictionaryDecides) Close() error { return nil }

// TestDictionaryOnlyIsCheckedAgainstThePages: a chunk whose metadata says
// every data page is dictionary-encoded while a page is PLAIN is corrupt;
// a reader that let the dictionary decide accepted values it never saw.
func TestDictionaryOnlyIsCheckedAgainstThePages(t *testing.T) {
	data := dictionaryLie(t)
	f, err := OpenReader("lie.parquet", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := &dictionaryDecides{}
	err = Scan(context.Background(), []*File{f}, []string{"s"}, ScanOptions{Workers: 1}, func(*Chunk) (ChunkVisitor, error) { return v, nil })
	if err == nil || !strings.Contains(err.Error(), "lie.parquet") || !strings.Contains(err.Error(), "dictionary") {
		t.Fatalf("want an error naming the file and the dictionary encoding, got %v (visitor saw %q)", err, v.got)
	}
	if !strings.Contains(err.Error(), "is PLAIN") {
		t.Fatal(err)
	}
}
