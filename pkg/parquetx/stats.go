package parquetx

import (
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// ChunkStats is what the footer says about one column chunk, with every
// statistic that cannot be relied on left out (its Has flag false).
type ChunkStats struct {
	RowGroup int
	Column   int
	// NumRows is the row group's row count; NumValues the chunk's value count
	// (nulls and repeated elements included).
	NumRows   int64
	NumValues int64
	// NullCount is trusted only when HasNullCount: an absent null_count is
	// not zero.
	NullCount    int64
	HasNullCount bool
	// Min and Max are lower and upper bounds of the non-null values, usable
	// only when HasMin/HasMax. MinExact/MaxExact say whether the bound is a
	// value of the chunk (false for truncated byte-array bounds).
	Min, Max         parquet.Value
	HasMin, HasMax   bool
	MinExact         bool
	MaxExact         bool
	DistinctCount    int64
	HasDistinctCount bool
	// DictionaryOnly is true when every data page is dictionary-encoded, so
	// the dictionary holds every distinct value of the chunk.
	DictionaryOnly bool
	// CompressedSize and UncompressedSize are the chunk's byte sizes.
	CompressedSize, UncompressedSize int64
}

// The footer mirror decodes the few fields parquet-go's format package drops
// or cannot tell apart from zero: whether null_count was written at all, and
// is_min/max_value_exact (Statistics fields 7 and 8). Unknown fields are
// skipped by the Thrift decoder.
type mirrorStatistics struct {
	NullCount     thrift.Null[int64] `thrift:"3,optional"`
	DistinctCount thrift.Null[int64] `thrift:"4,optional"`
	IsMaxExact    thrift.Null[bool]  `thrift:"7,optional"`
	IsMinExact    thrift.Null[bool]  `thrift:"8,optional"`
}

type mirrorColumnMetaData struct {
	Statistics mirrorStatistics `thrift:"12,optional"`
}

type mirrorColumnChunk struct {
	MetaData mirrorColumnMetaData `thrift:"3,optional"`
}

type mirrorRowGroup struct {
	Columns []mirrorColumnChunk `thrift:"1,optional"`
}

type mirrorFileMetaData struct {
	RowGroups []mirrorRowGroup `thrift:"4,optional"`
}

func decodeMirror(footer []byte) (*mirrorFileMetaData, error) {
	var m mirrorFileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), footer, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// chunkStats builds the trusted statistics of chunk (rg, col).
func chunkStats(md *format.FileMetaData, mirror *mirrorFileMetaData, col *Column, rg, ci int) ChunkStats {
	g := &md.RowGroups[rg]
	cm := &g.Columns[ci].MetaData
	st := ChunkStats{
		RowGroup: rg, Column: ci,
		NumRows: g.NumRows, NumValues: cm.NumValues,
		CompressedSize: cm.TotalCompressedSize, UncompressedSize: cm.TotalUncompressedSize,
		DictionaryOnly: dictionaryOnly(cm),
	}
	var ms mirrorStatistics
	if rg < len(mirror.RowGroups) && ci < len(mirror.RowGroups[rg].Columns) {
		ms = mirror.RowGroups[rg].Columns[ci].MetaData.Statistics
	}
	if ms.NullCount.Valid && ms.NullCount.V >= 0 {
		st.NullCount, st.HasNullCount = ms.NullCount.V, true
	}
	if ms.DistinctCount.Valid && ms.DistinctCount.V > 0 {
		st.DistinctCount, st.HasDistinctCount = ms.DistinctCount.V, true
	}
	s := &cm.Statistics
	minRaw, maxRaw, modern := s.MinValue, s.MaxValue, true
	if minRaw == nil && maxRaw == nil {
		minRaw, maxRaw, modern = s.Min, s.Max, false
	}
	if !boundsOrderKnown(md, col, ci, modern) {
		return st
	}
	st.MinExact = !ms.IsMinExact.Valid || ms.IsMinExact.V
	st.MaxExact = !ms.IsMaxExact.Valid || ms.IsMaxExact.V
	if v, ok := decodeBound(col, minRaw); ok {
		st.Min, st.HasMin = v, true
	}
	if v, ok := decodeBound(col, maxRaw); ok {
		st.Max, st.HasMax = v, true
	}
	return st
}

// boundsOrderKnown says whether min/max were written in an order a reader can
// use for the column: the deprecated fields used signed comparison, which is
// wrong for byte arrays and unsigned integers; a ColumnOrder other than
// TypeDefinedOrder must be ignored; INT96 and interval bounds are not decoded
// here, nor decimal bounds of variable length (decimals order signed, and a
// shortened BYTE_ARRAY bound would not).
func boundsOrderKnown(md *format.FileMetaData, col *Column, ci int, modern bool) bool {
	switch col.Type.Name {
	case TypeInt96, TypeInterval, TypeFloat16, TypeNull, TypeGeometry, TypeGeography, TypeUUID, TypeBSON:
		return false
	case TypeDecimal:
		if col.Physical == format.ByteArray {
			return false
		}
	}
	switch col.Physical {
	case format.ByteArray, format.FixedLenByteArray:
		if !modern {
			return false
		}
	}
	if !modern && col.Type.Name.IsUnsigned() {
		return false // unsigned values in signed-ordered deprecated fields
	}
	if len(md.ColumnOrders) > ci {
		if _, ok := md.ColumnOrders[ci].Value.(*format.TypeDefinedOrder); !ok {
			return false
		}
	}
	return true
}

// decodeBound decodes a PLAIN-encoded statistic, refusing NaN and wrong widths.
func decodeBound(col *Column, b []byte) (parquet.Value, bool) {
	if b == nil {
		return parquet.Value{}, false
	}
	switch col.Physical {
	case format.Boolean:
		if len(b) != 1 {
			return parquet.Value{}, false
		}
		return parquet.BooleanValue(b[0] != 0), true
	case format.Int32:
		if len(b) != 4 {
			return parquet.Value{}, false
		}
		return parquet.Int32Value(int32(binary.LittleEndian.Uint32(b))), true
	case format.Int64:
		if len(b) != 8 {
			return parquet.Value{}, false
		}
		return parquet.Int64Value(int64(binary.LittleEndian.Uint64(b))), true
	case format.Float:
		if len(b) != 4 {
			return parquet.Value{}, false
		}
		f := math.Float32frombits(binary.LittleEndian.Uint32(b))
		if f != f {
			return parquet.Value{}, false
		}
		return parquet.FloatValue(f), true
	case format.Double:
		if len(b) != 8 {
			return parquet.Value{}, false
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		if math.IsNaN(f) {
			return parquet.Value{}, false
		}
		return parquet.DoubleValue(f), true
	case format.ByteArray:
		return parquet.ByteArrayValue(b), true
	case format.FixedLenByteArray:
		if len(b) != col.TypeLength {
			return parquet.Value{}, false
		}
		return parquet.FixedLenByteArrayValue(b), true
	}
	return parquet.Value{}, false
}

// dictionaryOnly reports whether every data page of the chunk is
// dictionary-encoded, from the page encoding stats when written, else
// conservatively from the list of encodings.
func dictionaryOnly(cm *format.ColumnMetaData) bool {
	isDict := func(e format.Encoding) bool { return e == format.PlainDictionary || e == format.RLEDictionary }
	if len(cm.EncodingStats) > 0 {
		sawDict := false
		for _, es := range cm.EncodingStats {
			if es.PageType == format.DictionaryPage {
				sawDict = true
				continue
			}
			if (es.PageType == format.DataPage || es.PageType == format.DataPageV2) && es.Count > 0 && !isDict(es.Encoding) {
				return false
			}
		}
		return sawDict
	}
	sawDict := false
	for _, e := range cm.Encoding {
		switch {
		case isDict(e):
			sawDict = true
		case e == format.RLE || e == format.BitPacked:
		default:
			return false
		}
	}
	return sawDict
}
