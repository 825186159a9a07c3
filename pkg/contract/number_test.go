package contract

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
)

type numRow struct {
	I int64   `parquet:"i"`
	U uint64  `parquet:"u"`
	F float64 `parquet:"f"`
	D int64   `parquet:"d,decimal(3:18)"`
}

// TestExactNumbers: integers beyond 2^53, uint64, decimals and NaN, -Inf,
// -0.0 follow the documented rules (the DuckDB differential test covers
// them at scale; this one runs without node).
func TestExactNumbers(t *testing.T) {
	rows := []numRow{
		{I: math.MaxInt64, U: math.MaxUint64, F: math.NaN(), D: 123456789012345678},
		{I: 9007199254740993, U: 5, F: math.Copysign(0, -1), D: 123456789012345679},
		{I: 9007199254740992, U: 6, F: 0, D: 0},
		{I: 0, U: 7, F: math.Inf(-1), D: -1},
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[numRow](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "n.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := parseString(t, "n.yaml", `columns:
  - name: i
    max: 9007199254740992
    allowed: [9007199254740993, 0]
  - name: u
    max: 18446744073709551614
  - name: f
    min: 0
    max: 0
    unique: true
  - name: d
    type: decimal(18,3)
    max: 123456789012345.678
`)
	res := runContract(t, c, openAll(t, path))
	for _, tc := range []struct {
		id       string
		failures int64
		values   []any
	}{
		{"column.i.max", 2, []any{int64(math.MaxInt64), int64(9007199254740993)}},
		{"column.i.allowed", 2, []any{int64(math.MaxInt64), int64(9007199254740992)}},
		{"column.u.max", 1, []any{uint64(math.MaxUint64)}},
		{"column.f.min", 1, []any{math.Inf(-1)}},
		{"column.f.max", 1, []any{math.NaN()}}, // NaN is above every max
		{"column.f.unique", 1, []any{0.0}},     // -0.0 equals 0.0
		{"column.d.max", 1, []any{json.Number("123456789012345.679")}},
	} {
		chk := checkByID(t, res, tc.id)
		if chk.Failures != tc.failures || len(chk.Examples) != len(tc.values) {
			t.Errorf("%s: %d failures, %d examples (%s); want %d, %d", tc.id, chk.Failures, len(chk.Examples), chk.Message, tc.failures, len(tc.values))
			continue
		}
		for i, want := range tc.values {
			got := chk.Examples[i].Value
			if f, ok := want.(float64); ok && math.IsNaN(f) {
				if g, ok := got.(float64); !ok || !math.IsNaN(g) {
					t.Errorf("%s: example %v, want NaN", tc.id, got)
				}
				continue
			}
			if got != want {
				t.Errorf("%s: example %#v, want %#v", tc.id, got, want)
			}
		}
	}
	doc := &evidence.Document{APIVersion: evidence.APIVersion, Kind: evidence.KindDataValidation, Status: evidence.StatusFail, Checks: res.Checks}
	data, err := evidence.Marshal(doc)
	if err != nil {
		t.Fatalf("evidence with NaN and infinities: %v", err)
	}
	for _, want := range []string{`"value": "NaN"`, `"value": "-Infinity"`, `"min": "-Infinity"`, `"value": 123456789012345.679`, `"value": 18446744073709551615`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("evidence lacks %s", want)
		}
	}
}

func TestParseNumberExact(t *testing.T) {
	c := parseString(t, "n.yaml", "columns:\n  - name: x\n    min: -9223372036854775809\n    max: 123456789012345678901234567890.5\n")
	if got := c.Columns[0].Min.Value.Text; got != "-9223372036854775809" {
		t.Errorf("min %s", got)
	}
	if got := c.Columns[0].Max.Value.Text; got != "123456789012345678901234567890.5" {
		t.Errorf("max %s", got)
	}
	for _, bad := range []string{".nan", ".inf", `"12"`} {
		if _, err := Parse("b.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: x\n    max: "+bad+"\n")); err == nil {
			t.Errorf("max: %s was accepted", bad)
		}
	}
}
