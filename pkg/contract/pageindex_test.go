package contract

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// writeWithoutChunkStats writes rows in small pages, then rewrites the footer
// without the column chunks' statistics, like a writer that keeps only the
// page index; keepPageIndex false drops the page index too. Rows go in two
// row groups of small pages.
func writeWithoutChunkStats(t *testing.T, path string, rows []txRow, keepPageIndex bool) string {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[txRow](&buf, parquet.MaxRowsPerRowGroup(500), parquet.PageBufferSize(256))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	start := len(data) - 8 - n
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[start:len(data)-8], &md); err != nil {
		t.Fatal(err)
	}
	indexed := 0
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			cc := &md.RowGroups[i].Columns[j]
			// parquet-go always writes null_count; a negative one is not
			// trusted, which is as good as absent.
			cc.MetaData.Statistics = format.Statistics{NullCount: -1}
			if cc.ColumnIndexLength > 0 {
				indexed++
			}
			if !keepPageIndex {
				cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
			}
		}
	}
	if indexed == 0 {
		t.Fatal("parquet-go wrote no page index")
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte{}, data[:start]...), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	out = append(out, "PAR1"...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCounting(t *testing.T, contract string, path string, verifyAll bool) (*Result, int64) {
	t.Helper()
	plan, err := Compile(parseString(t, "c.yaml", contract))
	if err != nil {
		t.Fatal(err)
	}
	var pages atomic.Int64
	res, err := plan.Run(context.Background(), openAll(t, path), Options{Scan: parquetx.ScanOptions{PagesDecoded: &pages}, VerifyAll: verifyAll})
	if err != nil {
		t.Fatal(err)
	}
	return res, pages.Load()
}

// TestPageIndexDecidesWithoutDecoding: with no chunk statistics in the
// footer, the page index alone proves bounds and null counts, no data page
// is decoded, and the outcome is the one a full scan gives.
func TestPageIndexDecidesWithoutDecoding(t *testing.T) {
	rows := fixtureRows(1000)
	// The same name in two folders, so that examples compare by base name.
	indexed := writeWithoutChunkStats(t, filepath.Join(t.TempDir(), "tx.parquet"), rows, true)
	bare := writeWithoutChunkStats(t, filepath.Join(t.TempDir(), "tx.parquet"), rows, false)

	provable := "columns:\n" +
		"  - name: amount\n    min: 0\n    max_null_fraction: 0.05\n" +
		"  - name: score\n    min: 0\n    max: 99\n" +
		"  - name: id\n    min: 0\n"
	res, pages := runCounting(t, provable, indexed, false)
	// A float column's max is never proven by statistics: writers leave NaN
	// (above every max) out of them.
	floatMax, _ := runCounting(t, "columns:\n  - name: amount\n    max: 3000\n", indexed, false)
	if c := checkByID(t, floatMax, "column.amount.max"); c.DecidedBy != tierScan || c.Status != "pass" {
		t.Errorf("amount max: %s by %s, want a pass by scan", c.Status, c.DecidedBy)
	}
	if pages != 0 {
		t.Errorf("%d data pages decoded for checks the page index proves", pages)
	}
	for _, id := range []string{"column.amount.min", "column.amount.max_null_fraction", "column.score.min", "column.score.max", "column.id.min"} {
		if c := checkByID(t, res, id); c.DecidedBy != tierMetadata || c.Status != "pass" {
			t.Errorf("%s: %s by %s (%s), want a pass by metadata", id, c.Status, c.DecidedBy, c.Message)
		}
	}
	if c := checkByID(t, res, "column.amount.max_null_fraction"); c.Failures != 10 || c.Total != 1000 {
		t.Errorf("amount nulls: %d of %d, want 10 of 1000 from the page index", c.Failures, c.Total)
	}
	// Without the page index every check is scanned.
	if _, pages := runCounting(t, provable, bare, false); pages == 0 {
		t.Fatal("without a page index nothing was decoded")
	}

	// Failing checks still reach the scan for their examples; every check
	// ends as a full scan of the file without a page index says.
	all := provable +
		"  - name: email\n    nullable: false\n" +
		"  - name: customer\n    max: 200\n"
	got, gotPages := runCounting(t, all, indexed, false)
	want, wantPages := runCounting(t, all, bare, true)
	if gotPages == 0 || gotPages >= wantPages {
		t.Errorf("%d pages decoded with the page index, %d without: only the pages that may fail should be", gotPages, wantPages)
	}
	if len(got.Checks) != len(want.Checks) {
		t.Fatalf("%d checks, want %d", len(got.Checks), len(want.Checks))
	}
	for i, c := range got.Checks {
		w := want.Checks[i]
		c.DecidedBy, w.DecidedBy = "", ""
		for j := range c.Examples {
			c.Examples[j].File = filepath.Base(c.Examples[j].File)
		}
		for j := range w.Examples {
			w.Examples[j].File = filepath.Base(w.Examples[j].File)
		}
		if c.Location != nil && c.Location.File != "" {
			c.Location.File = filepath.Base(c.Location.File)
			w.Location.File = filepath.Base(w.Location.File)
		}
		if !reflect.DeepEqual(c, w) {
			t.Errorf("with the page index:\n%+v\nfull scan:\n%+v", c, w)
		}
	}
	if c := checkByID(t, got, "column.email.nullable"); c.Status != "fail" || len(c.Examples) != 1 || c.Examples[0].Row != 50 {
		t.Errorf("email.nullable: %s %+v, want a failure with row 50", c.Status, c.Examples)
	}
}

// TestPageIndexSkipsPassingPages: on a real file whose footer proves a
// failure, only the pages whose index cannot prove the check are decoded,
// and the outcome (counts, examples with rows) is the one of a full scan.
func TestPageIndexSkipsPassingPages(t *testing.T) {
	for _, name := range []string{"alltypes_tiny_pages_plain.parquet", "alltypes_tiny_pages.parquet"} {
		t.Run(name, func(t *testing.T) { skipsPassingPages(t, name) })
	}
}

func skipsPassingPages(t *testing.T, name string) {
	path := filepath.Join(testenv.Shared(t, "corpora", "parquet-testing", "data"), name)
	contract := "columns:\n  - name: id\n    max: 7000\n    min: 100\n"
	got, gotPages := runCounting(t, contract, path, false)
	want, wantPages := runCounting(t, contract, path, true)
	f := openAll(t, path)[0]
	var pages int
	index, err := f.Pages(0, f.Schema.Lookup("id"))
	if err != nil || len(index) == 0 {
		t.Fatalf("no page index (%v)", err)
	}
	pages += len(index)
	t.Logf("%d of the %d pages of id decoded (%d in the whole file)", gotPages, pages, wantPages)
	if gotPages == 0 || gotPages*2 > int64(pages) {
		t.Errorf("%d of the %d pages decoded: the page index should spare most", gotPages, pages)
	}
	if !reflect.DeepEqual(got.Checks, want.Checks) {
		t.Errorf("with the page index:\n%+v\nfull scan:\n%+v", got.Checks, want.Checks)
	}
	if c := checkByID(t, got, "column.id.min"); c.Failures != 100 || c.Total != 7300 || c.Status != "fail" {
		t.Errorf("id.min: %d of %d", c.Failures, c.Total)
	}
	if c := checkByID(t, got, "column.id.max"); c.Failures != 299 || c.Total != 7300 || c.Status != "fail" || len(c.Examples) != 5 {
		t.Errorf("id.max: %d of %d, examples %+v", c.Failures, c.Total, c.Examples)
	}
}

// TestMisplacedOffsetIndexFallsBackToAFullScan: an offset index that passes
// its own checks but locates a page elsewhere than its header lies is not
// used for seeking; the chunk is scanned whole, with the same outcome.
func TestMisplacedOffsetIndexFallsBackToAFullScan(t *testing.T) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[txRow](&buf, parquet.MaxRowsPerRowGroup(1000), parquet.PageBufferSize(256))
	if _, err := w.Write(fixtureRows(1000)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	good := filepath.Join(t.TempDir(), "tx.parquet")
	if err := os.WriteFile(good, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := openAll(t, good)[0]
	cc := f.Metadata().RowGroups[0].Columns[f.Schema.Lookup("customer").Index]
	at, n := cc.OffsetIndexOffset, int(cc.OffsetIndexLength)
	var oi format.OffsetIndex
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[at:at+int64(n)], &oi); err != nil {
		t.Fatal(err)
	}
	last := &oi.PageLocations[len(oi.PageLocations)-1]
	last.Offset, last.CompressedPageSize = last.Offset+1, last.CompressedPageSize-1
	moved, err := thrift.Marshal(new(thrift.CompactProtocol), &oi)
	if err != nil || len(moved) != n {
		t.Fatalf("re-encoding the offset index: %d bytes for %d (%v)", len(moved), n, err)
	}
	bad := append([]byte{}, data...)
	copy(bad[at:], moved)
	misplaced := filepath.Join(t.TempDir(), "tx.parquet")
	if err := os.WriteFile(misplaced, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	contract := "columns:\n  - name: customer\n    max: 200\n"
	goodRes, goodPages := runCounting(t, contract, good, false)
	badRes, badPages := runCounting(t, contract, misplaced, false)
	if badPages != int64(len(oi.PageLocations)) || goodPages >= badPages {
		t.Errorf("%d pages decoded with the misplaced index (want all %d), %d with the good one", badPages, len(oi.PageLocations), goodPages)
	}
	g, b := checkByID(t, goodRes, "column.customer.max"), checkByID(t, badRes, "column.customer.max")
	if g.Failures != b.Failures || g.Total != b.Total || g.Failures != 196 || !reflect.DeepEqual(g.Examples[0].Row, b.Examples[0].Row) {
		t.Errorf("good index %d of %d, misplaced %d of %d", g.Failures, g.Total, b.Failures, b.Total)
	}
}
