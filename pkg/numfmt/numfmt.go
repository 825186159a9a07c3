// Package numfmt formats numbers for people, one way everywhere: counts with
// thousands separators, shares as percentages with one rule for digits, signed
// changes, durations and byte sizes. Reports, messages and logs use it so that
// the same value never shows as 8378 in one place and 8,378 in another.
package numfmt

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Count formats a count with thousands separators: 20,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Num formats a measured value: about four significant digits, no trailing
// zeros, scientific notation only for very large or very small values.
func Num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a == 0:
		return "0"
	case a >= 1e6 || a < 1e-4:
		return strconv.FormatFloat(v, 'e', 2, 64)
	case a >= 1000:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 3, 64))
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 4, 64))
}

// Signed is Num with an explicit sign for changes: +0.013, -1.5, 0.
func Signed(v float64) string {
	if v > 0 {
		return "+" + Num(v)
	}
	return Num(v)
}

// Percent formats a share (0.333 of a whole) as a percentage with the one
// rule for digits: one decimal, trailing zero dropped (33.3%, 50%). A share
// that is not zero never shows as 0% (0.04%, down to <0.0001%), and one that
// is not whole never shows as 100% (>99.9%).
func Percent(share float64) string {
	return percentDigits(share*100, 1) + "%"
}

// SignedPercent is Percent for a relative change, with an explicit sign:
// +1.4%, -7.5%, 0%.
func SignedPercent(rel float64) string {
	s := Percent(rel)
	if rel > 0 && !math.IsInf(rel, 0) {
		return "+" + s
	}
	return s
}

// PercentPair formats a share and the limit it is compared with using the
// same rule, adding decimals (up to four) only when one decimal would show
// two different values as equal: "5.04%, at most 5%" rather than "5%, at most 5%".
func PercentPair(share, limit float64) (string, string) {
	for d := 1; d <= 4; d++ {
		a, b := percentDigits(share*100, d), percentDigits(limit*100, d)
		if a != b || share == limit {
			return a + "%", b + "%"
		}
	}
	return percentDigits(share*100, 4) + "%", percentDigits(limit*100, 4) + "%"
}

// percentDigits formats p (already in percent) with d decimals, keeping a
// non-zero value off 0 and a value short of 100 off 100.
func percentDigits(p float64, d int) string {
	switch {
	case math.IsNaN(p):
		return "NaN"
	case math.IsInf(p, 1):
		return "∞"
	case math.IsInf(p, -1):
		return "-∞"
	}
	s := trimZeros(strconv.FormatFloat(p, 'f', d, 64))
	a := math.Abs(p)
	switch {
	case a != 0 && (s == "0" || s == "-0"):
		if a < 1e-4 {
			if p < 0 {
				return ">-0.0001"
			}
			return "<0.0001"
		}
		return strconv.FormatFloat(p, 'g', 2, 64)
	case s == "-0":
		return "0"
	case p < 100 && s == "100":
		return ">" + strconv.FormatFloat(100-math.Pow(10, -float64(d)), 'f', d, 64)
	}
	return s
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") || strings.ContainsAny(s, "eE") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Duration formats a duration at a precision a person reads: 850ms, 1.2s,
// 2m05s, 1h03m.
func Duration(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	switch {
	case d < time.Millisecond:
		return neg + d.String()
	case d < time.Second:
		return neg + strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return neg + trimZeros(strconv.FormatFloat(d.Seconds(), 'f', 1, 64)) + "s"
	case d < time.Minute:
		return neg + strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return neg + strconv.Itoa(int(d/time.Minute)) + "m" + pad2(int(d%time.Minute/time.Second)) + "s"
	}
	d = d.Round(time.Minute)
	return neg + strconv.Itoa(int(d/time.Hour)) + "h" + pad2(int(d%time.Hour/time.Minute)) + "m"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Bytes formats a size in binary units with one decimal, trailing zero
// dropped: 512 B, 4 MiB, 1.5 GiB.
func Bytes(n int64) string {
	if n < 1024 && n > -1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		if math.Abs(v) < 1024 || unit == "PiB" {
			s := trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
			if s == "1024" && unit != "PiB" {
				continue
			}
			return s + " " + unit
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}
