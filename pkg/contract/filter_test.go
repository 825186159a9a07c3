package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]string{
		"a = 1":                                      "a = 1",
		"a <> 'x' AND b >= -2.5":                     "(a != 'x' AND b >= -2.5)",
		"a = 1 OR b = 2 AND c = 3":                   "(a = 1 OR (b = 2 AND c = 3))",
		"(a = 1 OR b = 2) AND NOT c IS NULL":         "((a = 1 OR b = 2) AND NOT c IS NULL)",
		"s IN ('a', 'it''s') and t is not null":      "(s IN ('a', 'it''s') AND NOT t IS NULL)",
		"d NOT IN (1, 2)":                            "NOT d IN (1, 2)",
		`"odd name" = true`:                          `"odd name" = true`,
		"ts >= TIMESTAMP '2026-01-01 00:00:00'":      "ts >= '2026-01-01 00:00:00'",
		"day < DATE '2026-01-31' and user.id != 1e3": "(day < '2026-01-31' AND user.id != 1e3)",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := f.String(); got != want {
			t.Errorf("%q parsed as %s, want %s", in, got, want)
		}
		// The rendering parses back to itself.
		if g, err := ParseFilter(f.String()); err != nil || g.String() != want {
			t.Errorf("%q: rendering %q does not parse back (%v)", in, f.String(), err)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":            "at character 1: expected a column name or '(', found end of the predicate",
		"a = ":        "at character 5: expected a value",
		"a = 1 b = 2": "at character 7: unexpected \"b\" after the predicate",
		"(a = 1":      "at character 7: expected ')' to close the '(' at character 1",
		"a == 1":      "at character 3: '==' is not an operator",
		"a = 'x":      "at character 5: unterminated string",
		"a = NULL":    "at character 5: a comparison with NULL is never true; write IS NULL",
		"a IS 1":      "at character 6: expected NULL after IS",
		"and = 1":     "at character 1: expected a column name, found the keyword AND",
		"a = 1 AND":   "at character 10: expected a column name",
		"a IN (1 2)":  "at character 9: expected ',' or ')' in the IN list",
		"a ~ 1":       "at character 3: unexpected character '~'",
		"a = 1.2.3":   `at character 5: "1.2.3" is not a number`,
		"a LIKE 'x%'": `at character 3: expected an operator (=, !=, <, <=, >, >=, IN, IS NULL) after column "a", found "LIKE"`,
		`"" = 1`:      "at character 1: empty column name",
	} {
		_, err := ParseFilter(in)
		var fe *FilterError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %s...", in, err, want)
		}
	}
}

// Hostile predicates are refused by their size, depth and term count,
// never parsed at length.
func TestParseFilterBounds(t *testing.T) {
	for name, in := range map[string]string{
		"deep parentheses": strings.Repeat("(", 10000) + "a = 1" + strings.Repeat(")", 10000),
		"deep nesting":     strings.Repeat("(", 40) + "a = 1" + strings.Repeat(")", 40),
		"deep NOT":         strings.Repeat("NOT ", 40) + "a = 1",
		"long text":        "a = '" + strings.Repeat("x", 5000) + "'",
		"huge literal":     "a = '" + strings.Repeat("x", 2000) + "'",
		"huge number":      "a = " + strings.Repeat("9", 2000),
		"many terms":       strings.Repeat("a = 1 OR ", 300) + "a = 1",
		"long IN list":     "a IN (" + strings.Repeat("1,", 1200) + "1)",
	} {
		_, err := ParseFilter(in)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("%s: accepted (%v)", name, err)
			continue
		}
		if !strings.Contains(fe.Msg, "at most") && !strings.Contains(fe.Msg, "more than") && !strings.Contains(fe.Msg, "deeper than") {
			t.Errorf("%s: %v does not say the bound", name, err)
		}
	}
	// Within the bounds, a predicate parses.
	if _, err := ParseFilter(strings.Repeat("(", 30) + "a = 1" + strings.Repeat(")", 30)); err != nil {
		t.Error(err)
	}
}

func TestThreeValuedLogic(t *testing.T) {
	all := canTrue | canFalse | canUnknown
	if got := lift(canUnknown, canFalse, and3); got != canFalse {
		t.Errorf("unknown AND false = %d", got)
	}
	if got := lift(canUnknown, canTrue, or3); got != canTrue {
		t.Errorf("unknown OR true = %d", got)
	}
	if got := lift(canTrue|canUnknown, canTrue, and3); got != canTrue|canUnknown {
		t.Errorf("{true,unknown} AND true = %d", got)
	}
	if got := lift(all, canFalse, and3); got != canFalse {
		t.Errorf("anything AND false = %d", got)
	}
}

// Filters survive contract conversion both ways: mlgate's where keys and
// ODCS's custom property "where" say the same, and what ODCS cannot carry
// (a filter on a logicalTypeOption) is named lost.
func TestFilterConvertRoundTrip(t *testing.T) {
	own := `apiVersion: mlgate.dev/v1
kind: DataContract
metadata:
  name: orders
where: "day >= '2026-01-01'"
dataset:
  rows:
    min: {value: 10, where: "status = 'paid'"}
  keys: [id]
  unique:
    - {value: [id, line], where: "line IS NOT NULL"}
columns:
  - name: id
    type: int64
    nullable: false
    unique: true
  - name: status
    nullable: {value: false, where: "id > 100"}
    allowed: {value: [paid, open], where: "NOT status IN ('void')"}
    pattern: {value: "^[a-z]+$", severity: warn, where: "\"odd name\" = 'x''y'"}
    missing: {value: ["", N/A], where: "day < DATE '2027-01-01'"}
  - name: line
    unique: {value: true, where: "id >= 5"}
`
	c, err := Parse("own.yaml", []byte(own))
	if err != nil {
		t.Fatal(err)
	}
	if string(Marshal(c)) != own {
		t.Errorf("mlgate round trip:\n%s\n---\n%s", Marshal(c), own)
	}
	text, lost := MarshalODCS(c)
	if len(lost) != 0 {
		t.Errorf("lost %q", lost)
	}
	o, err := ParseODCS("own.odcs.yaml", text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	back := o.Objects[0]
	back.Name = c.Name
	if string(Marshal(back)) != own {
		t.Errorf("through ODCS:\n%s\n---\n%s", Marshal(back), text)
	}
	again, lost := MarshalODCS(back)
	if string(again) != string(text) || len(lost) != 0 {
		t.Errorf("ODCS round trip:\n%s\n---\n%s (lost %q)", again, text, lost)
	}
	if !strings.Contains(string(text), "customProperties:\n      - property: where\n        value: \"day >= '2026-01-01'\"") {
		t.Errorf("the object's filter is not a custom property:\n%s", text)
	}

	bounded, err := Parse("b.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: x\n    type: int64\n    min: {value: 0, where: \"x IS NOT NULL\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, lost := MarshalODCS(bounded); len(lost) != 1 || !strings.Contains(lost[0], "x.minimum: ODCS logicalTypeOptions have no row filter") {
		t.Errorf("a filtered bound converted to ODCS: lost %q", lost)
	}
}

func TestFilterContractErrors(t *testing.T) {
	for body, want := range map[string]string{
		"where: \"a = \"\ncolumns: []\n":                                      `contract.yaml:3:8: where "a = ": at character 5: expected a value`,
		"columns:\n  - name: a\n    nullable: {value: false, where: 'a ='}\n": `contract.yaml:5:37: nullable.where "a =": at character 4: expected a value`,
		"columns:\n  - name: a\n    type: {value: int64, where: a = 1}\n":     `contract.yaml:5:5: column "a": a row filter does not apply to a type`,
		"dataset:\n  strict: {value: true, where: a = 1}\ncolumns: []\n":      `contract.yaml:4:3: dataset.strict: a row filter does not apply to the columns of the files`,
	} {
		_, err := Parse("contract.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body))
		if err == nil || err.Error() != want && !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", body, err, want)
		}
	}
	odcs := "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    customProperties:\n      - property: where\n        value: a >< 1\n"
	if _, err := Parse("x.odcs.yaml", []byte(odcs)); err == nil || !strings.HasPrefix(err.Error(), `x.odcs.yaml:10:16: customProperties where "a >< 1": at character 4: expected a value`) {
		t.Errorf("ODCS filter error: %v", err)
	}
}

// runFiltered runs a contract under a run filter, counting decoded pages.
func runFiltered(t *testing.T, body, where string, files []*parquetx.File) (*Result, int64) {
	t.Helper()
	c, err := Parse("c.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	var pages atomic.Int64
	opts := Options{Scan: parquetx.ScanOptions{PagesDecoded: &pages}}
	if where != "" {
		if opts.Where, err = ParseFilter(where); err != nil {
			t.Fatal(err)
		}
	}
	res, err := plan.Run(context.Background(), files, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, pages.Load()
}

// TestFilterSkipsPages: in one row group of small pages, a filter that
// the footer leaves open is decided page by page from the page index (only
// the page of id straddling 900 is decoded), and the checked column's
// pages that hold no kept row are not decoded.
func TestFilterSkipsPages(t *testing.T) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[txRow](&buf, parquet.MaxRowsPerRowGroup(1000), parquet.PageBufferSize(256))
	if _, err := w.Write(fixtureRows(1000)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tx.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f := openAll(t, path)[0]
	idPages, err := f.Pages(0, f.Schema.Lookup("id"))
	if err != nil || len(idPages) < 4 {
		t.Fatalf("id has %d pages (%v); the test needs several", len(idPages), err)
	}
	scorePages, _ := f.Pages(0, f.Schema.Lookup("customer"))
	// The pages of customer holding a row of 900 on.
	var want int64
	for i := range scorePages {
		end := int64(1000)
		if i+1 < len(scorePages) {
			end = scorePages[i+1].FirstRow
		}
		if end > 900 {
			want++
		}
	}
	// The pages of id its index leaves open: some rows below 900, some not.
	var open int64
	for _, p := range idPages {
		if p.Min.Int64() < 900 && p.Max.Int64() >= 900 {
			open++
		}
	}
	body := "columns:\n  - name: customer\n    max: 200\n"
	res, pages := runFiltered(t, body, "id >= 900", []*parquetx.File{f})
	_, unfiltered := runFiltered(t, body, "", []*parquetx.File{f})
	t.Logf("%d pages decoded under the filter, %d without it (id %d pages, customer %d)", pages, unfiltered, len(idPages), len(scorePages))
	if open != 1 || pages != open+want || want >= int64(len(scorePages)) {
		t.Errorf("%d pages decoded; want %d of id (of %d) and %d of customer (of %d)", pages, open, len(idPages), want, len(scorePages))
	}
	// customer = i % 250: rows 900..999 hold 150..249, 49 above 200.
	if c := checkByID(t, res, "column.customer.max"); c.Failures != 49 || c.Total != 100 || c.Where == nil || c.Where.Rows != 100 {
		t.Errorf("customer.max under the filter: %d of %d, %+v", c.Failures, c.Total, c.Where)
	}
}

// TestFilterWithExcludedRows: rows a table deleted are no rows of a
// filter either; the counts equal those of a file without them.
func TestFilterWithExcludedRows(t *testing.T) {
	dir := t.TempDir()
	all := fixtureRows(1000)
	whole := openAll(t, writeFixture(t, dir, "whole.parquet", all, 300))[0]
	gone := roaring64.New()
	gone.AddRange(0, 150)
	gone.AddRange(700, 710)
	if err := whole.ExcludeRows(gone); err != nil {
		t.Fatal(err)
	}
	var live []txRow
	for i, r := range all {
		if !gone.Contains(uint64(i)) {
			live = append(live, r)
		}
	}
	rest := openAll(t, writeFixture(t, dir, "rest.parquet", live, 300))[0]
	body := `dataset:
  rows:
    max: {value: 10, where: "flag = true"}
columns:
  - name: amount
    nullable: {value: false, where: "country <> 'US'"}
    max: 1000
  - name: id
    unique: {value: true, where: "score < 50"}
`
	a, _ := runFiltered(t, body, "at >= '2026-01-01T02:00:00Z' AND customer <> 7", []*parquetx.File{whole})
	b, _ := runFiltered(t, body, "at >= '2026-01-01T02:00:00Z' AND customer <> 7", []*parquetx.File{rest})
	for i := range a.Checks {
		x, y := a.Checks[i], b.Checks[i]
		if x.ID != y.ID || x.Failures != y.Failures || x.Total != y.Total || x.Status != y.Status || fmt.Sprint(x.Where) != fmt.Sprint(y.Where) {
			t.Errorf("%s: with excluded rows %d of %d (%v), without them %d of %d (%v)", x.ID, x.Failures, x.Total, x.Where, y.Failures, y.Total, y.Where)
		}
	}
}

// FuzzParseFilter: any text parses or is refused with a positioned error,
// never a panic, and what parses renders to text that parses to itself.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"a = 1", "(a <> 'x''y' OR b IN (1, 2.5e3)) AND NOT c IS NOT NULL", `"x y" >= DATE '2026-01-01'`, "a NOT IN ('')", "((((a=1))))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseFilter(s)
		if err != nil {
			var fe *FilterError
			if !errors.As(err, &fe) || fe.Offset < 1 {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		again, err := ParseFilter(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("%q renders as %q, which parses as %v (%v)", s, p.String(), again, err)
		}
	})
}

// TestFilterTableStats: a lakehouse table's statistics of a whole file
// decide a filter before the file's own: here they say id stays below 100,
// so "id >= 500" keeps no row of the file, whatever its row groups say.
func TestFilterTableStats(t *testing.T) {
	f := openAll(t, writeFixture(t, t.TempDir(), "tx.parquet", fixtureRows(1000), 300))[0]
	c, _ := Parse("c.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: score\n    max: 50\n"))
	plan, _ := Compile(c)
	where, _ := ParseFilter("id >= 500")
	table := func(_ int, col *parquetx.Column) (parquetx.ChunkStats, bool) {
		if col.Path != "id" {
			return parquetx.ChunkStats{}, false
		}
		return parquetx.ChunkStats{NumRows: 1000, NumValues: 1000, HasNullCount: true, Min: parquet.ValueOf(int64(0)), Max: parquet.ValueOf(int64(99)), HasMin: true, HasMax: true}, true
	}
	for name, tc := range map[string]struct {
		table func(int, *parquetx.Column) (parquetx.ChunkStats, bool)
		rows  int64
	}{"table": {table, 0}, "footer": {nil, 499}} { // row 500 repeats id 499
		res, err := plan.Run(context.Background(), []*parquetx.File{f}, Options{Where: where, TableStats: tc.table})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Details.Where; d == nil || d.Rows != tc.rows {
			t.Errorf("%s: kept %+v, want %d rows", name, d, tc.rows)
		}
	}
}

// TestFilterBindErrors: a literal of another type than its column, or a
// column the file lacks, is refused naming the column and the file.
func TestFilterBindErrors(t *testing.T) {
	f := openAll(t, writeFixture(t, t.TempDir(), "tx.parquet", fixtureRows(10), 300))[0]
	for where, want := range map[string]string{
		"id = 'x'":               `at character 1: column "id" of ` + f.Path + `: int64 is a number, and 'x' is not`,
		"flag = 1":               `column "flag" of ` + f.Path + `: it is boolean; compare it with true or false, not 1`,
		"at > '2026-13-01'":      `column "at" of ` + f.Path + `: it is a timestamp; compare it with '2026-01-31T12:00:00Z', not '2026-13-01'`,
		"country = 5":            `column "country" of ` + f.Path + `: it is string; compare it with a quoted string, not 5`,
		"id = 1 OR nope IS NULL": `at character 11: column "nope" is not in ` + f.Path,
	} {
		flt, err := ParseFilter(where)
		if err != nil {
			t.Fatal(err)
		}
		_, err = flt.bind(f)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", where, err, want)
		}
	}
}
