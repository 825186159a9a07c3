package profile

import (
	"errors"
	"math"
	"math/big"
)

// exactSum adds float64 values without rounding, so the sum of the same
// values is the same whatever their order or grouping. Every float64 is an
// integer mantissa m (|m| < 2^53) times 2^e, e in [-1074, 971]; each value's
// mantissa is added to the bucket of its exponent, and buckets are carried
// into higher ones before they can overflow. Parts decoded from a profile or
// merged from another sum are kept as one big integer (in units of 2^-1074).
type exactSum struct {
	buckets *[2142]int64 // 2046 exponents and room for carries
	adds    int          // adds since the last carry
	lo, hi  int          // range of buckets touched since the last carry
	base    big.Int
}

// carryEvery keeps buckets below 2^63: after a carry each holds less than
// 2^32 plus carries, and 512 mantissas of less than 2^53 add at most 2^62.
const carryEvery = 512

func (s *exactSum) add(x float64) {
	bits := math.Float64bits(x)
	exp := int(bits>>52) & 0x7ff
	mant := int64(bits & (1<<52 - 1))
	if exp == 0x7ff {
		return // not finite: never added (callers filter), and squares beyond float64
	}
	if exp != 0 {
		mant |= 1 << 52
	} else {
		exp = 1 // subnormal: same scale as the smallest normal exponent
	}
	if bits>>63 != 0 {
		mant = -mant
	}
	i := exp - 1 // bucket i holds multiples of 2^(i-1074)
	if s.buckets == nil {
		s.buckets = new([2142]int64)
		s.lo, s.hi = i, i
	}
	s.buckets[i] += mant
	s.lo, s.hi = min(s.lo, i), max(s.hi, i)
	if s.adds++; s.adds == carryEvery {
		s.carry()
	}
}

// carry moves each touched bucket's bits above 32 into the bucket 32 higher.
func (s *exactSum) carry() {
	s.adds = 0
	if s.buckets == nil {
		return
	}
	b := s.buckets
	for i := s.lo; i <= s.hi; i++ {
		high := b[i] >> 32
		if high == 0 || i+32 >= len(b) {
			continue
		}
		b[i] -= high << 32
		b[i+32] += high
		s.hi = max(s.hi, i+32)
	}
}

// integer is the sum in units of 2^-1074.
func (s *exactSum) integer() *big.Int {
	total := new(big.Int).Set(&s.base)
	if s.buckets == nil {
		return total
	}
	var term big.Int
	for i, v := range s.buckets {
		if v != 0 {
			term.SetInt64(v)
			total.Add(total, term.Lsh(&term, uint(i)))
		}
	}
	return total
}

func (s *exactSum) merge(o *exactSum) {
	s.base.Add(s.integer(), o.integer())
	s.buckets, s.adds = nil, 0
}

// float is the exact sum as a big.Float of precision prec.
func (s *exactSum) float(prec uint) *big.Float {
	f := new(big.Float).SetPrec(prec).SetInt(s.integer())
	return f.SetMantExp(f, -1074)
}

// text encodes the sum exactly, as a hexadecimal floating-point number.
func (s *exactSum) text() string {
	n := s.integer()
	prec := uint(max(n.BitLen(), 1))
	f := new(big.Float).SetPrec(prec).SetInt(n)
	return f.SetMantExp(f, -1074).Text('p', 0)
}

// parse decodes text's output, refusing values that are not such a sum.
func (s *exactSum) parse(text string) error {
	if len(text) > 2048 {
		return errors.New("too long")
	}
	f, _, err := big.ParseFloat(text, 0, 4096, big.ToNearestEven)
	if err != nil {
		return err
	}
	// A sum of at most 2^63 float64 values is below 2^1087.
	if f.IsInf() || f.MantExp(nil) > 1100 {
		return errors.New("out of range")
	}
	f.SetMantExp(f, 1074)
	n, acc := f.Int(nil)
	if acc != big.Exact {
		return errors.New("not a sum of float64 values")
	}
	*s = exactSum{}
	s.base.Set(n)
	return nil
}
