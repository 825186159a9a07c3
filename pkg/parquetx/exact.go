package parquetx

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Int128 is a 128-bit two's complement integer: wide enough for every
// int64, uint64 and decimal of precision up to 38, compared without float64.
type Int128 struct {
	Hi int64
	Lo uint64
}

// Int128Of widens a signed integer.
func Int128Of(x int64) Int128 { return Int128{Hi: x >> 63, Lo: uint64(x)} }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Int128) Cmp(b Int128) int {
	switch {
	case a.Hi < b.Hi:
		return -1
	case a.Hi > b.Hi:
		return 1
	case a.Lo < b.Lo:
		return -1
	case a.Lo > b.Lo:
		return 1
	}
	return 0
}

// Big converts to a big.Int.
func (a Int128) Big() *big.Int {
	x := new(big.Int).SetInt64(a.Hi)
	x.Lsh(x, 64)
	return x.Add(x, new(big.Int).SetUint64(a.Lo))
}

// Int128FromBig converts, saturating at the type's limits (ok false).
func Int128FromBig(x *big.Int) (v Int128, ok bool) {
	if x.BitLen() > 127 {
		if x.Sign() < 0 {
			return Int128{Hi: math.MinInt64}, false
		}
		return Int128{Hi: math.MaxInt64, Lo: math.MaxUint64}, false
	}
	var buf [16]byte
	abs := new(big.Int).Abs(x)
	abs.FillBytes(buf[:])
	v = Int128{Hi: int64(binary.BigEndian.Uint64(buf[:8])), Lo: binary.BigEndian.Uint64(buf[8:])}
	if x.Sign() < 0 { // two's complement negation
		v.Lo = ^v.Lo + 1
		v.Hi = ^v.Hi
		if v.Lo == 0 {
			v.Hi++
		}
	}
	return v, true
}

// int128FromBytes reads a big-endian two's complement integer (a decimal's
// unscaled value in FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY), false when it does
// not fit in 128 bits.
func int128FromBytes(b []byte) (Int128, bool) {
	if len(b) == 0 {
		return Int128{}, false
	}
	neg := b[0]&0x80 != 0
	ext := byte(0)
	if neg {
		ext = 0xff
	}
	for len(b) > 16 { // sign extension bytes beyond 128 bits carry nothing
		if b[0] != ext || (b[1]&0x80 != 0) != neg {
			return Int128{}, false
		}
		b = b[1:]
	}
	var buf [16]byte
	for i := range 16 - len(b) {
		buf[i] = ext
	}
	copy(buf[16-len(b):], b)
	return Int128{Hi: int64(binary.BigEndian.Uint64(buf[:8])), Lo: binary.BigEndian.Uint64(buf[8:])}, true
}

// Exact is a column value as an exact number: Float for FLOAT and DOUBLE
// columns (F, with NaN, infinities and -0.0 kept), otherwise the integer Int
// scaled down by 10^Scale (integers have Scale 0, decimals their scale).
type Exact struct {
	Float bool
	F     float64
	Int   Int128
	Scale int
}

// Exact returns a non-null numeric value exactly, honouring unsigned types
// and decimals of every physical type.
func (c *Column) Exact(v parquet.Value) (Exact, bool) {
	if v.IsNull() {
		return Exact{}, false
	}
	unsigned := c.Type.Name.IsUnsigned()
	e := Exact{}
	if c.Type.Name.IsDecimal() {
		e.Scale = c.Type.Scale
	}
	switch c.Physical {
	case format.Int32:
		if unsigned {
			e.Int = Int128{Lo: uint64(uint32(v.Int32()))}
		} else {
			e.Int = Int128Of(int64(v.Int32()))
		}
	case format.Int64:
		if unsigned {
			e.Int = Int128{Lo: uint64(v.Int64())}
		} else {
			e.Int = Int128Of(v.Int64())
		}
	case format.Float:
		e.Float, e.F = true, float64(v.Float())
	case format.Double:
		e.Float, e.F = true, v.Double()
	case format.ByteArray, format.FixedLenByteArray:
		if !c.Type.Name.IsDecimal() {
			return Exact{}, false
		}
		x, ok := int128FromBytes(v.ByteArray())
		if !ok {
			return Exact{}, false
		}
		e.Int = x
	default:
		return Exact{}, false
	}
	return e, true
}

// ExactReader is Exact specialised to the column once, for loops over many
// values: the common physical types skip Exact's per-value type tests.
func (c *Column) ExactReader() func(parquet.Value) (Exact, bool) {
	signed := !(len(c.Type.Name) > 4 && c.Type.Name[:4] == "uint") && c.Type.Name != "decimal"
	switch {
	case signed && c.Physical == format.Int32:
		return func(v parquet.Value) (Exact, bool) {
			return Exact{Int: Int128Of(int64(v.Int32()))}, !v.IsNull()
		}
	case signed && c.Physical == format.Int64:
		return func(v parquet.Value) (Exact, bool) {
			return Exact{Int: Int128Of(v.Int64())}, !v.IsNull()
		}
	case c.Physical == format.Double:
		return func(v parquet.Value) (Exact, bool) {
			return Exact{Float: true, F: v.Double()}, !v.IsNull()
		}
	}
	return c.Exact
}

// ExactNumeric reports whether Exact gives values for the column: integers,
// floats and decimals of every physical type.
func (c *Column) ExactNumeric() bool {
	switch c.Physical {
	case format.Int32, format.Int64, format.Float, format.Double:
		return true
	case format.ByteArray, format.FixedLenByteArray:
		return c.Type.Name.IsDecimal()
	}
	return false
}

// Rat is the value as a rational number (nil for NaN and infinities).
func (e Exact) Rat() *big.Rat {
	if e.Float {
		if math.IsNaN(e.F) || math.IsInf(e.F, 0) {
			return nil
		}
		return new(big.Rat).SetFloat64(e.F)
	}
	r := new(big.Rat).SetInt(e.Int.Big())
	if e.Scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e.Scale)), nil)))
	}
	return r
}

// Float64 is the nearest float64 (for moments and sketches that need one).
func (e Exact) Float64() float64 {
	if e.Float {
		return e.F
	}
	if e.Scale == 0 {
		if e.Int.Hi == 0 {
			return float64(e.Int.Lo)
		}
		if e.Int.Hi == -1 && e.Int.Lo>>63 == 1 {
			return float64(int64(e.Int.Lo))
		}
	}
	// Two exact float64s divide with one correct rounding.
	if v := int64(e.Int.Lo); e.Int.Hi == v>>63 && v > -1<<53 && v < 1<<53 && e.Scale <= 22 {
		return float64(v) / exactPow10[e.Scale]
	}
	f, _ := e.Rat().Float64()
	return f
}

// Text is the exact decimal text of an integer or decimal ("-12.340"), or
// of a float in the shortest form that reads back to it.
func (e Exact) Text() string {
	if e.Float {
		return strconv.FormatFloat(e.F, 'g', -1, 64)
	}
	s := e.Int.Big().String()
	if e.Scale == 0 {
		return s
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	for len(s) <= e.Scale {
		s = "0" + s
	}
	s = s[:len(s)-e.Scale] + "." + s[len(s)-e.Scale:]
	if neg {
		s = "-" + s
	}
	return s
}

// Key is a comparable form of the value in which equal numbers of one
// column are equal: -0.0 is 0.0 and every NaN is one NaN.
func (e Exact) Key() [2]uint64 {
	if e.Float {
		return [2]uint64{1, FloatKey(e.F)}
	}
	return [2]uint64{uint64(e.Int.Hi), e.Int.Lo}
}

// FloatKey is the bits of f with -0.0 folded into 0.0 and all NaNs into one.
func FloatKey(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case math.IsNaN(f):
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

// Value is the value for a report or JSON: float64 for floats (NaN and
// infinities included), int64 or uint64 for integers, and the exact decimal
// text as a json.Number otherwise.
func (e Exact) Value() any {
	switch {
	case e.Float:
		return e.F
	case e.Scale > 0:
		return json.Number(e.Text())
	case e.Int.Hi == int64(e.Int.Lo)>>63:
		return int64(e.Int.Lo)
	case e.Int.Hi == 0:
		return e.Int.Lo
	}
	return json.Number(e.Text())
}

var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}
