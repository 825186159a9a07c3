package evidence

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFloatRoundTrip: NaN and the infinities travel as strings and come back.
func TestFloatRoundTrip(t *testing.T) {
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.5, 1e300} {
		b, err := json.Marshal(Float(x))
		if err != nil {
			t.Fatal(err)
		}
		var back Float
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if y := float64(back); !(y == x || math.IsNaN(x) && math.IsNaN(y)) {
			t.Errorf("%v encoded as %s reads back as %v", x, b, y)
		}
	}
	var f Float
	if err := json.Unmarshal([]byte(`"nan"`), &f); err == nil {
		t.Error(`"nan" was accepted; only NaN, Infinity and -Infinity are`)
	}
}

// TestCheckWithNonFiniteValues: a check whose examples and observed value
// are not finite encodes and meets the schema.
func TestCheckWithNonFiniteValues(t *testing.T) {
	d := &Document{APIVersion: APIVersion, Kind: KindDataValidation, Subject: Subject{Name: "x"}, Tool: Tool{Name: "mlgate", Version: "t"}, Status: StatusFail,
		Checks: []Check{{ID: "column.f.min", Status: StatusFail, Message: "m", Observed: map[string]any{"min": math.Inf(-1)},
			Examples: []Example{{Row: 1, Value: math.NaN()}, {Row: 2, Value: []any{math.Inf(1), "a"}}}}}}
	data, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateSchema(data); err != nil {
		t.Errorf("%v\n%s", err, data)
	}
	var back struct {
		Checks []struct {
			Observed struct{ Min Float }
			Examples []struct{ Value any }
		}
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(float64(back.Checks[0].Observed.Min), -1) || back.Checks[0].Examples[0].Value != "NaN" {
		t.Errorf("read back %+v", back)
	}
}
