package contract

import (
	"encoding/binary"
	"regexp/syntax"
)

// seqMatcher matches the common shape of contract patterns without the
// regexp engine: an anchored sequence of literal bytes and repeated ASCII
// classes, e.g. ^u[0-9]{12}$ or ^[a-z]+@example\.com$. It is only built when
// greedy matching is exact: every repeated class is followed by something
// that cannot start with one of its bytes. Go's regexp runs several times
// slower on such patterns, and a scan tests every value.
type seqMatcher struct {
	items []seqItem
	// minLen and maxLen (-1: unbounded) bound the length of a match.
	minLen, maxLen int
}

type seqItem struct {
	class    [256]bool
	min, max int // max < 0: unbounded
	// lit, when set, is a run of literal bytes matched as a whole.
	lit []byte
	// digits is set when the class is [0-9], matched 8 bytes at a time.
	digits bool
}

// compileSeq returns a matcher for pattern, or nil when it has another shape.
func compileSeq(pattern string) *seqMatcher {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return nil
	}
	subs := re.Sub
	if subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil
	}
	m := &seqMatcher{}
	for _, s := range subs[1 : len(subs)-1] {
		if !m.add(s) {
			return nil
		}
	}
	// Greedy is exact only if what follows a repetition cannot continue it.
	for i, it := range m.items {
		if it.min == it.max {
			continue
		}
		for j := i + 1; j < len(m.items); j++ {
			for b := 0; b < 256; b++ {
				if it.class[b] && m.items[j].class[b] {
					return nil
				}
			}
			if m.items[j].min > 0 {
				break
			}
		}
	}
	m.joinLiterals()
	for i := range m.items {
		it := &m.items[i]
		it.digits = it.lit == nil
		for b := range 256 {
			it.digits = it.digits && it.class[b] == (b >= '0' && b <= '9')
		}
	}
	return m
}

// joinLiterals merges runs of single literal bytes into one item, compared
// at once, and sums the length bounds.
func (m *seqMatcher) joinLiterals() {
	var items []seqItem
	m.maxLen = 0
	for _, it := range m.items {
		m.minLen += it.min
		if m.maxLen >= 0 && it.max >= 0 {
			m.maxLen += it.max
		} else {
			m.maxLen = -1
		}
		if b, ok := it.single(); ok {
			if n := len(items); n > 0 && items[n-1].lit != nil {
				items[n-1].lit = append(items[n-1].lit, b)
				continue
			}
			items = append(items, seqItem{lit: []byte{b}, min: 1, max: 1})
			continue
		}
		items = append(items, it)
	}
	m.items = items
}

// single returns the byte of an item that matches exactly one given byte.
func (it *seqItem) single() (byte, bool) {
	if it.min != 1 || it.max != 1 {
		return 0, false
	}
	found := -1
	for b, in := range it.class {
		if in {
			if found >= 0 {
				return 0, false
			}
			found = b
		}
	}
	return byte(found), found >= 0
}

func (m *seqMatcher) add(re *syntax.Regexp) bool {
	if re.Flags&syntax.FoldCase != 0 {
		return false
	}
	switch re.Op {
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !m.add(sub) {
				return false
			}
		}
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0x80 {
				return false
			}
			var it seqItem
			it.class[r] = true
			it.min, it.max = 1, 1
			m.items = append(m.items, it)
		}
		return true
	case syntax.OpCharClass:
		it, ok := classItem(re)
		if !ok {
			return false
		}
		it.min, it.max = 1, 1
		m.items = append(m.items, it)
		return true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub := re.Sub[0]
		var it seqItem
		switch {
		case sub.Op == syntax.OpCharClass:
			var ok bool
			if it, ok = classItem(sub); !ok {
				return false
			}
		case sub.Op == syntax.OpLiteral && len(sub.Rune) == 1 && sub.Rune[0] < 0x80 && sub.Flags&syntax.FoldCase == 0:
			it.class[sub.Rune[0]] = true
		default:
			return false
		}
		switch re.Op {
		case syntax.OpStar:
			it.min, it.max = 0, -1
		case syntax.OpPlus:
			it.min, it.max = 1, -1
		case syntax.OpQuest:
			it.min, it.max = 0, 1
		default:
			if re.Min > 1000 || re.Max > 1000 {
				return false
			}
			it.min, it.max = re.Min, re.Max
		}
		m.items = append(m.items, it)
		return true
	}
	return false
}

// classItem accepts classes of ASCII characters only, so that matching bytes
// is the same as matching runes.
func classItem(re *syntax.Regexp) (seqItem, bool) {
	var it seqItem
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= 0x80 {
			return it, false
		}
		for r := lo; r <= hi; r++ {
			it.class[r] = true
		}
	}
	return it, true
}

// match reports whether the whole of b matches.
func (m *seqMatcher) match(b []byte) bool {
	if len(b) < m.minLen || (m.maxLen >= 0 && len(b) > m.maxLen) {
		return false
	}
	p := 0
	for i := range m.items {
		it := &m.items[i]
		if it.lit != nil {
			// Literals are short: a loop beats a call to memequal.
			if len(b)-p < len(it.lit) {
				return false
			}
			for j, c := range it.lit {
				if b[p+j] != c {
					return false
				}
			}
			p += len(it.lit)
			continue
		}
		end, start := len(b), p
		if it.max >= 0 && p+it.max < end {
			end = p + it.max
		}
		if it.digits {
			for end-p >= 8 && digits8(binary.LittleEndian.Uint64(b[p:])) {
				p += 8
			}
		}
		for p < end && it.class[b[p]] {
			p++
		}
		if p-start < it.min {
			return false
		}
	}
	return p == len(b)
}

// digits8 reports whether the 8 bytes of v are all ASCII digits: each high
// nibble is 3, and adding 6 to each low nibble carries out of none.
func digits8(v uint64) bool {
	const hi, six = 0xF0F0F0F0F0F0F0F0, 0x0606060606060606
	return v&hi == 0x3030303030303030 && (v+six)&hi == 0x3030303030303030
}
