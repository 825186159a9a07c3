package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Float is a float64 that JSON can carry whole: NaN and the infinities are
// written as the strings "NaN", "Infinity" and "-Infinity" (#/$defs/float in
// the JSON Schema), as JSON numbers cannot hold them, and read back.
type Float float64

// MarshalJSON writes finite values as numbers, others as strings.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte(`"NaN"`), nil
	case math.IsInf(x, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(x)
}

// UnmarshalJSON reads a number or one of the three strings.
func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		x, ok := ParseSpecialFloat(s)
		if !ok {
			return fmt.Errorf("float %q: want a number, NaN, Infinity or -Infinity", s)
		}
		*f = Float(x)
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("float %s: %w", b, err)
	}
	*f = Float(x)
	return nil
}

// ParseSpecialFloat reads the encoding of a float that is not finite.
func ParseSpecialFloat(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// jsonSafe replaces the non-finite floats in a free-form value (examples,
// observed and expected values, details built of maps and slices) by Float,
// so that encoding it cannot fail.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Float(x)
		}
	case float32:
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return Float(f)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonSafe(e)
		}
		return out
	}
	return v
}

// MarshalJSON encodes the check with its non-finite floats as strings.
func (c Check) MarshalJSON() ([]byte, error) {
	type plain Check
	p := plain(c)
	p.Observed, p.Expected = jsonSafe(c.Observed), jsonSafe(c.Expected)
	if c.Examples != nil {
		p.Examples = make([]Example, len(c.Examples))
		for i, e := range c.Examples {
			e.Value = jsonSafe(e.Value)
			p.Examples[i] = e
		}
	}
	return json.Marshal(p)
}

// MarshalValue encodes a free-form value (an example's) as a check would:
// non-finite floats as strings, HTML characters as they are.
func MarshalValue(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonSafe(v)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
