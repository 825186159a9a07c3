package duckdbtest

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/drift"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// driftColumns are compared by PSI over the reference's bins; the integer and
// decimal columns whose values pass 2^53 are left to the exact-mode tests.
var driftColumns = []string{"f", "f32", "id", "dup", "d18", "st.a"}

// scan profiles one DuckDB-written file.
func scan(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := parquetx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, _, err := profile.Scan(context.Background(), []*parquetx.File{f}, profile.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// binsSQL is the reference's bins as a VALUES list: bin k holds
// lo < x <= hi, the first from -inf and the last to +inf.
func binsSQL(edges []float64) string {
	lo := "'-inf'::DOUBLE"
	var rows []string
	for k := 0; k <= len(edges); k++ {
		hi := "'inf'::DOUBLE"
		if k < len(edges) {
			hi = strconv.FormatFloat(edges[k], 'g', -1, 64) + "::DOUBLE"
		}
		rows = append(rows, fmt.Sprintf("(%d, %s, %s)", k, lo, hi))
		lo = hi
	}
	return "VALUES " + strings.Join(rows, ", ")
}

// sideSQL asks for one side's value slots, nulls, NaN and per-bin counts of
// finite values.
func sideSQL(col, bins string) string {
	return fmt.Sprintf(`WITH b(k, lo, hi) AS (%[2]s), v AS (SELECT %[1]s::DOUBLE AS x FROM {file})
		SELECT (SELECT count(*) FROM v), (SELECT count(*) - count(x) FROM v), (SELECT count(*) FILTER (WHERE isnan(x)) FROM v),
		string_agg(n::VARCHAR, ',' ORDER BY k) FROM (
			SELECT k, (SELECT count(*) FROM v WHERE isfinite(x) AND x > lo AND x <= hi) AS n FROM b)`, col, bins)
}

// psiSQL recomputes PSI in SQL from DuckDB's own bin counts of both files,
// shares floored at drift.PSIFloor as documented.
func psiSQL(col, bins, ref, cur string) string {
	count := func(path string) string {
		return fmt.Sprintf("(SELECT count(*) FROM read_parquet('%s') WHERE isfinite(%s::DOUBLE) AND %[2]s::DOUBLE > lo AND %[2]s::DOUBLE <= hi)", path, col)
	}
	return fmt.Sprintf(`WITH b(k, lo, hi) AS (%s),
		n AS (SELECT k, %s AS r, %s AS c FROM b),
		s AS (SELECT greatest(r / (SELECT sum(r) FROM n), 0) AS r, c / (SELECT sum(c) FROM n) AS c FROM n),
		f AS (SELECT CASE WHEN r = 0 THEN %[4]v ELSE r END AS r, CASE WHEN c = 0 THEN %[4]v ELSE c END AS c FROM s)
		SELECT sum((c - r) * ln(c / r)) FROM f`, bins, count(ref), count(cur), drift.PSIFloor)
}

// TestDriftDifferentialDuckDB: drift between two DuckDB-written files agrees
// with DuckDB on everything its statistics are computed from: each side's
// null and NaN rates, the share of finite values in each of the reference's
// bins (mlgate counts sketch buckets, DuckDB the values), and PSI recomputed
// in SQL from DuckDB's counts.
func TestDriftDifferentialDuckDB(t *testing.T) {
	dir := t.TempDir()
	paths, _ := ask(t, dir, []query{})
	ref, cur := scan(t, paths["v1"]), scan(t, paths["cur"])
	cfg := drift.DefaultConfig()
	cfg.Columns = map[string]drift.ColumnConfig{}
	for _, c := range driftColumns {
		cfg.Columns[c] = drift.ColumnConfig{Method: "psi"}
	}
	rep := drift.Compare(ref, cur, cfg)
	got := map[string]evidence.DriftColumn{}
	for _, c := range rep.Details.Columns {
		got[c.Column] = c
	}

	var qs []query
	for _, c := range driftColumns {
		bins := binsSQL(ref.Column(c).Bins)
		qs = append(qs, query{"v1", sideSQL(c, bins)}, query{"cur", sideSQL(c, bins)},
			query{"v1", psiSQL(c, bins, paths["v1"], paths["cur"])})
	}
	// The files are written again, from the same table, to the same names.
	_, answers := ask(t, dir, qs)

	for i, c := range driftColumns {
		col, ok := got[c]
		if !ok || col.Method != "psi" || len(col.Histogram) != len(ref.Column(c).Bins)+1 {
			t.Errorf("%s: drift column %+v", c, col)
			continue
		}
		for side, a := range []answer{answers[3*i], answers[3*i+1]} {
			row := a.Rows[0]
			slots, nulls, nans := num(t, row[0]), num(t, row[1]), num(t, row[2])
			nullRate, nanRate, hist := col.ReferenceNullRate, col.ReferenceNaNRate, col.ReferenceHistogram
			name := "reference"
			if side == 1 {
				nullRate, nanRate, hist, name = col.NullRate, col.NaNRate, col.Histogram, "current"
			}
			if !near(nullRate, nulls/slots, 1e-15) || !near(nanRate, nans/slots, 1e-15) {
				t.Errorf("%s %s: null rate %v NaN rate %v, DuckDB %v %v", c, name, nullRate, nanRate, nulls/slots, nans/slots)
			}
			var counts []float64
			total := 0.0
			for _, s := range strings.Split(*row[3], ",") {
				n, _ := strconv.ParseFloat(s, 64)
				counts = append(counts, n)
				total += n
			}
			for k := range counts {
				if !near(hist[k], counts[k]/total, 1e-12) {
					t.Errorf("%s %s: bin %d holds %v of the values (%v of %v), DuckDB %v (%v)", c, name, k, hist[k], hist[k]*total, total, counts[k]/total, counts[k])
				}
			}
		}
		psi := num(t, answers[3*i+2].Rows[0][0])
		if !near(col.Statistic, psi, 1e-9) {
			t.Errorf("%s: PSI %v, DuckDB %v", c, col.Statistic, psi)
		}
		t.Logf("%s: PSI %.6f (DuckDB %.6f), null rate %.4f -> %.4f, NaN rate %.4f -> %.4f", c, col.Statistic, psi, col.ReferenceNullRate, col.NullRate, col.ReferenceNaNRate, col.NaNRate)
	}
}

func num(t *testing.T, s *string) float64 {
	t.Helper()
	if s == nil {
		t.Fatal("DuckDB answered NULL")
	}
	v, err := strconv.ParseFloat(*s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// near compares with a relative tolerance (absolute near zero).
func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
