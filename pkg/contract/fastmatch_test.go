package contract

import (
	"fmt"
	"regexp"
	"testing"
)

var seqPatterns = []string{
	`^u[0-9]{12}$`, `^user[0-9]+@example\.com$`, `^[A-Z]{2}$`, `^[a-z]*-[0-9]?$`, `^x+y*z$`, `^[0-9]{2,4}$`,
	`^a$`, `^$`, `^ab[0-9]{2}cd[a-w]?x$`, `^-[0-9]{1,3}\.[0-9]+ kg$`,
}

func TestSeqMatcherShapes(t *testing.T) {
	for _, p := range seqPatterns {
		if compileSeq(p) == nil {
			t.Errorf("%s: not compiled to the fast matcher", p)
		}
	}
	// Shapes where greedy matching could be wrong, or that are not anchored
	// sequences, must stay with the regexp engine.
	for _, p := range []string{`^[a-z]+[a-c]$`, `^a*a$`, `u[0-9]`, `^(ab)+$`, `^a|b$`, `(?i)^abc$`, `^é+$`, `^.*$`, `^[0-9]+\d$`} {
		if compileSeq(p) != nil {
			t.Errorf("%s: compiled to the fast matcher", p)
		}
	}
}

// FuzzSeqMatcher checks the fast matcher against Go's regexp on arbitrary
// inputs for every pattern it accepts.
func FuzzSeqMatcher(f *testing.F) {
	for _, s := range []string{"u123456789012", "user42@example.com", "FR", "abc-1", "xyyz", "123", "", "a", "u12345678901", "é"} {
		f.Add(s)
	}
	var ms []*seqMatcher
	var res []*regexp.Regexp
	for _, p := range seqPatterns {
		ms = append(ms, compileSeq(p))
		res = append(res, regexp.MustCompile(p))
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(s) > 64<<10 {
			t.Skip()
		}
		for i, m := range ms {
			if got, want := m.match([]byte(s)), res[i].MatchString(s); got != want {
				t.Fatalf("%s on %q: fast %v, regexp %v", seqPatterns[i], s, got, want)
			}
		}
	})
}

// BenchmarkSeqMatcher matches the benchmark contract's two patterns on
// values of the benchmark tables' shape.
func BenchmarkSeqMatcher(b *testing.B) {
	user, email := compileSeq(`^u[0-9]{12}$`), compileSeq(`^user[0-9]+@example\.com$`)
	var values [][]byte
	for i := range 1024 {
		values = append(values, fmt.Appendf(nil, "u%012d", i*7919), fmt.Appendf(nil, "user%d@example.com", i*104729))
	}
	for b.Loop() {
		for i := 0; i < len(values); i += 2 {
			if !user.match(values[i]) || !email.match(values[i+1]) {
				b.Fatal("no match")
			}
		}
	}
}
