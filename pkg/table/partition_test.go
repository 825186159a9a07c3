package table

import (
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Delta writes partition values as text; the empty string (any type) and
// null are null; a value that is not of its type is an error, never a
// guess.
func TestDeltaPartitionValues(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		typ, text string
		null      bool
		want      string // parquet.Value's String of the physical value
		err       string
	}{
		{"date", "2021-02-03", false, "18661", ""},
		{"timestamp", "1970-01-01 00:00:01.5", false, "1500000", ""},
		{"timestamp", "1970-01-01T00:00:01.000001Z", false, "1000001", ""},
		{"timestamp_ntz", "2000-01-01 00:00:00", false, "946684800000000", ""},
		{"decimal(5,2)", "-1.5", false, "-150", ""},
		{"decimal(5,2)", "1.234", false, "", "more than 2 decimals"},
		{"decimal(3,0)", "1000", false, "", "does not fit"},
		{"integer", "", true, "", ""},
		{"integer", "__HIVE_DEFAULT_PARTITION__", true, "", ""},
		{"string", "__HIVE_DEFAULT_PARTITION__", false, "__HIVE_DEFAULT_PARTITION__", ""},
		{"byte", "200", false, "", "not a int8"},
		{"boolean", "yes", false, "", "not a boolean"},
		{"double", "NaN", false, "NaN", ""},
	} {
		ct, ok := typeOf(tc.typ)
		if tc.typ == "timestamp" {
			ct, ok = timestampType(tc.typ, FormatDelta)
		}
		if !ok {
			t.Fatalf("%s: not a type", tc.typ)
		}
		v, err := deltaPartitionValue(ct, str(tc.text))
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q: want an error saying %q, got %v (%v)", tc.typ, tc.text, tc.err, err, v)
			}
		case err != nil:
			t.Errorf("%s %q: %v", tc.typ, tc.text, err)
		case tc.null != v.IsNull():
			t.Errorf("%s %q: null %v, want %v", tc.typ, tc.text, v.IsNull(), tc.null)
		case !tc.null && valueText(v) != tc.want:
			t.Errorf("%s %q: %s, want %s", tc.typ, tc.text, valueText(v), tc.want)
		}
	}
	if v, err := deltaPartitionValue(colType{}, nil); err != nil || !v.IsNull() {
		t.Errorf("a null partition value: %v, %v", v, err)
	}
}

func valueText(v parquet.Value) string {
	if v.Kind() == parquet.ByteArray {
		return string(v.ByteArray())
	}
	return v.String()
}
