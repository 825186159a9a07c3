package contract

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync/atomic"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Number is a contract limit read exactly from its YAML text, so that
// 9007199254740993 and 123456789012345.678 mean what they say (a float64
// would round both).
type Number struct {
	Text string
	Rat  *big.Rat
}

// ParseNumber reads a finite decimal number ("12", "-0.5", "1e3").
func ParseNumber(s string) (Number, error) {
	t := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "+"), "_", "")
	r, ok := new(big.Rat).SetString(t)
	if !ok || t == "" || strings.ContainsAny(t, "/xXoObBpP") {
		return Number{}, fmt.Errorf("%q is not a finite decimal number", s)
	}
	return Number{Text: t, Rat: r}, nil
}

// NumberOfExact is the number a column value stands for (not NaN or infinite).
func NumberOfExact(e parquetx.Exact) Number {
	return Number{Text: e.Text(), Rat: e.Rat()}
}

func (n Number) String() string { return n.Text }

// Cmp compares two numbers exactly.
func (n Number) Cmp(o Number) int { return n.Rat.Cmp(o.Rat) }

// maxScale is the largest decimal scale compared exactly (precision 38, the
// widest decimal that fits 128 bits).
const maxScale = 38

var pow10 = func() [maxScale + 1]*big.Int {
	var p [maxScale + 1]*big.Int
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

// intLimit is a limit L in the domain of integers scaled by 10^s: a value u
// (standing for u/10^s) is above L when u > floor and below it when u < ceil;
// exact says L*10^s is an integer u can equal.
type intLimit struct {
	floor, ceil parquetx.Int128
	exact       bool
}

func newIntLimit(l *big.Rat, scale int) intLimit {
	x := new(big.Rat).Mul(l, new(big.Rat).SetInt(pow10[scale]))
	num, den := x.Num(), x.Denom()
	fl := new(big.Int).Div(num, den) // Euclidean: floor for a positive denominator
	exact := new(big.Int).Mod(num, den).Sign() == 0
	ce := new(big.Int).Set(fl)
	if !exact {
		ce.Add(ce, big.NewInt(1))
	}
	f, ok1 := parquetx.Int128FromBig(fl)
	c, ok2 := parquetx.Int128FromBig(ce)
	return intLimit{floor: f, ceil: c, exact: exact && ok1 && ok2}
}

// limit is a contract limit compiled for every column type it can meet.
type limit struct {
	n Number
	// f64 and f32 are the limit cast to DOUBLE and FLOAT, as SQL casts a
	// literal to the column's type.
	f64 float64
	f32 float64
	// ints[s] is the limit for integers scaled by 10^s, made on first use
	// (columns meet one or two scales of the 39).
	ints [maxScale + 1]atomic.Pointer[intLimit]
}

func newLimit(n Number) *limit {
	l := &limit{n: n}
	l.f64, _ = n.Rat.Float64()
	f32, _ := n.Rat.Float32()
	l.f32 = float64(f32)
	return l
}

func (l *limit) atScale(s int) *intLimit {
	if il := l.ints[s].Load(); il != nil {
		return il
	}
	il := newIntLimit(l.n.Rat, s)
	l.ints[s].Store(&il)
	return &il
}

// cmp compares a column value with the limit: -1, 0, +1; NaN is greater
// than every number (as in DuckDB and PostgreSQL).
func (l *limit) cmp(col *parquetx.Column, e parquetx.Exact) int {
	if e.Float {
		lf := l.f64
		if col.Type.Name == parquetx.TypeFloat {
			lf = l.f32
		}
		switch {
		case math.IsNaN(e.F) || e.F > lf:
			return 1
		case e.F < lf:
			return -1
		}
		return 0
	}
	il := l.atScale(e.Scale)
	if c := e.Int.Cmp(il.floor); c > 0 {
		return 1
	}
	if c := e.Int.Cmp(il.ceil); c < 0 {
		return -1
	}
	return 0
}

// compareExact orders two values of possibly different columns exactly,
// NaN above everything.
func compareExact(a, b parquetx.Exact) int {
	if !a.Float && !b.Float && a.Scale == b.Scale {
		return a.Int.Cmp(b.Int)
	}
	if a.Float && b.Float {
		switch an, bn := math.IsNaN(a.F), math.IsNaN(b.F); {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		case a.F < b.F:
			return -1
		case a.F > b.F:
			return 1
		}
		return 0
	}
	ra, rb := a.Rat(), b.Rat()
	if ra != nil && rb != nil {
		return ra.Cmp(rb)
	}
	// One side is a NaN or an infinity and the other a finite number.
	rank := func(e parquetx.Exact, r *big.Rat) int {
		switch {
		case r != nil:
			return 0
		case math.IsNaN(e.F):
			return 2
		case e.F > 0:
			return 1
		}
		return -1
	}
	x, y := rank(a, ra), rank(b, rb)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// yamlExact formats a value for a contract.
func yamlExact(n Number) string { return n.Text }

// isSpecialFloat reports whether an allowed value names a float that is not
// a finite number: NaN, Infinity, -Infinity (any case; inf and nan too).
func isSpecialFloat(s string) bool {
	_, ok := specialFloat(s)
	return ok
}

func specialFloat(s string) (float64, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nan", ".nan":
		return math.NaN(), true
	case "inf", "+inf", "infinity", "+infinity", ".inf", "+.inf":
		return math.Inf(1), true
	case "-inf", "-infinity", "-.inf":
		return math.Inf(-1), true
	}
	return 0, false
}
