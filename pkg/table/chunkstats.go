package table

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ChunkStats states the table metadata's statistics of one data file for
// one of its columns in the form of a Parquet column chunk's, so the
// contract engine decides checks from them with the footer tier's own
// rules. Trust rules, beyond those of Stats:
//   - only a top-level, single-valued column (nested stats are not read);
//     a constant column (a Delta partition value from the log, a column
//     the file lacks) holds its one value in every row: exact statistics;
//   - a file with deleted rows has them: its counts include them, so the
//     contract engine, which knows the rows excluded from the opened file,
//     takes them as proving passes only, with live totals;
//   - bounds only for integer columns: string bounds may be truncated, and
//     dates, timestamps and decimals are written as text the log does not
//     type; float bounds leave NaN out;
//   - a bound is a bound, never taken for a value of the file: Delta's
//     protocol only promises min <= every value <= max (delta-0.8.0 has
//     a max of 2 over values 0 and 1), and Iceberg's bounds may be loose.
//
// The log is the data's own writer's record, trusted as much as a footer.
func (f *File) ChunkStats(col *parquetx.Column) (parquetx.ChunkStats, bool) {
	var st parquetx.ChunkStats
	if f == nil || f.Stats == nil || f.Stats.NumRecords < 0 ||
		!col.Leaf || col.InCollection || col.MaxRepetitionLevel > 0 || strings.Contains(col.Path, ".") {
		return st, false
	}
	st.Column, st.NumRows, st.NumValues = col.Index, f.Stats.NumRecords, f.Stats.NumRecords
	if c := col.Const; c != nil {
		st.HasNullCount = true
		if c.IsNull() {
			st.NullCount = st.NumRows
		} else if st.NumRows > 0 {
			st.Min, st.Max, st.HasMin, st.HasMax, st.MinExact, st.MaxExact = *c, *c, true, true, true, true
		}
		return st, true
	}
	if n, ok := f.Stats.NullCount[col.Path]; ok && n >= 0 && n <= f.Stats.NumRecords {
		st.NullCount, st.HasNullCount = n, true
	}
	st.Min, st.HasMin = intValue(col, f.Stats.Min[col.Path])
	st.Max, st.HasMax = intValue(col, f.Stats.Max[col.Path])
	return st, st.HasNullCount || st.HasMin || st.HasMax || col.MaxDefinitionLevel == 0
}

func intValue(col *parquetx.Column, v any) (parquet.Value, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return parquet.Value{}, false
	}
	i, err := n.Int64()
	if err != nil {
		return parquet.Value{}, false
	}
	if !col.Type.Name.IsInteger() || col.Type.Name.IsUnsigned() {
		return parquet.Value{}, false
	}
	switch col.Physical { // a promoted int keeps its file's physical type
	case format.Int32:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return parquet.Value{}, false
		}
		return parquet.Int32Value(int32(i)), true
	case format.Int64:
		return parquet.Int64Value(i), true
	}
	return parquet.Value{}, false
}
