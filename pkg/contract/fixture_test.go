package contract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// txRow is the fixture's row: a small transactions table whose every
// irregularity is placed on purpose, so the examples' expected outputs can be
// checked by reading this function.
type txRow struct {
	ID       int64     `parquet:"id"`
	Customer int64     `parquet:"customer"`
	Day      int32     `parquet:"day"`
	Amount   *float64  `parquet:"amount,optional"`
	Country  string    `parquet:"country,dict"`
	Email    *string   `parquet:"email,optional"`
	Score    int32     `parquet:"score"`
	At       time.Time `parquet:"at,timestamp(microsecond)"`
	Flag     bool      `parquet:"flag"`
}

// fixtureRows builds n rows:
//   - id = i, except row 500 which repeats id 499;
//   - amount = i/10, null on every 100th row, 2500.5 on rows 7 and 907;
//   - country cycles FR, DE, US, with "XX" on row 123 (dictionary-encoded);
//   - email "user<i>@example.com", "not-an-email" on rows 3 and 303, null on row 50;
//   - score = i % 100; (customer, day) = (i % 250, i / 250), unique.
func fixtureRows(n int) []txRow {
	rows := make([]txRow, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		r := txRow{ID: int64(i), Customer: int64(i % 250), Day: int32(i / 250), Country: []string{"FR", "DE", "US"}[i%3],
			Score: int32(i % 100), At: base.Add(time.Duration(i) * time.Minute), Flag: i%2 == 0}
		if i == 500 {
			r.ID = 499
		}
		if i%100 != 0 {
			a := float64(i) / 10
			if i == 7 || i == 907 {
				a = 2500.5
			}
			r.Amount = &a
		}
		if i == 123 {
			r.Country = "XX"
		}
		if i != 50 {
			e := fmt.Sprintf("user%d@example.com", i)
			if i == 3 || i == 303 {
				e = "not-an-email"
			}
			r.Email = &e
		}
		rows[i] = r
	}
	return rows
}

// writeFixture writes rows to dir/name in row groups of rgRows.
func writeFixture(t testing.TB, dir, name string, rows []txRow, rgRows int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[txRow](f, parquet.MaxRowsPerRowGroup(int64(rgRows)))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openAll(t testing.TB, paths ...string) []*parquetx.File {
	t.Helper()
	var files []*parquetx.File
	for _, p := range paths {
		f, err := parquetx.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		files = append(files, f)
	}
	return files
}

func runContract(t testing.TB, c *Contract, files []*parquetx.File) *Result {
	t.Helper()
	plan, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// render prints checks one per line for golden files, with dir removed from
// file names.
func render(res *Result, dir string) string {
	var b strings.Builder
	for _, c := range res.Checks {
		src := ""
		if c.Source != nil {
			src = fmt.Sprintf(" @%d:%d", c.Source.Line, c.Source.Column)
		}
		fmt.Fprintf(&b, "%-4s %-8s %s [%s]%s: %s\n", c.Status, c.DecidedBy, c.ID, c.Severity, src, c.Message)
		if c.Where != nil {
			fmt.Fprintf(&b, "       where %s: %d rows\n", c.Where.Where, c.Where.Rows)
		}
		for _, e := range c.Examples {
			fmt.Fprintf(&b, "       row %d of %s: %v\n", e.Row, strings.TrimPrefix(e.File, dir+string(filepath.Separator)), e.Value)
		}
	}
	for _, f := range res.Details.Filters {
		fmt.Fprintf(&b, "filter %s: %d rows; row groups: %d whole, %d skipped, %d read\n", f.Where, f.Rows, f.RowGroupsAll, f.RowGroupsSkipped, f.RowGroupsRead)
	}
	var failed int
	for _, c := range res.Checks {
		if c.Status.Failed() {
			failed++
		}
	}
	fmt.Fprintf(&b, "status: %d failed, rows %d, decided by %v\n", failed, res.Details.Rows, res.Details.DecidedBy)
	return b.String()
}

func checkByID(t *testing.T, res *Result, id string) evidence.Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return evidence.Check{}
}
