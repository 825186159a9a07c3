package duckdbtest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// odcsRule is an ODCS rule on the differential table and the SQL counting
// its failing rows and the rows it judges.
type odcsRule struct {
	id     string // the mlgate check that runs it
	failed string // SQL: failing rows
	total  string // SQL: rows judged
}

var odcsRules = []odcsRule{
	{"column.s.nullable", "count(*) - count(s)", "count(*)"},
	{"column.s.pattern", "count(*) FILTER (WHERE s IS NOT NULL AND NOT regexp_matches(s, '^user[0-9]$'))", "count(s)"},
	{"column.cat.allowed", "count(*) FILTER (WHERE cat NOT IN ('a', 'b', 'c'))", "count(cat)"},
	{"column.id.min", "count(*) FILTER (WHERE id <= 0)", "count(id)"},
	{"column.d38.nullable", "count(*) - count(d38)", "count(*)"},
	{"column.s.missing", "count(*) FILTER (WHERE s IS NULL OR s IN ('user0', 'user7'))", "count(*)"},
}

// odcsContract writes an ODCS v3.1.0 contract with two objects over the
// same table: "within", whose tolerances are DuckDB's own failure counts
// (every rule passes), and "beyond", one step stricter (every rule fails).
func odcsContract(n map[string][2]int64, rows int64) string {
	nul, pat, cat, d38, miss := n["column.s.nullable"][0], n["column.s.pattern"][0], n["column.cat.allowed"], n["column.d38.nullable"], n["column.s.missing"][0]
	catPct := strconv.FormatFloat(100*float64(cat[0])/float64(cat[1]), 'g', -1, 64)
	d38Pct := strconv.FormatFloat(100*float64(d38[0])/float64(d38[1]), 'g', -1, 64)
	object := func(name string, idMin int64, nulOp string, nulN int64, patOp string, patN int64, catOp, d38Op string, lo, hi int64, missN int64) string {
		return fmt.Sprintf(`  - name: %[1]s
    physicalName: t
    quality:
      - metric: rowCount
        mustBeBetween: [%[9]d, %[10]d]
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        logicalTypeOptions:
          exclusiveMinimum: %[2]d
      - name: s
        logicalType: string
        quality:
          - metric: nullValues
            %[3]s: %[4]d
          - metric: invalidValues
            arguments:
              pattern: '^user[0-9]$'
            %[5]s: %[6]d
            unit: rows
          - metric: missingValues
            arguments:
              missingValues: [null, user0, user7]
            mustBeLessOrEqualTo: %[13]d
      - name: cat
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [a, b, c]
            %[7]s: %[11]s
            unit: percent
      - name: d38
        logicalType: number
        physicalType: decimal(38,6)
        quality:
          - metric: nullValues
            %[8]s: %[12]s
            unit: percent
`, name, idMin, nulOp, nulN, patOp, patN, catOp, d38Op, lo, hi, catPct, d38Pct, missN)
	}
	return "apiVersion: v3.1.0\nkind: DataContract\nid: differential\nversion: 1.0.0\nstatus: active\nschema:\n" +
		object("within", -1, "mustBeLessOrEqualTo", nul, "mustBeLessThan", pat+1, "mustBeLessOrEqualTo", "mustBeLessOrEqualTo", rows-1, rows+1, miss) +
		object("beyond", 0, "mustBeLessThan", nul, "mustBeLessOrEqualTo", pat-1, "mustBeLessThan", "mustBeLessThan", rows, rows+2, miss-1)
}

// TestODCSDifferentialDuckDB runs ODCS library metrics with row and percent
// tolerances, exclusive bounds, primary keys and row counts, and holds the
// failure counts and the verdicts to DuckDB's.
func TestODCSDifferentialDuckDB(t *testing.T) {
	var qs []query
	for _, r := range odcsRules {
		qs = append(qs, query{"v1", fmt.Sprintf("SELECT %s, %s FROM {file}", r.failed, r.total)})
	}
	qs = append(qs, query{"v1", "SELECT count(*), count(*) - count(DISTINCT id), count(*) FILTER (WHERE id <= -1) FROM {file}"})
	qs = append(qs, query{"v1", "SELECT file_row_number, id FROM {file} WHERE s IS NOT NULL AND NOT regexp_matches(s, '^user[0-9]$') ORDER BY file_row_number LIMIT 5"})
	// In cur, id is twice the original and rows are dropped: row numbers
	// and keys differ.
	qs = append(qs, query{"cur", "SELECT file_row_number, id, st.b FROM {file} WHERE s IS NOT NULL AND NOT regexp_matches(s, '^user[0-9]$') ORDER BY file_row_number LIMIT 5"})
	paths, answers := ask(t, t.TempDir(), qs)
	firstFailing := answers[len(answers)-2].Rows
	t.Run("keys", func(t *testing.T) {
		c, err := contract.Parse("keys.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset:\n  keys: [id, st.b]\ncolumns:\n  - name: id\n  - name: st.b\n  - name: s\n    pattern: '^user[0-9]$'\n"))
		if err != nil {
			t.Fatal(err)
		}
		cur, err := parquetx.Open(paths["cur"])
		if err != nil {
			t.Fatal(err)
		}
		defer cur.Close()
		plan, _ := contract.Compile(c)
		res, err := plan.Run(context.Background(), []*parquetx.File{cur}, contract.Options{})
		if err != nil {
			t.Fatal(err)
		}
		duck := answers[len(answers)-1].Rows
		for _, chk := range res.Checks {
			if chk.ID != "column.s.pattern" {
				continue
			}
			if len(chk.Examples) != len(duck) {
				t.Fatalf("%d examples, DuckDB's first failing rows: %d", len(chk.Examples), len(duck))
			}
			for i, ex := range chk.Examples {
				b := "<nil>"
				if duck[i][2] != nil {
					b = *duck[i][2]
				}
				if fmt.Sprint(ex.Row) != *duck[i][0] || fmt.Sprint(ex.Key["id"]) != *duck[i][1] || fmt.Sprint(ex.Key["st.b"]) != b {
					t.Errorf("example %d: row %d key %v, DuckDB row %s id %s st.b %s", i, ex.Row, ex.Key, *duck[i][0], *duck[i][1], b)
				}
			}
		}
	})
	counts := map[string][2]int64{}
	for i, r := range odcsRules {
		counts[r.id] = [2]int64{atoi(t, answers[i].Rows[0][0]), atoi(t, answers[i].Rows[0][1])}
	}
	last := answers[len(odcsRules)].Rows[0]
	rows, idDups, idBelowZero := atoi(t, last[0]), atoi(t, last[1]), atoi(t, last[2])
	if counts["column.s.pattern"][0] < 2 || counts["column.id.min"][0] != 1 || idDups != 0 {
		t.Fatalf("the table no longer plants the violations this test needs: %v, id duplicates %d", counts, idDups)
	}

	text := odcsContract(counts, rows)
	f, err := parquetx.Open(paths["v1"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for object, want := range map[string]evidence.Status{"within": evidence.StatusPass, "beyond": evidence.StatusFail} {
		t.Run(object, func(t *testing.T) {
			c, err := contract.ParseObject("differential.odcs.yaml", []byte(text), object)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			plan, err := contract.Compile(c)
			if err != nil {
				t.Fatal(err)
			}
			res, err := plan.Run(context.Background(), []*parquetx.File{f}, contract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]evidence.Check{}
			for _, chk := range res.Checks {
				byID[chk.ID] = chk
			}
			for _, r := range odcsRules {
				chk, ok := byID[r.id]
				if !ok {
					t.Errorf("%s: no such check", r.id)
					continue
				}
				duck := counts[r.id]
				if r.id == "column.id.min" && object == "within" {
					duck[0] = idBelowZero // exclusiveMinimum -1 rather than 0
				}
				if chk.Failures != duck[0] || chk.Total != duck[1] {
					t.Errorf("%s: mlgate counts %d of %d failing, DuckDB %d of %d", r.id, chk.Failures, chk.Total, duck[0], duck[1])
				}
				if chk.Status != want {
					t.Errorf("%s: %s, want %s (%s)", r.id, chk.Status, want, chk.Message)
				}
			}
			// The row count is exclusive at both ends, as ODCS defines mustBeBetween.
			for _, id := range []string{"dataset.rows.min", "column.id.unique", "column.id.nullable"} {
				chk, ok := byID[id]
				if !ok {
					t.Errorf("%s: no such check", id)
					continue
				}
				expect := evidence.StatusPass
				if id == "dataset.rows.min" {
					expect = want
				}
				if chk.Status != expect {
					t.Errorf("%s: %s, want %s (%s)", id, chk.Status, expect, chk.Message)
				}
			}
			// The primary key names each failing row.
			if chk := byID["column.s.pattern"]; object == "beyond" {
				if len(chk.Examples) == 0 || len(chk.Examples) > len(firstFailing) {
					t.Fatalf("pattern examples: %d, DuckDB's first failing rows: %d", len(chk.Examples), len(firstFailing))
				}
				for i, ex := range chk.Examples {
					row, id := *firstFailing[i][0], *firstFailing[i][1]
					if fmt.Sprint(ex.Row) != row || fmt.Sprint(ex.Key["id"]) != id {
						t.Errorf("example %d: row %d key %v, DuckDB row %s id %s", i, ex.Row, ex.Key, row, id)
					}
				}
			}
			if res.Details.Format != contract.FormatODCS || res.Details.Object != object {
				t.Errorf("details name %q/%q, want odcs/%s", res.Details.Format, res.Details.Object, object)
			}
		})
	}
}

func atoi(t *testing.T, s *string) int64 {
	t.Helper()
	if s == nil {
		t.Fatal("DuckDB answered NULL")
	}
	n, err := strconv.ParseInt(*s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
