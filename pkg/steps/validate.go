package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
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
	// Where, when set, restricts the whole run to the rows matching this
	// row filter, beside the contract's own (see contract.ParseFilter).
	Where string
	Scan  parquetx.ScanOptions
	// Shard validates one shard of the dataset (nil: all of it); the
	// evidence then carries what ValidateMerge needs.
	Shard *evidence.Shard
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
	c, plan, err := loadPlan(r.Contract)
	if err != nil {
		return nil, err
	}
	if c.Empty() && !r.VerifyAll { // verifying every page still checks the files
		why := ""
		if n := len(c.Skipped); n > 0 {
			why = fmt.Sprintf(" (its %d rules are ones mlgate cannot run)", n)
		}
		return nil, fmt.Errorf("contract %s has no rule to check%s: it would pass any data (to check only the files' integrity, verify every page)", r.Contract, why)
	}
	var where *contract.Filter
	if r.Where != "" {
		if where, err = contract.ParseFilter(r.Where); err != nil {
			return nil, fmt.Errorf("row filter %q: %w", r.Where, err)
		}
	}
	var wholePlan *contract.Plan // an incremental check's whole-table rules
	if len(r.Data) == 0 && c.DataLocation != "" {
		// An ODCS contract's server: a path, glob, prefix or URL.
		if r.Data, err = r.Remote.Files(ctx, []string{c.DataLocation}); err != nil {
			return nil, err
		}
	}
	inc := r.Remote.incremental()
	if r.Remote != nil && r.Remote.Table != nil && r.Remote.Table.Since != nil && len(inc) == 0 {
		return nil, fmt.Errorf("an incremental check (since version %d) needs a Delta or Iceberg table to validate: %s is not one", *r.Remote.Table.Since, strings.Join(r.Data, ", "))
	}
	if len(inc) > 0 {
		if r.Shard != nil {
			return nil, errors.New("an incremental check of a table (since a version) is not sharded: validate the added data in one run")
		}
		if where != nil {
			return nil, errors.New("an incremental check of a table (since a version) takes no row filter yet: the whole-table rules would count rows the filter does not keep")
		}
		var whole *contract.Contract
		if c, whole = c.Split(); whole != nil {
			if wholePlan, err = contract.Compile(whole); err != nil {
				return nil, err
			}
		}
		if plan, err = contract.Compile(c); err != nil {
			return nil, err
		}
	}
	if len(r.Data) == 0 && len(inc) == 0 {
		return nil, errors.New("no data to validate: name the Parquet files (an ODCS contract may name them in a server of type local, s3, gcs or azure)")
	}
	subject := evidence.Subject{Name: c.Name}
	if subject.Name == "" {
		subject.Name = r.Remote.datasetName(r.Data)
	}
	contractDigest := c.SHA256
	doc := r.start(evidence.KindDataValidation, subject, started)
	details := evidence.ValidationDetails{Contract: r.Contract}
	files, err := openData(ctx, r.Remote, r.Data, r.Digest, doc)
	defer parquetx.CloseHandles(files)
	if err == nil {
		var res *contract.Result
		opts := contract.Options{Scan: r.Scan, VerifyAll: r.VerifyAll, AsOf: cmp.Or(r.AsOf, started),
			TableStats: r.Remote.TableStats(files), Shard: r.Shard, Where: where}
		if r.Digest {
			opts.TableStats = nil
		}
		if r.Shard == nil { // a shard counts its own rows
			opts.TableRows = tableRows(files)
		}
		res, err = plan.RunHandles(ctx, files, opts)
		if err == nil && wholePlan != nil {
			err = validateWhole(ctx, r, wholePlan, inc, doc, res)
		}
		if err == nil {
			for _, c := range res.Checks {
				doc.Add(c)
			}
			details = res.Details
			if details.Shard != nil {
				details.Shard.Contract = contractDigest
				doc.Summary = fmt.Sprintf("shard %d/%d: %s on its part of the dataset; merge every shard's evidence for the result",
					r.Shard.Index, r.Shard.Count, evidence.CountSummary(doc.Checks))
			}
		}
	}
	if err != nil {
		if r.Hint != nil {
			err = r.Hint(err)
		}
		doc.Add(integrityCheck(err))
		doc.Summary = "could not validate: " + err.Error()
	}
	details.RunWhere, details.ContractSHA256 = r.Where, contractDigest
	doc.Details = details
	if len(inc) > 0 && doc.Summary == "" {
		doc.Summary = evidence.CountSummary(doc.Checks) + "; " + incrementalNote(inc, wholePlan != nil)
	}
	r.Remote.Record(doc.Subject.Files)
	return r.finish(doc), nil
}

// ValidateMergeRequest asks to merge the evidence of every shard of a
// sharded validation.
type ValidateMergeRequest struct {
	Run
	Contract string
	Shards   []string
	// Verifier, when set, requires each shard's evidence to be signed.
	Verifier evidence.Verifier
}

// loadPlan reads and compiles a contract.
func loadPlan(path string) (*contract.Contract, *contract.Plan, error) {
	c, err := contract.Load(path)
	if err != nil {
		return nil, nil, err
	}
	plan, err := contract.Compile(c)
	return c, plan, err
}

// ValidateMerge decides the contract over the whole dataset from its shards'
// evidence: the same checks, counts and examples as one unsharded run. It
// refuses evidence of another contract (by digest), of other files, of
// another shard count, a shard given twice or a missing one.
func ValidateMerge(ctx context.Context, r ValidateMergeRequest) (*evidence.Document, error) {
	started := r.now()
	c, plan, err := loadPlan(r.Contract)
	if err != nil {
		return nil, err
	}
	loaded, err := evidence.LoadAll(r.Shards, r.Verifier)
	if err != nil {
		return nil, err
	}
	var (
		parts  []contract.ShardResult
		merged []evidence.EvidenceRef
		seen   = map[string]string{}
	)
	for _, l := range loaded {
		if prev, ok := seen[l.Digest]; ok {
			return nil, fmt.Errorf("%s and %s are the same evidence (sha256 %s): each shard once", prev, l.Path, ShortDigest(l.Digest))
		}
		seen[l.Digest] = l.Path
		d := l.Document
		if d.Kind != evidence.KindDataValidation {
			return nil, fmt.Errorf("%s: %s evidence, not a shard of a validation", l.Path, d.Kind)
		}
		details, _ := evidence.DetailsOf[evidence.ValidationDetails](d)
		if details.Shard == nil {
			return nil, fmt.Errorf("%s: not the evidence of a shard (validated without a shard)", l.Path)
		}
		if details.Shard.Contract != c.SHA256 {
			return nil, fmt.Errorf("%s: validated against another contract than %s (sha256 %s, not %s)", l.Path, r.Contract,
				ShortDigest(details.Shard.Contract), ShortDigest(c.SHA256))
		}
		if details.Object != c.Object {
			return nil, fmt.Errorf("%s: validated against the schema object %q of %s, not %q", l.Path, details.Object, r.Contract, c.Object)
		}
		var files []string
		for _, f := range d.Subject.Files {
			files = append(files, f.Path)
		}
		parts = append(parts, contract.ShardResult{Name: l.Path, Checks: d.Checks, Details: details, Files: files})
		merged = append(merged, l.Ref())
	}
	if len(loaded) == 0 {
		return nil, fmt.Errorf("no shard evidence to merge")
	}
	subject, err := mergeSubjects(loaded)
	if err != nil {
		return nil, err
	}
	res, err := plan.MergeShards(parts)
	if err != nil {
		return nil, err
	}
	doc := r.start(evidence.KindDataValidation, subject, started)
	for _, c := range res.Checks {
		doc.Add(c)
	}
	res.Details.Contract, res.Details.ContractSHA256 = r.Contract, c.SHA256
	res.Details.Merged = merged
	doc.Details = res.Details
	return r.finish(doc), nil
}

// mergeSubjects is the shards' common subject, each file's I/O summed over
// the shards; the shards must name the same files (path, size, version,
// digest).
func mergeSubjects(loaded []*evidence.Loaded) (evidence.Subject, error) {
	first := loaded[0].Document.Subject
	out := evidence.Subject{Name: first.Name}
	for i, f := range first.Files {
		f.IO = nil
		var io evidence.IORecord
		for _, l := range loaded {
			files := l.Document.Subject.Files
			if len(files) != len(first.Files) {
				return out, fmt.Errorf("%s validated %d files, %s %d", l.Path, len(files), loaded[0].Path, len(first.Files))
			}
			g := files[i]
			if g.Path != f.Path || g.Size != f.Size || g.Version != f.Version || !maps.Equal(g.Digest, first.Files[i].Digest) {
				return out, fmt.Errorf("%s and %s name different data at file %d (%s, %s)", loaded[0].Path, l.Path, i+1, f.Path, g.Path)
			}
			if g.IO != nil {
				io.Requests += g.IO.Requests
				io.BytesRead += g.IO.BytesRead
			}
		}
		if io != (evidence.IORecord{}) {
			f.IO = &io
		}
		out.Files = append(out.Files, f)
	}
	return out, nil
}

// openData gives a handle of every file (Remote.Handle: a table's live file
// is opened only when a check needs it), recording each in the subject; it
// stops at the first that cannot be read.
func openData(ctx context.Context, remote *Remote, paths []string, digest bool, doc *evidence.Document) ([]*parquetx.Handle, error) {
	var files []*parquetx.Handle
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
		f, err := handle(ctx, remote, p, digest)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}

// handle is remote.Handle, or, when the evidence names files by digest,
// the file opened: a digest names the file's bytes, so the checks are
// decided from them, never from a table's metadata (its log or manifests,
// which a digest does not cover and whose statistics may lie).
func handle(ctx context.Context, remote *Remote, path string, digest bool) (*parquetx.Handle, error) {
	if !digest {
		return remote.Handle(ctx, path)
	}
	f, err := remote.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return parquetx.Opened(f), nil
}

// tableRows is the dataset's live row count when the table metadata
// states every file's (none was opened to count them): row bounds are
// then decided by the table-metadata tier.
func tableRows(files []*parquetx.Handle) *int64 {
	if len(files) == 0 {
		return nil
	}
	var n int64
	for _, f := range files {
		if f.IsOpen() || f.Rows < 0 || n > math.MaxInt64-f.Rows { // counts that overflow are not known
			return nil
		}
		n += f.Rows
	}
	return &n
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
