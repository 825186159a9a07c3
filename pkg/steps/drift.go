package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/drift"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// DriftRequest asks whether current data drifted from a reference. Each side
// is Parquet files or profiles (see DataFiles).
type DriftRequest struct {
	Run
	Reference []string
	Current   []string
	// Config overrides the dataset rule and each column's method, threshold
	// and severity, or excludes columns ("" for the defaults).
	Config string
	// WarnOnly turns a drifted dataset into a warning instead of a failure.
	WarnOnly bool
	// Digest records the sha256 of each Parquet file read (profiles carry
	// theirs); Verifier, when set, accepts only signed profiles.
	Digest   bool
	Verifier evidence.Verifier
	Scan     parquetx.ScanOptions
}

// Drift compares the two sides column by column.
func Drift(ctx context.Context, r DriftRequest) (*evidence.Document, error) {
	ctx = r.Run.context(ctx)
	started := r.now()
	if err := refuseBothSides(r.Reference, r.Current, r.Remote.isTableFile); err != nil {
		return nil, err
	}
	cfg := drift.DefaultConfig()
	if r.Config != "" {
		var err error
		if cfg, err = drift.ReadConfig(r.Config); err != nil {
			return nil, err
		}
	}
	// Columns the config excludes are not even read.
	read := profile.ScanOptions{Exclude: cfg.Excluded(), Parquet: r.Scan}
	ref, err := loadSource(ctx, r.Remote, r.Reference, read, r.Verifier)
	if err != nil {
		return nil, err
	}
	cur, err := loadSource(ctx, r.Remote, r.Current, read, r.Verifier)
	if err != nil {
		return nil, err
	}
	for _, src := range []*profileSource{ref, cur} {
		if r.Digest && src.profiles == nil {
			if err := src.recordDigests(ctx); err != nil {
				return nil, err
			}
		}
	}
	rep := drift.Compare(ref.profile, cur.profile, cfg)
	rep.Details.Reference = strings.Join(r.Reference, ",")
	rep.Details.ReferenceInputs = drift.Side(ref.profile, ref.profiles)
	rep.Details.CurrentInputs = drift.Side(cur.profile, cur.profiles)
	tableVersions(rep.Details.ReferenceInputs, ref.files)
	tableVersions(rep.Details.CurrentInputs, cur.files)
	// The evidence is about the current data, named as the profile records
	// it (by digest with Digest).
	subject := evidence.Subject{Name: cur.name, Files: rep.Details.CurrentInputs.Data}
	doc := r.start(evidence.KindDriftReport, subject, started)
	for _, c := range append(append(ref.checks, cur.checks...), rep.Checks...) {
		if c.ID == "drift.dataset" && r.WarnOnly && c.Status == evidence.StatusFail {
			c.Status, c.Severity = evidence.StatusWarn, evidence.SeverityWarn
		}
		doc.Add(c)
	}
	doc.Details = rep.Details
	doc.Summary = fmt.Sprintf("%s (reference: %s; current: %s)", rep.Summary, fileList(r.Reference), fileList(r.Current))
	return r.finish(doc), nil
}

// tableVersions names, in a side's data, the table version each file was
// read as (the two sides of a drift between versions share files).
func tableVersions(side *evidence.DriftSide, read []evidence.File) {
	byPath := map[string]*evidence.TableVersion{}
	for _, f := range read {
		byPath[f.Path] = f.Table
	}
	for i := range side.Data {
		side.Data[i].Table = byPath[side.Data[i].Path]
	}
}

// fileList names the files of one side for the summary, the first few when
// there are many.
func fileList(paths []string) string {
	const show = 5
	if len(paths) <= show {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:show-1], ", "), len(paths)-show+1)
}

// refuseBothSides refuses a file given as reference and as current data: an
// unquoted glob after --reference (--reference train/*.parquet cur.parquet)
// is expanded by the shell, and all but its first file become current data.
// A live file of a table may be on both sides: two versions of one table
// share the files neither changed.
func refuseBothSides(refPaths, curPaths []string, tableFile func(string) bool) error {
	for _, c := range curPaths {
		if tableFile(c) {
			continue
		}
		for _, r := range refPaths {
			if outfile.SameFile(c, r) {
				return fmt.Errorf("%s is given both as reference (%s) and as current data: quote a reference glob so the shell does not expand it", c, r)
			}
		}
	}
	return nil
}
