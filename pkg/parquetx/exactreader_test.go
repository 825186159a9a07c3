package parquetx

import (
	"math"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// TestExactReaderIsExact: the specialised reader gives what Exact gives, for
// the types it specialises and the ones it hands back to Exact.
func TestExactReaderIsExact(t *testing.T) {
	values := []parquet.Value{parquet.NullValue(), parquet.Int32Value(-7), parquet.Int32Value(math.MinInt32),
		parquet.Int64Value(-1), parquet.Int64Value(math.MaxInt64), parquet.DoubleValue(-2.5), parquet.FloatValue(1.5)}
	for _, c := range []Column{
		{Physical: format.Int32, Type: Type{Name: "int32"}}, {Physical: format.Int32, Type: Type{Name: "uint32"}},
		{Physical: format.Int32, Type: Type{Name: "decimal", Scale: 2}}, {Physical: format.Int64, Type: Type{Name: "int64"}},
		{Physical: format.Int64, Type: Type{Name: "uint64"}}, {Physical: format.Int64, Type: Type{Name: "decimal", Scale: 3}},
		{Physical: format.Double, Type: Type{Name: "double"}}, {Physical: format.Float, Type: Type{Name: "float"}},
	} {
		compared := 0
		read := c.ExactReader()
		for _, v := range values {
			if !v.IsNull() && v.Kind().String() != physicalKind(c.Physical) {
				continue
			}
			compared++
			gx, gok := read(v)
			wx, wok := c.Exact(v)
			if gok != wok || (gok && gx != wx) {
				t.Errorf("%s %s %v: got %+v %v, want %+v %v", c.Physical, c.Type.Name, v, gx, gok, wx, wok)
			}
		}
		if compared < 2 {
			t.Errorf("%s %s: only %d values compared", c.Physical, c.Type.Name, compared)
		}
	}
}

func physicalKind(p format.Type) string {
	return map[format.Type]string{format.Int32: "INT32", format.Int64: "INT64", format.Double: "DOUBLE", format.Float: "FLOAT"}[p]
}
