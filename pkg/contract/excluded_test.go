package contract

import (
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// excludedContract has a rule for each irregularity of the fixture and
// rules statistics decide.
const excludedContract = `dataset:
  rows: {min: 995, max: 995}
  unique:
    - [customer, day]
columns:
  - name: customer
  - name: day
  - name: id
    unique: true
    nullable: false
    min: 0
  - name: amount
    max: 2500
    max_null_fraction: 0.01
  - name: country
    allowed: [FR, DE, US]
  - name: email
    nullable: false
    pattern: '^user[0-9]+@example\.com$'
  - name: score
    min: 0
    max: 99
  - name: at
    freshness: 400d
`

// TestExcludedRowsAreNotData validates the fixture with rows excluded
// against the same fixture with those rows left out when written: every
// check must agree (status, failures, values tested), whichever tier
// decides it. The excluded rows hold the duplicate id (500), one of the
// two amounts over 2500 (7), the unknown country (123), one of the two bad
// emails (3) and the null email (50).
func TestExcludedRowsAreNotData(t *testing.T) {
	dir := t.TempDir()
	excluded := []uint64{3, 7, 50, 123, 500}
	all := fixtureRows(1000)
	var live []txRow
	ex := roaring64.BitmapOf(excluded...)
	for i, r := range all {
		if !ex.Contains(uint64(i)) {
			live = append(live, r)
		}
	}
	masked := openAll(t, writeFixture(t, dir, "masked.parquet", all, 300))
	if err := masked[0].ExcludeRows(ex); err != nil {
		t.Fatal(err)
	}
	want := runContract(t, parseString(t, "c.yaml", excludedContract), openAll(t, writeFixture(t, dir, "live.parquet", live, 300)))
	got := runContract(t, parseString(t, "c.yaml", excludedContract), masked)
	if got.Details.Rows != 995 || want.Details.Rows != 995 {
		t.Fatalf("rows %d and %d, want 995", got.Details.Rows, want.Details.Rows)
	}
	if len(got.Checks) != len(want.Checks) {
		t.Fatalf("%d checks, want %d", len(got.Checks), len(want.Checks))
	}
	for i, w := range want.Checks {
		g := got.Checks[i]
		if g.ID != w.ID || g.Status != w.Status || g.Failures != w.Failures || g.Total != w.Total {
			t.Errorf("%s: %s, %d failures of %d (%s, %s); without the rows %s: %s, %d of %d (%s)", g.ID, g.Status, g.Failures, g.Total, g.DecidedBy, g.Message, w.ID, w.Status, w.Failures, w.Total, w.Message)
		}
	}
	// The failures left are the live rows' (examples name them by their
	// row in the file, excluded rows counted).
	for id, row := range map[string]int64{"column.amount.max": 907, "column.email.pattern": 303} {
		c := checkByID(t, got, id)
		if c.Status != "fail" || c.Failures != 1 || len(c.Examples) != 1 || c.Examples[0].Row != row {
			t.Errorf("%s: %s, %d failures, examples %+v; want the one at row %d", id, c.Status, c.Failures, c.Examples, row)
		}
	}
	for _, id := range []string{"column.id.unique", "column.country.allowed", "column.email.nullable", "dataset.rows.min"} {
		if c := checkByID(t, got, id); c.Status != "pass" {
			t.Errorf("%s: %s (%s); its only violation is in excluded rows", id, c.Status, c.Message)
		}
	}
	// Statistics still prove the passes of chunks with excluded rows, and
	// count their live values.
	if c := checkByID(t, got, "column.score.min"); c.DecidedBy != "metadata" || c.Total != 995 {
		t.Errorf("score min decided by %s over %d values, want metadata over 995", c.DecidedBy, c.Total)
	}
}
