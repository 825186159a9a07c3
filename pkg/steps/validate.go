package steps

import (
	"cmp"
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ValidateRequest asks to validate a dataset (Parquet files) against a contract.
type ValidateRequest struct {
	Run
	Contract string
	// Data are the dataset's Parquet files (see DataFiles).
	Data []string
	// Digest records each file's sha256 in the subject (reads every byte).
	Digest bool
	// VerifyAll decodes every page even where metadata decides every check.
	VerifyAll bool
	// AsOf is the time freshness rules are judged at (zero: the run's start).
	AsOf time.Time
	Scan parquetx.ScanOptions
	// Hint, when set, rewrites an error before it is recorded (the CLI names
	// the flag that lifts a page size limit).
	Hint func(error) error
}

// Validate checks the data against the contract. Data that cannot be read or
// contradicts its metadata is a check with status error in the document, not
// an error; a contract that cannot be read is.
func Validate(ctx context.Context, r ValidateRequest) (*evidence.Document, error) {
	ctx = r.Run.context(ctx)
	started := r.now()
	c, err := contract.Load(r.Contract)
	if err != nil {
		return nil, err
	}
	plan, err := contract.Compile(c)
	if err != nil {
		return nil, err
	}
	if len(r.Data) == 0 && c.DataLocation != "" {
		// An ODCS contract's server: a path, glob, prefix or URL.
		if r.Data, err = r.Remote.Files(ctx, []string{c.DataLocation}); err != nil {
			return nil, err
		}
	}
	if len(r.Data) == 0 {
		return nil, errors.New("no data to validate: name the Parquet files (an ODCS contract may name them in a server of type local, s3, gcs or azure)")
	}
	subject := evidence.Subject{Name: c.Name}
	if subject.Name == "" {
		subject.Name = strings.Join(r.Data, ", ")
	}
	doc := r.start(evidence.KindDataValidation, subject, started)
	details := evidence.ValidationDetails{Contract: r.Contract}
	files, err := openData(ctx, r.Remote, r.Data, r.Digest, doc)
	defer parquetx.CloseAll(files)
	if err == nil {
		var res *contract.Result
		res, err = plan.Run(ctx, files, contract.Options{Scan: r.Scan, VerifyAll: r.VerifyAll, AsOf: cmp.Or(r.AsOf, started), TableStats: r.Remote.TableStats(files)})
		if err == nil {
			for _, c := range res.Checks {
				doc.Add(c)
			}
			details = res.Details
		}
	}
	if err != nil {
		if r.Hint != nil {
			err = r.Hint(err)
		}
		doc.Add(integrityCheck(err))
		doc.Summary = "could not validate: " + err.Error()
	}
	doc.Details = details
	r.Remote.Record(doc.Subject.Files)
	return r.finish(doc), nil
}

// openData opens every file, recording each in the subject; it stops at the
// first that cannot be read.
func openData(ctx context.Context, remote *Remote, paths []string, digest bool, doc *evidence.Document) ([]*parquetx.File, error) {
	var files []*parquetx.File
	for _, p := range paths {
		ef := evidence.File{Path: p}
		if st, err := os.Stat(p); err == nil {
			ef.Size = st.Size()
		}
		if digest {
			ref, err := fileRef(ctx, p)
			if err != nil {
				return files, err
			}
			ef.Digest = ref.Digest
		}
		doc.Subject.Files = append(doc.Subject.Files, ef)
		f, err := remote.Open(ctx, p)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}

// integrityCheck reports data that could not be read or contradicts its
// metadata: status error, so the command exits 2.
func integrityCheck(err error) evidence.Check {
	c := evidence.Check{ID: "file.integrity", Status: evidence.StatusError, Severity: evidence.SeverityError, Message: err.Error()}
	var ce *parquetx.CorruptError
	if errors.As(err, &ce) {
		c.Location = &evidence.Location{File: ce.File, Column: ce.Column}
		if ce.RowGroup >= 0 {
			rg := ce.RowGroup
			c.Location.RowGroup = &rg
		}
	}
	return c
}
