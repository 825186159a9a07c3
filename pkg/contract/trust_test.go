package contract

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// TestUntrustedStatisticsAreNotUsed runs contracts on corpus files whose
// footer statistics must not decide: the engine falls back to a scan and
// gets the right answer.
func TestUntrustedStatisticsAreNotUsed(t *testing.T) {
	root := testenv.Shared(t, "corpora", "parquet-testing", "data")
	cases := []struct {
		file, contract, id string
		decidedBy          string
		failures, total    int64
	}{
		// The max statistic is NaN (PARQUET-1222): only the values can say
		// that 1.0 exceeds 0.5, and NaN is above every number (as in DuckDB).
		{"nan_in_stats.parquet", "columns:\n  - name: x\n    max: 0.5\n", "column.x.max", "scan", 2, 2},
		// The min statistic (1.0) is a trusted lower bound.
		{"nan_in_stats.parquet", "columns:\n  - name: x\n    min: 0\n", "column.x.min", "metadata", 0, 2},
		// Impala wrote no null counts: absent is not zero, so nulls are counted by a scan.
		{"alltypes_plain.parquet", "columns:\n  - name: id\n    nullable: false\n", "column.id.nullable", "scan", 0, 8},
		// The null count is there (1 of 1) and, with nulls tolerated, decides alone.
		{"single_nan.parquet", "columns:\n  - name: mycol\n    max_null_fraction: 1\n", "column.mycol.max_null_fraction", "metadata", 1, 1},
		// int32_with_null_pages: a column with whole null pages, statistics prove the range.
		{"int32_with_null_pages.parquet", "columns:\n  - name: int32_field\n    min: -2147483648\n", "column.int32_field.min", "metadata", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.id, func(t *testing.T) {
			files := openAll(t, filepath.Join(root, tc.file))
			res := runContract(t, parseString(t, "c.yaml", tc.contract), files)
			c := checkByID(t, res, tc.id)
			if c.DecidedBy != tc.decidedBy || c.Failures != tc.failures || (tc.total > 0 && c.Total != tc.total) {
				t.Fatalf("decided by %s, %d failures of %d (%s); want %s, %d of %d", c.DecidedBy, c.Failures, c.Total, c.Message, tc.decidedBy, tc.failures, tc.total)
			}
		})
	}
}

func TestAllowedDatesAndTimestampsAsWritten(t *testing.T) {
	files := openAll(t, writeFixture(t, t.TempDir(), "tx.parquet", fixtureRows(3), 3))
	res := runContract(t, parseString(t, "c.yaml", "columns:\n  - name: at\n    allowed: ['2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z']\n"), files)
	c := checkByID(t, res, "column.at.allowed")
	if c.Failures != 1 || c.Total != 3 || len(c.Examples) != 1 || c.Examples[0].Value != "2026-01-01T00:02:00Z" {
		t.Fatalf("%+v", c)
	}
}

func TestRulesOnColumnsTheyDoNotApplyTo(t *testing.T) {
	files := openAll(t, writeFixture(t, t.TempDir(), "tx.parquet", fixtureRows(10), 10))
	res := runContract(t, parseString(t, "c.yaml", "columns:\n  - name: country\n    min: 1\n  - name: score\n    max_length: 3\n"), files)
	for id, want := range map[string]string{
		"column.country.min":      "min and max apply to numeric columns, and country is string in " + files[0].Path,
		"column.score.max_length": "lengths apply to string and binary columns, and score is int32 in " + files[0].Path,
	} {
		if c := checkByID(t, res, id); c.Status != "fail" || !strings.HasSuffix(c.Message, want) {
			t.Errorf("%s: %s %q, want a failure saying %q", id, c.Status, c.Message, want)
		}
	}
}
