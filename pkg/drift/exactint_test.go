package drift

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// intColumn profiles int64 values as the scan does (AddExact).
func intColumn(vals []int64) *profile.Column {
	c := profile.NewColumn("x", profile.Numeric, "int64")
	for _, v := range vals {
		c.AddExact(parquetx.Exact{Int: parquetx.Int128Of(v)})
	}
	c.Finish()
	return c
}

func compareOne(ref, cur *profile.Column, method string) float64 {
	cfg := DefaultConfig()
	cfg.Columns = map[string]ColumnConfig{"x": {Method: method}}
	r := Compare(&profile.Profile{Columns: []*profile.Column{ref}}, &profile.Profile{Columns: []*profile.Column{cur}}, cfg)
	return r.Details.Columns[0].Statistic
}

// Two int64 columns that differ only beyond 2^53: the reference is
// 2^60 + 0..59, the current 2^60 - 1..60. As float64 every value is 2^60,
// so the columns looked identical (KS 0, no drift); compared exactly they
// are disjoint: KS D = 1, Wasserstein = the 60 between the means over the
// reference's standard deviation, and every current value falls below the
// reference's first bin edge.
func TestExactDriftBeyond2p53(t *testing.T) {
	const base = int64(1) << 60
	var rv, cv []int64
	for i := int64(0); i < 60; i++ {
		rv = append(rv, base+i)
		cv = append(cv, base-1-i)
	}
	ref, cur := intColumn(rv), intColumn(cv)
	for _, x := range append(ref.Exact, cur.Exact...) {
		if x != float64(base) {
			t.Fatalf("test premise: %v is not 2^60 as float64", x)
		}
	}
	if d := compareOne(ref, cur, "ks"); d != 1 {
		t.Errorf("KS D = %v, want 1", d)
	}
	std := math.Sqrt((60*60 - 1) / 12.0) // the population variance of 0..59 is (n²-1)/12
	if w := compareOne(ref, cur, "wasserstein"); math.Abs(w-60/std) > 1e-9 {
		t.Errorf("Wasserstein %v, want %v", w, 60/std)
	}
	r := Compare(&profile.Profile{Columns: []*profile.Column{ref}}, &profile.Profile{Columns: []*profile.Column{cur}},
		Config{Share: 0.5, NullRate: 0.05, NaNRate: 0.05, UnseenRate: 0.01, Columns: map[string]ColumnConfig{"x": {Method: "psi"}}})
	if h := r.Details.Columns[0].Histogram; len(h) == 0 || h[0] != 1 {
		t.Errorf("current histogram %v: every value is below the reference's first edge", h)
	}
	// Equal exact values compare as equal; values one apart are distinct.
	if d := compareOne(ref, intColumn(rv), "ks"); d != 0 {
		t.Errorf("KS of a column with itself = %v", d)
	}
	// The comparison survives the profile file: ExactText is written and read.
	data, _ := json.Marshal(ref)
	var back profile.Column
	if err := json.Unmarshal(data, &back); err != nil || len(back.ExactText) != 60 {
		t.Fatalf("exact text not kept in the profile JSON: %v %d", err, len(back.ExactText))
	}
	if d := compareOne(&back, cur, "ks"); d != 1 {
		t.Errorf("KS D after a round trip = %v, want 1", d)
	}
	// Without the exact text (a profile of float values) the comparison
	// is the float64 one: this is what the exact view fixes.
	ref.ExactText, cur.ExactText = nil, nil
	if d := compareOne(ref, cur, "ks"); d != 0 {
		t.Errorf("float64 KS D = %v, expected 0 (all values round to 2^60)", d)
	}
}

// A few-valued column beyond 2^53 is compared by its exact values as
// categories: five int64 values one apart are five categories, not one.
func TestExactFewValuesBeyond2p53(t *testing.T) {
	const base = int64(1) << 62
	var rv, cv []int64
	for i := 0; i < 100; i++ {
		rv = append(rv, base+int64(i%5))
		cv = append(cv, base+int64(i%5)+3) // values 3 and 4 shared, 5..7 new
	}
	ref, cur := intColumn(rv), intColumn(cv)
	cfg := DefaultConfig()
	r := Compare(&profile.Profile{Columns: []*profile.Column{ref}}, &profile.Profile{Columns: []*profile.Column{cur}}, cfg)
	col := r.Details.Columns[0]
	if col.UnseenRate != 0.6 || !col.Drifted {
		t.Errorf("unseen rate %v drifted %v, want 0.6 and drifted (method %s)", col.UnseenRate, col.Drifted, col.Method)
	}
}
