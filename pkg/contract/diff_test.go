package contract

import (
	"strings"
	"testing"
)

func parseString(t *testing.T, name, body string) *Contract {
	t.Helper()
	c, err := Parse(name, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDiffRules pins every row of the compatibility table in the README:
// each case changes one thing and expects exactly one change.
func TestDiffRules(t *testing.T) {
	col := func(rules string) string {
		return "columns:\n  - name: a\n    type: int64\n" + rules + "  - name: b\n    type: string\n"
	}
	cases := []struct {
		name     string
		old, new string
		path     string
		kind     string
		breaking bool
	}{
		{"column removed", col(""), "columns:\n  - name: a\n    type: int64\n", "column.b", "removed", true},
		{"column added", "columns:\n  - name: a\n    type: int64\n", col(""), "column.b", "added", false},
		{"column renamed", "columns:\n  - name: a\n    type: int64\n    min: 0\n", "columns:\n  - name: a2\n    type: int64\n    min: 0\n", "column.a", "renamed", true},
		{"type changed", col(""), strings.Replace(col(""), "int64", "int32", 1), "column.a.type", "changed", true},
		{"type pinned", "columns:\n  - name: t\n    type: timestamp\n", "columns:\n  - name: t\n    type: timestamp(us, utc)\n", "column.t.type", "narrowed", false},
		{"type unpinned", "columns:\n  - name: t\n    type: timestamp(us)\n", "columns:\n  - name: t\n    type: timestamp\n", "column.t.type", "changed", true},
		{"type removed", col(""), strings.Replace(col(""), "    type: int64\n", "", 1), "column.a.type", "removed", true},
		{"nullable became true", col("    nullable: false\n"), col("    nullable: true\n"), "column.a.nullable", "removed", true},
		{"nullable became false", col(""), col("    nullable: false\n"), "column.a.nullable", "added", false},
		{"null fraction raised", col("    max_null_fraction: 0.1\n"), col("    max_null_fraction: 0.2\n"), "column.a.max_null_fraction", "widened", true},
		{"null fraction lowered", col("    max_null_fraction: 0.2\n"), col("    max_null_fraction: 0.1\n"), "column.a.max_null_fraction", "narrowed", false},
		{"max_failures raised", col("    nullable: {value: false, max_failures: 5}\n"), col("    nullable: {value: false, max_failures: 10}\n"), "column.a.nullable.max_failures", "relaxed", true},
		{"max_failures added", col("    nullable: false\n"), col("    nullable: {value: false, max_failures: \"1%\"}\n"), "column.a.nullable.max_failures", "relaxed", true},
		{"max_failures made strict", col("    nullable: {value: false, max_failures: \"1%\"}\n"), col("    nullable: {value: false, max_failures: \"<1%\"}\n"), "column.a.nullable.max_failures", "tightened", false},
		{"max_failures rows to percent", col("    nullable: {value: false, max_failures: 5}\n"), col("    nullable: {value: false, max_failures: \"0.1%\"}\n"), "column.a.nullable.max_failures", "relaxed", true},
		{"missing value dropped", col("    missing: [null, -1, 0]\n"), col("    missing: [null, -1]\n"), "column.a.missing", "widened", true},
		{"missing null dropped", col("    missing: [null, -1]\n"), col("    missing: [-1]\n"), "column.a.missing", "widened", true},
		{"missing value added", col("    missing: [-1]\n"), col("    missing: [-1, 0]\n"), "column.a.missing", "narrowed", false},
		{"min lowered", col("    min: 0\n"), col("    min: -1\n"), "column.a.min", "widened", true},
		{"min raised", col("    min: 0\n"), col("    min: 1\n"), "column.a.min", "narrowed", false},
		{"max raised", col("    max: 10\n"), col("    max: 11\n"), "column.a.max", "widened", true},
		{"max lowered", col("    max: 10\n"), col("    max: 9\n"), "column.a.max", "narrowed", false},
		{"max removed", col("    max: 10\n"), col(""), "column.a.max", "removed", true},
		{"max added", col(""), col("    max: 10\n"), "column.a.max", "added", false},
		{"allowed value added", col("    allowed: [1, 2]\n"), col("    allowed: [1, 2, 3]\n"), "column.a.allowed", "widened", true},
		{"allowed value removed", col("    allowed: [1, 2]\n"), col("    allowed: [1]\n"), "column.a.allowed", "narrowed", false},
		{"pattern changed", "columns:\n  - name: s\n    pattern: '^a'\n", "columns:\n  - name: s\n    pattern: '^b'\n", "column.s.pattern", "widened", true},
		{"pattern added", "columns:\n  - name: s\n", "columns:\n  - name: s\n    pattern: '^a'\n", "column.s.pattern", "added", false},
		{"min_length lowered", "columns:\n  - name: s\n    min_length: 3\n", "columns:\n  - name: s\n    min_length: 2\n", "column.s.min_length", "widened", true},
		{"max_length raised", "columns:\n  - name: s\n    max_length: 3\n", "columns:\n  - name: s\n    max_length: 4\n", "column.s.max_length", "widened", true},
		{"max_length lowered", "columns:\n  - name: s\n    max_length: 3\n", "columns:\n  - name: s\n    max_length: 2\n", "column.s.max_length", "narrowed", false},
		{"unique dropped", col("    unique: true\n"), col(""), "column.a.unique", "removed", true},
		{"unique added", col(""), col("    unique: true\n"), "column.a.unique", "added", false},
		{"severity relaxed", col("    max: 10\n"), col("    max: {value: 10, severity: warn}\n"), "column.a.max.severity", "relaxed", true},
		{"severity tightened", col("    max: {value: 10, severity: warn}\n"), col("    max: 10\n"), "column.a.max.severity", "tightened", false},
		{"mostly lowered", col("    max: {value: 10, mostly: 0.99}\n"), col("    max: {value: 10, mostly: 0.9}\n"), "column.a.max.mostly", "relaxed", true},
		{"mostly raised", col("    max: {value: 10, mostly: 0.9}\n"), col("    max: 10\n"), "column.a.max.mostly", "tightened", false},
		{"rows min lowered", "dataset:\n  rows: {min: 10}\n" + col(""), "dataset:\n  rows: {min: 5}\n" + col(""), "dataset.rows.min", "widened", true},
		{"rows max lowered", "dataset:\n  rows: {max: 10}\n" + col(""), "dataset:\n  rows: {max: 5}\n" + col(""), "dataset.rows.max", "narrowed", false},
		{"strict dropped", "dataset:\n  strict: true\n" + col(""), col(""), "dataset.strict", "removed", true},
		{"strict added", col(""), "dataset:\n  strict: true\n" + col(""), "dataset.strict", "added", false},
		{"key dropped", "dataset:\n  unique:\n    - [a, b]\n" + col(""), col(""), "dataset.unique.a,b", "removed", true},
		{"key added", col(""), "dataset:\n  unique:\n    - [a, b]\n" + col(""), "dataset.unique.a,b", "added", false},
		{"rule filter added", col("    max: 10\n"), col("    max: {value: 10, where: b = 'x'}\n"), "column.a.max.where", "relaxed", true},
		{"rule filter changed", col("    max: {value: 10, where: b = 'y'}\n"), col("    max: {value: 10, where: b = 'x'}\n"), "column.a.max.where", "relaxed", true},
		{"rule filter removed", col("    max: {value: 10, where: b = 'x'}\n"), col("    max: 10\n"), "column.a.max.where", "tightened", false},
		{"rows min filter added", "dataset:\n  rows: {min: 10}\n" + col(""), "dataset:\n  rows: {min: {value: 10, where: a > 0}}\n" + col(""), "dataset.rows.min.where", "tightened", false},
		{"contract filter added", col(""), "where: a > 0\n" + col(""), "where", "relaxed", true},
		{"contract filter removed", "where: a > 0\n" + col(""), col(""), "where", "tightened", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changes := Diff(parseString(t, "old.yaml", tc.old), parseString(t, "new.yaml", tc.new))
			if len(changes) != 1 {
				t.Fatalf("want 1 change, got %d: %+v", len(changes), changes)
			}
			ch := changes[0]
			if ch.Path != tc.path || ch.Kind != tc.kind || ch.Breaking != tc.breaking {
				t.Fatalf("got %s %s breaking=%v (%s), want %s %s breaking=%v", ch.Path, ch.Kind, ch.Breaking, ch.Message, tc.path, tc.kind, tc.breaking)
			}
			if ch.Pos.Line == 0 || (ch.File != "old.yaml" && ch.File != "new.yaml") {
				t.Fatalf("change has no source: %+v", ch)
			}
		})
	}
}

func TestDiffIdenticalHasNoChanges(t *testing.T) {
	c := parseString(t, "c.yaml", "dataset:\n  strict: true\ncolumns:\n  - name: a\n    type: decimal(10,2)\n    min: 0\n    allowed: [1, 2]\n")
	if changes := Diff(c, c); len(changes) != 0 {
		t.Fatalf("%+v", changes)
	}
}

// TestMarshalRoundTrip: every example contract survives Marshal and Parse.
func TestMarshalRoundTrip(t *testing.T) {
	c := parseString(t, "c.yaml", `metadata:
  name: "odd: name"
dataset:
  rows: {min: 1, max: 1000000000000}
  strict: {value: true, severity: warn}
  unique:
    - [a, "b c"]
columns:
  - name: a
    type: timestamp(ms, local)
    severity: warn
    mostly: 0.5
  - name: "b c"
    type: string
    allowed: ["yes", "1.5", "x\ty"]
    pattern: {value: '^\d+$', mostly: 0.99}
  - name: n
    type: double
    max: {value: 1.5e+300, severity: error}
    min: -0.25
`)
	again, err := Parse("again.yaml", Marshal(c))
	if err != nil {
		t.Fatalf("%v\n%s", err, Marshal(c))
	}
	if changes := Diff(c, again); len(changes) != 0 || string(Marshal(again)) != string(Marshal(c)) {
		t.Fatalf("round trip changed the contract: %+v\n%s", changes, Marshal(again))
	}
}
