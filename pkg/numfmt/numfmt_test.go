package numfmt

import (
	"math"
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	cases := map[int64]string{0: "0", 999: "999", 1000: "1,000", 8378: "8,378", 20000000: "20,000,000", -1234: "-1,234",
		math.MinInt64: "-9,223,372,036,854,775,808"}
	for in, want := range cases {
		if got := Count(in); got != want {
			t.Errorf("Count(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestNum(t *testing.T) {
	cases := map[float64]string{0: "0", 0.925: "0.925", 0.91234: "0.9123", 118.5: "118.5", 12345.67: "12345.7",
		1e-9: "1.00e-09", 2e7: "2.00e+07", -1.5: "-1.5", math.Inf(1): "+Inf"}
	for in, want := range cases {
		if got := Num(in); got != want {
			t.Errorf("Num(%v) = %q, want %q", in, got, want)
		}
	}
	if got := Signed(0.013); got != "+0.013" {
		t.Errorf("Signed = %q", got)
	}
}

// One rule for every share: the issue saw 33.3%, 33.33% and +1.234% for the
// same kind of value.
func TestPercent(t *testing.T) {
	cases := map[float64]string{0: "0%", 1.0 / 3: "33.3%", 0.5: "50%", 0.0321: "3.2%", 0.1676: "16.8%", 1: "100%",
		0.0004: "0.04%", 0.000002: "0.0002%", 1e-12: "<0.0001%", 0.9996: ">99.9%", -0.075: "-7.5%", -0.00001: "-0.001%",
		math.NaN(): "NaN%"}
	for in, want := range cases {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%v) = %q, want %q", in, got, want)
		}
	}
	signed := map[float64]string{0.013 / 0.912: "+1.4%", -0.075: "-7.5%", 0: "0%", 0.0034: "+0.3%"}
	for in, want := range signed {
		if got := SignedPercent(in); got != want {
			t.Errorf("SignedPercent(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestPercentPair(t *testing.T) {
	cases := []struct {
		share, limit float64
		a, b         string
	}{
		{0.0321, 0.05, "3.2%", "5%"},
		{0.0504, 0.05, "5.04%", "5%"},
		{0.05, 0.05, "5%", "5%"},
		{0.949999, 0.95, "94.9999%", "95%"},
	}
	for _, c := range cases {
		if a, b := PercentPair(c.share, c.limit); a != c.a || b != c.b {
			t.Errorf("PercentPair(%v, %v) = %q, %q, want %q, %q", c.share, c.limit, a, b, c.a, c.b)
		}
	}
}

func TestDuration(t *testing.T) {
	cases := map[time.Duration]string{
		850 * time.Millisecond: "850ms", 1234 * time.Millisecond: "1.2s", 20900 * time.Millisecond: "21s",
		125 * time.Second: "2m05s", 63*time.Minute + 20*time.Second: "1h03m", 500 * time.Microsecond: "500µs", 0: "0s",
	}
	for in, want := range cases {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	cases := map[int64]string{0: "0 B", 512: "512 B", 1024: "1 KiB", 4 << 20: "4 MiB", 3 << 29: "1.5 GiB",
		(1 << 20) - 1: "1 MiB", 4 << 30: "4 GiB"}
	for in, want := range cases {
		if got := Bytes(in); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", in, got, want)
		}
	}
}
