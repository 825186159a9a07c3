package contract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestUniqueAcrossPages: a byte-array key over many pages, handed to the
// checks a whole page at a time, keeps each value at its own row. Every
// value is unique but one, planted far from the first page; the check must
// count exactly that one, at its row.
func TestUniqueAcrossPages(t *testing.T) {
	type row struct {
		Email string `parquet:"email,zstd"`
	}
	const n, dupAt = 20000, 17321
	rows := make([]row, n)
	for i := range rows {
		rows[i].Email = fmt.Sprintf("applicant%d@example.com", i)
	}
	rows[dupAt].Email = rows[42].Email
	path := filepath.Join(t.TempDir(), "emails.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f, parquet.PageBufferSize(4096))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	files := openAll(t, path)
	if pages, _ := files[0].Pages(0, files[0].Schema.Lookup("email")); len(pages) < 10 {
		t.Fatalf("the column has %d pages; the test needs many", len(pages))
	}
	c := parseString(t, "emails.yaml", "columns:\n  - name: email\n    unique: true\n    pattern: '^applicant[0-9]+@example\\.com$'\n")
	plan, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	chk := checkByID(t, res, "column.email.unique")
	if chk.Failures != 1 || len(chk.Examples) != 1 || chk.Examples[0].Row != dupAt || chk.Examples[0].Value != rows[42].Email {
		t.Fatalf("unique: %d failures, examples %+v; want 1 at row %d", chk.Failures, chk.Examples, dupAt)
	}
	if p := checkByID(t, res, "column.email.pattern"); p.Failures != 0 || p.Total != n {
		t.Fatalf("pattern: %d of %d", p.Failures, p.Total)
	}
}
