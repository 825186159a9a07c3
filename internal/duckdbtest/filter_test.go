package duckdbtest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// filteredRule is a contract rule under a row filter: pass is the SQL of a
// passing non-null value (empty for uniqueness, whose failures are the
// occurrences after a value's first; nulls for nullable: false).
type filteredRule struct {
	id, column, yaml, where, pass string
}

var filteredRules = []filteredRule{
	{"column.s.pattern", "s", "pattern: {value: '^user[0-9]+$', where: \"cat = 'a' AND id < 15000\"}", "cat = 'a' AND id < 15000", "regexp_matches(s, '^user[0-9]+$')"},
	{"column.f.max", "f", "max: {value: 2499, where: \"day >= '2026-03-01'\"}", "day >= DATE '2026-03-01'", "f <= 2499"},
	{"column.cat.allowed", "cat", "allowed: {value: [a, b, c], where: \"s IS NULL OR d38 > 0\"}", "s IS NULL OR d38 > 0", "cat IN ('a', 'b', 'c')"},
	{"column.s.nullable", "s", "nullable: {value: false, where: \"ts < '2026-01-01T02:00:00Z'\"}", "ts < TIMESTAMP '2026-01-01 02:00:00'", ""},
	{"column.d18.min", "d18", "min: {value: 0, where: \"i64 IN (0, 1000, 9007199254740993) OR NOT (f32 <= 10)\"}", "i64 IN (0, 1000, 9007199254740993) OR NOT (f32 <= 10)", "d18 >= 0"},
	{"column.dup.unique", "dup", "unique: {value: true, where: \"id >= 4000\"}", "id >= 4000", ""},
	{"column.id.max", "id", "max: 19000", "TRUE", "id <= 19000"},
}

// sqlCounts are ODCS SQL rules of the shape mlgate runs itself.
var sqlCounts = []string{
	"SELECT COUNT(*) FROM {object} WHERE f > 2499 AND day >= '2026-03-01'",
	"select count(*) from {object} where s IS NULL or cat not in ('a', 'b') or ts < TIMESTAMP '2026-01-01 00:10:00'",
}

// runWhere restricts the whole run in the second pass of the test.
const runWhere = "id >= 1000 AND cat <> 'c'"

// TestFilterDifferentialDuckDB holds the failure and test counts of rules
// under row filters (a rule's own, and the run's beside it) to DuckDB's
// count(*) ... WHERE filter AND violation, on a file of ten row groups.
func TestFilterDifferentialDuckDB(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "filtered.parquet")
	// Ordered by id, so that day and ts grow with it and statistics prune.
	qs := []query{{"v1", fmt.Sprintf(`COPY (SELECT id, f, f32, d18, d38, i64, s, cat, dup,
		DATE '2026-01-01' + (id // 100)::INTEGER AS day, TIMESTAMP '2026-01-01' + to_seconds(id) AS ts
		FROM t ORDER BY id) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)`, path)}}
	file := fmt.Sprintf("read_parquet('%s')", path)
	for _, whole := range []string{"TRUE", runWhere} {
		for _, r := range filteredRules {
			cond := fmt.Sprintf("(%s) AND (%s)", whole, r.where)
			var q string
			switch {
			case r.id == "column.s.nullable":
				q = fmt.Sprintf("SELECT count(*) - count(%[1]s), count(*) FROM %[2]s WHERE %[3]s", r.column, file, cond)
			case r.pass == "":
				q = fmt.Sprintf("SELECT count(%[1]s) - count(DISTINCT %[1]s), count(%[1]s) FROM %[2]s WHERE %[3]s", r.column, file, cond)
			default:
				q = fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT (%[4]s)), count(%[1]s) FROM %[2]s WHERE %[3]s AND %[1]s IS NOT NULL", r.column, file, cond, r.pass)
			}
			qs = append(qs, query{"v1", q}, query{"v1", fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", file, cond)})
		}
	}
	// ODCS SQL rules counting rows: DuckDB runs each query as written.
	for _, q := range sqlCounts {
		qs = append(qs, query{"v1", strings.ReplaceAll(q, "{object}", file)})
	}
	_, answers := ask(t, dir, qs)
	sqlAnswers := answers[len(answers)-len(sqlCounts):]
	answers = answers[1 : len(answers)-len(sqlCounts)]

	var b strings.Builder
	b.WriteString("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n")
	var order []string
	byCol := map[string][]string{}
	for _, r := range filteredRules {
		if byCol[r.column] == nil {
			order = append(order, r.column)
		}
		byCol[r.column] = append(byCol[r.column], r.yaml)
	}
	for _, col := range order {
		fmt.Fprintf(&b, "  - name: %s\n    %s\n", col, strings.Join(byCol[col], "\n    "))
	}
	c, err := contract.Parse("filtered.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	plan, err := contract.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquetx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRowGroups() < 8 {
		t.Fatalf("%d row groups: the file no longer has the row groups this test prunes", f.NumRowGroups())
	}
	for pass, whole := range []string{"", runWhere} {
		opts := contract.Options{}
		if whole != "" {
			if opts.Where, err = contract.ParseFilter(whole); err != nil {
				t.Fatal(err)
			}
		}
		res, err := plan.Run(context.Background(), []*parquetx.File{f}, opts)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]evidence.Check{}
		for _, chk := range res.Checks {
			byID[chk.ID] = chk
		}
		for i, r := range filteredRules {
			a := answers[(pass*len(filteredRules)+i)*2]
			kept := atoi(t, answers[(pass*len(filteredRules)+i)*2+1].Rows[0][0])
			failures, total := atoi(t, a.Rows[0][0]), atoi(t, a.Rows[0][1])
			chk := byID[r.id]
			t.Logf("where %q, %s: %d of %d failing, %d rows kept, decided by %s", whole, r.id, failures, total, kept, chk.DecidedBy)
			if chk.Failures != failures || chk.Total != total {
				t.Errorf("where %q, %s: mlgate %d of %d failing, DuckDB %d of %d", whole, r.id, chk.Failures, chk.Total, failures, total)
			}
			if failures == 0 && pass == 0 && r.id != "column.id.max" {
				t.Errorf("%s: the filter leaves no violation; the test plants none", r.id)
			}
			if chk.Where == nil && (whole != "" || r.where != "TRUE") {
				t.Errorf("%s: the evidence does not name its filter", r.id)
			} else if chk.Where != nil && chk.Where.Rows != kept {
				t.Errorf("where %q, %s: the evidence says the filter kept %d rows, DuckDB %d", whole, r.id, chk.Where.Rows, kept)
			}
		}
	}

	t.Run("odcs sql", func(t *testing.T) {
		for i, q := range sqlCounts {
			n := atoi(t, sqlAnswers[i].Rows[0][0])
			for op, want := range map[string]evidence.Status{fmt.Sprintf("mustBeLessThan: %d", n+1): evidence.StatusPass, fmt.Sprintf("mustBeLessThan: %d", n): evidence.StatusFail} {
				doc := fmt.Sprintf("apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    quality:\n      - type: sql\n        query: %q\n        %s\n", q, op)
				c, err := contract.Parse("x.odcs.yaml", []byte(doc))
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Skipped) > 0 {
					t.Fatalf("%s: skipped: %+v", q, c.Skipped)
				}
				p, _ := contract.Compile(c)
				res, err := p.Run(context.Background(), []*parquetx.File{f}, contract.Options{})
				if err != nil {
					t.Fatal(err)
				}
				chk := res.Checks[0]
				if chk.ID != "dataset.rows.max" || chk.Status != want || chk.Where == nil || chk.Where.Rows != n {
					t.Errorf("%s, %s: %s %s (%s), DuckDB counts %d", q, op, chk.ID, chk.Status, chk.Message, n)
				}
			}
		}
	})

	// Pruning: the run's filter decides every row group by statistics
	// (nine hold no row of it, one only rows of it), so the only pages
	// decoded are f's in the last row group, where the max is checked.
	t.Run("pruning", func(t *testing.T) {
		last := f.NumRowGroups() - 1
		cut := f.RowGroupStart[last]
		fc := f.Schema.Lookup("f")
		var want atomic.Int64
		err := parquetx.Scan(context.Background(), []*parquetx.File{f}, []string{"f"}, parquetx.ScanOptions{PagesDecoded: &want}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			if c.RowGroup != last {
				return nil, nil
			}
			return nopVisitor{}, nil
		})
		if err != nil || want.Load() == 0 {
			t.Fatalf("counting the last row group's pages of f: %d, %v", want.Load(), err)
		}
		onlyF, _ := contract.Parse("f.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: f\n    max: 2499\n"))
		p, _ := contract.Compile(onlyF)
		for _, tc := range []struct {
			where string
			pages func(all int64) bool
		}{
			{fmt.Sprintf("id >= %d", cut), func(n int64) bool { return n == want.Load() }},
			{"", func(n int64) bool { return n > want.Load()*int64(last) }},
		} {
			var decoded atomic.Int64
			opts := contract.Options{Scan: parquetx.ScanOptions{PagesDecoded: &decoded}}
			if tc.where != "" {
				opts.Where, _ = contract.ParseFilter(tc.where)
			}
			res, err := p.Run(context.Background(), []*parquetx.File{f}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.pages(decoded.Load()) {
				t.Errorf("where %q: %d pages decoded; the last row group of f has %d", tc.where, decoded.Load(), want.Load())
			}
			if tc.where != "" {
				d := res.Details.Filters
				if len(d) != 1 || d[0].RowGroupsSkipped != last || d[0].RowGroupsAll != 1 || d[0].RowGroupsRead != 0 || d[0].Rows != f.NumRows-cut {
					t.Errorf("where %q: the record says %+v", tc.where, d)
				}
			}
			_ = fc
		}
	})
}

type nopVisitor struct{}

func (nopVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (nopVisitor) Values(parquetx.Batch) error              { return nil }
func (nopVisitor) Close() error                             { return nil }
