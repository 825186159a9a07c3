// Package duckdbtest holds the differential test of contracts and profiles
// against DuckDB (npm @duckdb/node-api): DuckDB writes one table as Parquet
// three ways and answers, in SQL, every question mlgate answers about them.
package duckdbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

const rows = 20000

// rule is one contract rule and the SQL that decides it. pass is a predicate
// over non-null values (failures are the values for which it is false);
// unique rules leave it empty. show renders a value as DuckDB prints it.
type rule struct {
	column, yaml, pass string
	show               string
}

// The rules; NaN is above every number and equal to itself, -0.0 equals 0.0,
// as in DuckDB.
var rules = []rule{
	{column: "f", yaml: "min: 0", pass: "f >= 0"},
	{column: "f", yaml: "max: 2499", pass: "f <= 2499"},
	{column: "f", yaml: "allowed: [NaN, 0, 1.25, 7.25]", pass: "f IN ('nan'::DOUBLE, 0, 1.25, 7.25)"},
	{column: "f", yaml: "unique: true"},
	{column: "f32", yaml: "min: 0", pass: "f32 >= 0"},
	{column: "f32", yaml: "max: 50.5", pass: "f32 <= 50.5"},
	{column: "id", yaml: "max: 19990", pass: "id <= 19990"},
	{column: "snow", yaml: "max: 1500000083886080000", pass: "snow <= 1500000083886080000"},
	{column: "snow", yaml: "unique: true"},
	{column: "big", yaml: "max: 18446744073709551614", pass: "big <= 18446744073709551614"},
	{column: "big", yaml: "min: 18446744073709549000", pass: "big >= 18446744073709549000"},
	{column: "big", yaml: "allowed: [18446744073709551615, 18446744073709551613]", pass: "big IN (18446744073709551615, 18446744073709551613)"},
	{column: "i64", yaml: "max: 9007199254740992", pass: "i64 <= 9007199254740992"},
	{column: "i64", yaml: "min: -9223372036854775807", pass: "i64 >= -9223372036854775807"},
	{column: "i64", yaml: "allowed: [9007199254740993, 0, 1000]", pass: "i64 IN (9007199254740993, 0, 1000)"},
	{column: "d18", yaml: "max: 123456789012345.678", pass: "d18 <= 123456789012345.678", show: "d18::VARCHAR"},
	{column: "d18", yaml: "min: -999999999999999.998", pass: "d18 >= -999999999999999.998", show: "d18::VARCHAR"},
	{column: "d18", yaml: "unique: true", show: "d18::VARCHAR"},
	{column: "d38", yaml: "min: -12345678901234567890123456789.123456", pass: "d38 >= -12345678901234567890123456789.123456", show: "d38::VARCHAR"},
	{column: "d38", yaml: "max: 12345678901234567890123456789.123455", pass: "d38 <= 12345678901234567890123456789.123455", show: "d38::VARCHAR"},
	{column: "d38", yaml: "allowed: [12345678901234567890123456789.123456, 0.142857]", pass: "d38 IN (12345678901234567890123456789.123456, 0.142857)", show: "d38::VARCHAR"},
	{column: "s", yaml: "max_length: 40", pass: "length(s) <= 40"},
	{column: "s", yaml: "pattern: ^user[0-9]+$", pass: "regexp_matches(s, '^user[0-9]+$')"},
	{column: "cat", yaml: "allowed: [a, b, c]", pass: "cat IN ('a', 'b', 'c')"},
	{column: "zeros", yaml: "unique: true"},
	{column: "zu", yaml: "unique: true"},
	{column: "dup", yaml: "unique: true"},
	{column: "st.a", yaml: "max: 90", pass: "st.a <= 90"},
	{column: "st.b", yaml: "allowed: [n1, n2]", pass: "st.b IN ('n1', 'n2')"},
}

// query is one question for DuckDB; the answer is rows of text.
type query struct {
	File string `json:"file"`
	SQL  string `json:"sql"`
}

type answer struct {
	Rows  [][]*string `json:"rows"`
	Error string      `json:"error"`
}

// ask runs the node script once: it writes the files into dir and answers.
func ask(t *testing.T, dir string, qs []query) (map[string]string, []answer) {
	t.Helper()
	node := testenv.Tool(t, "node")
	testenv.NodeModule(t, "@duckdb/node-api")
	root := testenv.RepoRoot(t)
	req, _ := json.Marshal(map[string]any{"dir": dir, "rows": rows, "queries": qs})
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "internal", "duckdbtest", "duckdb.mjs"), filepath.Join(root, "scripts", "npm"))
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb.mjs: %v\n%s", err, stderr.String())
	}
	var res struct {
		Files   map[string]string `json:"files"`
		Answers []answer          `json:"answers"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Answers) != len(qs) {
		t.Fatalf("duckdb.mjs answered %d of %d queries (%v)", len(res.Answers), len(qs), err)
	}
	for i, a := range res.Answers {
		if a.Error != "" {
			t.Fatalf("DuckDB could not answer %s: %s", qs[i].SQL, a.Error)
		}
	}
	return res.Files, res.Answers
}

// ruleQueries asks for a rule's failures, total and first five failing rows.
func ruleQueries(file string, r rule) []query {
	col := r.column
	show := r.show
	if show == "" {
		show = col
	}
	if r.pass == "" { // unique: every occurrence after a value's first fails
		return []query{
			{file, fmt.Sprintf("SELECT count(%[1]s) - count(DISTINCT %[1]s), count(%[1]s) FROM {file}", col)},
			// The values are read again by row: PARTITION BY hands -0.0 on as 0.0.
			{file, fmt.Sprintf("SELECT file_row_number, %[2]s FROM (SELECT file_row_number FROM (SELECT file_row_number, row_number() OVER (PARTITION BY %[1]s ORDER BY file_row_number) AS k FROM {file} WHERE %[1]s IS NOT NULL) WHERE k > 1 ORDER BY file_row_number LIMIT 5) JOIN {file} USING (file_row_number) ORDER BY file_row_number", col, show)},
		}
	}
	return []query{
		{file, fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT (%[2]s)), count(%[1]s) FROM {file} WHERE %[1]s IS NOT NULL", col, r.pass)},
		{file, fmt.Sprintf("SELECT file_row_number, %[3]s FROM {file} WHERE %[1]s IS NOT NULL AND NOT (%[2]s) ORDER BY file_row_number LIMIT 5", col, r.pass, show)},
	}
}

// numericColumns are profiled as numbers; decimal and integer columns exactly.
var numericColumns = []string{"id", "snow", "big", "i64", "f", "f32", "d18", "d38", "st.a", "dup", "zeros", "zu"}

var categoricalColumns = []string{"s", "cat", "st.b"}

func isFloat(col string) bool { return col == "f" || col == "f32" || col == "zeros" || col == "zu" }

func profileQueries(file string) []query {
	var qs []query
	for _, c := range numericColumns {
		finite := "TRUE"
		if isFloat(c) {
			finite = "isfinite(" + c + ")"
		}
		nans, infs := "0", "0"
		variance := fmt.Sprintf("var_samp((%[1]s::DECIMAL(38,6) - (SELECT min(%[1]s) FROM {file})::DECIMAL(38,6))::DOUBLE)", c)
		if isFloat(c) {
			variance = fmt.Sprintf("var_samp(%s)", c)
			nans = fmt.Sprintf("count(*) FILTER (WHERE isnan(%s))", c)
			infs = fmt.Sprintf("count(*) FILTER (WHERE isinf(%s))", c)
		}
		// DuckDB's avg of integers and decimals sums exactly (HUGEINT), and
		// the variance comes from values shifted by the minimum: var_samp is
		// a float64 recurrence, exact enough on small offsets only.
		qs = append(qs, query{file, fmt.Sprintf(`SELECT count(*), count(*) - count(%[1]s), %[3]s, %[4]s,
			min(%[1]s) FILTER (WHERE %[2]s)::VARCHAR, max(%[1]s) FILTER (WHERE %[2]s)::VARCHAR,
			avg(%[1]s) FILTER (WHERE %[2]s),
			count(DISTINCT %[1]s) FILTER (WHERE %[2]s),
			quantile_disc(%[1]s::DOUBLE, 0.5) FILTER (WHERE %[2]s),
			%[5]s FILTER (WHERE %[2]s),
			min(abs(%[1]s::DOUBLE)) FILTER (WHERE %[2]s AND %[1]s != 0), max(abs(%[1]s::DOUBLE)) FILTER (WHERE %[2]s)
			FROM {file}`, c, finite, nans, infs, variance)})
	}
	for _, c := range categoricalColumns {
		qs = append(qs, query{file, fmt.Sprintf("SELECT count(*), count(*) - count(%[1]s), count(DISTINCT %[1]s) FROM {file}", c)})
	}
	// List elements: empty and null lists hold no element.
	qs = append(qs, query{file, "SELECT count(*), count(*) - count(e) FROM (SELECT unnest(lst) AS e FROM {file})"})
	return qs
}

func contractYAML() string {
	var b strings.Builder
	b.WriteString("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n")
	// One column entry per rule: the same column may appear several times
	// only if the parser allows it, so rules are grouped by column.
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.column] {
			continue
		}
		seen[r.column] = true
		fmt.Fprintf(&b, "  - name: %s\n", r.column)
		for _, o := range rules {
			if o.column == r.column {
				fmt.Fprintf(&b, "    %s\n", o.yaml)
			}
		}
	}
	return b.String()
}

func ruleID(r rule) string {
	key, _, _ := strings.Cut(r.yaml, ":")
	return "column." + r.column + "." + key
}

func TestDifferentialDuckDB(t *testing.T) {
	dir := t.TempDir()
	fileKeys := []string{"v1", "v2", "zstd"}
	var qs []query
	for _, f := range fileKeys {
		for _, r := range rules {
			qs = append(qs, ruleQueries(f, r)...)
		}
		qs = append(qs, profileQueries(f)...)
	}
	paths, answers := ask(t, dir, qs)

	c, err := contract.Parse("differential.yaml", []byte(contractYAML()))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := contract.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	next := 0
	for _, key := range fileKeys {
		t.Run(key, func(t *testing.T) {
			f, err := parquetx.Open(paths[key])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files := []*parquetx.File{f}
			res, err := plan.Run(ctx, files, contract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]evidence.Check{}
			for _, chk := range res.Checks {
				byID[chk.ID] = chk
			}
			for _, r := range rules {
				counts, examples := answers[next], answers[next+1]
				next += 2
				chk, ok := byID[ruleID(r)]
				if !ok {
					t.Errorf("%s: no such check", ruleID(r))
					continue
				}
				compareRule(t, r, chk, counts, examples, f.Path)
			}
			// The evidence carries NaN and infinities and meets its schema.
			doc := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: key}, evidence.Tool{Name: "mlgate", Version: "test"}, time.Unix(0, 0))
			doc.Checks = res.Checks
			data, err := evidence.Marshal(doc)
			if err != nil {
				t.Fatalf("evidence: %v", err)
			}
			if err := evidence.ValidateSchema(data); err != nil {
				t.Errorf("evidence schema: %v", err)
			}
			for _, want := range []string{`"NaN"`, `"-Infinity"`} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("evidence has no %s", want)
				}
			}

			next = compareProfile(t, ctx, files, answers, next)

			// The inferred contract, written and read back, validates the file.
			inferred, err := contract.Infer(ctx, "inferred", files, contract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			text := contract.Marshal(inferred)
			back, err := contract.Parse("inferred.yaml", text)
			if err != nil {
				t.Fatalf("inferred contract does not parse: %v\n%s", err, text)
			}
			p2, err := contract.Compile(back)
			if err != nil {
				t.Fatal(err)
			}
			res2, err := p2.Run(ctx, files, contract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, chk := range res2.Checks {
				if chk.Status != evidence.StatusPass {
					t.Errorf("inferred contract: %s %s: %s", chk.ID, chk.Status, chk.Message)
				}
			}
		})
	}
}

func compareRule(t *testing.T, r rule, chk evidence.Check, counts, examples answer, path string) {
	t.Helper()
	id := ruleID(r)
	wantFail, _ := strconv.ParseInt(*counts.Rows[0][0], 10, 64)
	wantTotal, _ := strconv.ParseInt(*counts.Rows[0][1], 10, 64)
	if chk.Failures != wantFail || chk.Total != wantTotal {
		t.Errorf("%s: %d of %d fail, DuckDB says %d of %d (%s)", id, chk.Failures, chk.Total, wantFail, wantTotal, chk.Message)
		return
	}
	if (wantFail == 0) != (chk.Status == evidence.StatusPass) {
		t.Errorf("%s: status %s with %d failures", id, chk.Status, wantFail)
	}
	if len(chk.Examples) != len(examples.Rows) {
		t.Errorf("%s: %d examples, DuckDB finds %d", id, len(chk.Examples), len(examples.Rows))
		return
	}
	for i, row := range examples.Rows {
		e := chk.Examples[i]
		wantRow, _ := strconv.ParseInt(*row[0], 10, 64)
		if e.Row != wantRow || e.File != path {
			t.Errorf("%s: example %d at row %d of %s, DuckDB at row %d", id, i, e.Row, e.File, wantRow)
			continue
		}
		if !sameValue(*row[1], e.Value) {
			t.Errorf("%s: example at row %d is %#v, DuckDB says %q", id, e.Row, e.Value, *row[1])
		}
	}
}

// sameValue compares an example value with DuckDB's text of it (from
// JavaScript, or DuckDB's own VARCHAR: nan, inf, -0.0).
func sameValue(duck string, v any) bool {
	switch x := v.(type) {
	case float64:
		switch d := strings.ToLower(duck); {
		case math.IsNaN(x):
			return d == "nan"
		case math.IsInf(x, 1):
			return d == "infinity" || d == "inf"
		case math.IsInf(x, -1):
			return d == "-infinity" || d == "-inf"
		case x == 0:
			return strings.HasPrefix(d, "-") == math.Signbit(x) && strings.Trim(d, "-.0") == ""
		}
		y, err := strconv.ParseFloat(duck, 64)
		return err == nil && x == y
	case int64:
		return strconv.FormatInt(x, 10) == duck
	case uint64:
		return strconv.FormatUint(x, 10) == duck
	case json.Number:
		return string(x) == duck
	case string:
		return utf8.ValidString(x) && x == parquetx.Shorten(duck, 80)
	}
	return false
}

func compareProfile(t *testing.T, ctx context.Context, files []*parquetx.File, answers []answer, next int) int {
	t.Helper()
	prof, _, err := profile.Scan(ctx, files, profile.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	num := func(s *string) float64 {
		if s == nil {
			return math.NaN()
		}
		x, _ := strconv.ParseFloat(*s, 64)
		return x
	}
	near := func(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) }
	for _, name := range numericColumns {
		row := answers[next].Rows[0]
		next++
		c := prof.Column(name)
		if c == nil || c.Moments == nil {
			t.Errorf("profile: no numeric column %s", name)
			continue
		}
		m := c.Moments
		if c.Count != int64(num(row[0])) || c.Nulls != int64(num(row[1])) || c.NaNs != int64(num(row[2])) || c.Infinities != int64(num(row[3])) {
			t.Errorf("profile %s: count %d nulls %d NaN %d inf %d, DuckDB %s %s %s %s", name, c.Count, c.Nulls, c.NaNs, c.Infinities, *row[0], *row[1], *row[2], *row[3])
		}
		if isFloat(name) {
			if m.Min != num(row[4]) || m.Max != num(row[5]) {
				t.Errorf("profile %s: min %v max %v, DuckDB %s %s", name, m.Min, m.Max, *row[4], *row[5])
			}
		} else if m.MinText() != *row[4] || m.MaxText() != *row[5] {
			t.Errorf("profile %s: min %s max %s, DuckDB %s %s", name, m.MinText(), m.MaxText(), *row[4], *row[5])
		}
		if !near(m.Mean, num(row[6]), 1e-12) {
			t.Errorf("profile %s: mean %v, DuckDB %s", name, m.Mean, *row[6])
		}
		wantDistinct := int64(num(row[7]))
		if got := c.Distinct.Estimate(); c.Distinct.Exact() && got != wantDistinct || !near(float64(got), float64(wantDistinct), 0.05) {
			t.Errorf("profile %s: %d distinct (exact %v), DuckDB %d", name, got, c.Distinct.Exact(), wantDistinct)
		}
		// The sketch states its accuracy for values spanning less than
		// about 10^17 (profile.MaxBuckets); d38 spans 10^22 and is left out.
		med := num(row[8])
		if b, ok := c.Quantiles.Quantile(0.5); num(row[11])/num(row[10]) < 1e17 && (!ok || math.Abs(b.Value-med) > c.Quantiles.Alpha*math.Abs(med)*(1+1e-9)) {
			t.Errorf("profile %s: median %v (bucket up to %v), DuckDB %v, beyond the sketch's %v", name, b.Value, b.Upper, med, c.Quantiles.Alpha)
		}
		if !near(m.Variance, num(row[9]), 1e-9) {
			t.Errorf("profile %s: variance %v, DuckDB %s", name, m.Variance, *row[9])
		}
	}
	for _, name := range categoricalColumns {
		row := answers[next].Rows[0]
		next++
		c := prof.Column(name)
		if c == nil {
			t.Errorf("profile: no column %s", name)
			continue
		}
		want := int64(num(row[2]))
		got := c.Distinct.Estimate()
		if c.Count != int64(num(row[0])) || c.Nulls != int64(num(row[1])) || (c.Distinct.Exact() && got != want) || !near(float64(got), float64(want), 0.05) {
			t.Errorf("profile %s: count %d nulls %d distinct %d, DuckDB %s %s %s", name, c.Count, c.Nulls, got, *row[0], *row[1], *row[2])
		}
	}
	row := answers[next].Rows[0]
	next++
	var list *profile.Column
	for _, c := range prof.Columns {
		if strings.HasPrefix(c.Name, "lst.") {
			list = c
		}
	}
	if list == nil {
		t.Error("profile: no list element column")
	} else if list.Count != int64(num(row[0])) || list.Nulls != int64(num(row[1])) {
		t.Errorf("profile %s: %d elements, %d null; DuckDB %s, %s", list.Name, list.Count, list.Nulls, *row[0], *row[1])
	}
	return next
}
