package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// table1000 writes a Delta table of 1,000 files (100 rows each): 999 in
// commit 1, one in commit 2. It returns the table and commit 2's file.
func table1000(b *testing.B) (*tabletest.Delta, []string) {
	b.Helper()
	d := tabletest.NewDelta(b, b.TempDir())
	files := make([][]int64, 999)
	for i := range files {
		files[i] = make([]int64, 100)
		for j := range files[i] {
			files[i][j] = int64(i*100 + j)
		}
	}
	d.Commit(b, files...)
	last := make([]int64, 100)
	for j := range last {
		last[j] = int64(999*100 + j)
	}
	_, added := d.Commit(b, last)
	return d, added
}

func benchValidate(b *testing.B, dir, body string, opts table.Options) *evidence.Document {
	ctx := context.Background()
	contract := filepath.Join(b.TempDir(), "c.yaml")
	if err := os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body), 0o644); err != nil {
		b.Fatal(err)
	}
	var doc *evidence.Document
	for b.Loop() {
		remote := steps.NewRemote(objstore.Options{})
		remote.Table = &opts
		files, err := remote.Files(ctx, []string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if doc, err = steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files}); err != nil {
			b.Fatal(err)
		}
		remote.Close()
	}
	if doc.Status != evidence.StatusPass {
		b.Fatalf("%s: %s", doc.Status, doc.Summary)
	}
	return doc
}

const rules1000 = "dataset:\n  rows: {min: 100000, max: 100000}\ncolumns:\n  - name: id\n    type: int64\n    nullable: false\n    min: 0\n    max: 99999\n"

// BenchmarkTableIncremental: an incremental run over the last commit of
// a 1,000-file table reads only that commit's file. The other 999 data
// files are deleted before the run, so opening one fails it; the row
// bounds are decided by the log's row counts.
func BenchmarkTableIncremental(b *testing.B) {
	d, added := table1000(b)
	s, err := table.Open(d.Dir, table.Current)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Path != added[0] {
			if err := os.Remove(f.Path); err != nil {
				b.Fatal(err)
			}
		}
	}
	since := s.Version - 1
	doc := benchValidate(b, d.Dir, rules1000, table.Options{Version: -1, Since: &since})
	read := 0
	for _, f := range doc.Subject.Files {
		if f.IO != nil && f.IO.Requests > 0 {
			read++
		}
	}
	if read > 1 || len(doc.Subject.Files) != 1000 {
		b.Fatalf("%d files read of %d listed", read, len(doc.Subject.Files))
	}
	b.ReportMetric(float64(read), "datafiles/op")
}

// BenchmarkTableMetadata: the same contract over the whole 1,000-file
// table, decided by the log alone: the schema checks by the table's
// schema, the value rules by the log's statistics (decidedBy
// table-metadata). Every data file is deleted before the run, so opening
// one would fail it; the evidence's I/O records say none was read.
func BenchmarkTableMetadata(b *testing.B) {
	d, _ := table1000(b)
	s, err := table.Open(d.Dir, table.Current)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range s.Files {
		if err := os.Remove(f.Path); err != nil {
			b.Fatal(err)
		}
	}
	doc := benchValidate(b, d.Dir, rules1000, table.Current)
	details, _ := evidence.DetailsOf[evidence.ValidationDetails](doc)
	if details.DecidedBy["table-metadata"] < 5 || details.DecidedBy["scan"] > 0 {
		b.Fatalf("decided by %v", details.DecidedBy)
	}
	var read, bytes int64
	for _, f := range doc.Subject.Files {
		if f.IO == nil {
			b.Fatalf("%s: no I/O record", f.Path)
		}
		if f.IO.Requests > 0 {
			read++
		}
		bytes += f.IO.BytesRead
	}
	if read != 0 || bytes != 0 || len(doc.Subject.Files) != 1000 {
		b.Fatalf("%d of %d files read (%d bytes)", read, len(doc.Subject.Files), bytes)
	}
	b.ReportMetric(float64(read), "datafiles/op")
}
