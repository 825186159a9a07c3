package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/table"
)

// validateWhole runs the whole-table rules of an incremental check (row
// bounds, uniqueness) over every live file of the tables, adding their
// checks to res. Row bounds alone are decided by the tables' metadata
// when every file's row count is stated there: no old file is opened.
// The subject lists the old files with scope "table", so the evidence
// says which files every rule saw and which only the whole-table ones.
func validateWhole(ctx context.Context, r ValidateRequest, plan *contract.Plan, inc []*table.Snapshot, doc *evidence.Document, res *contract.Result) error {
	var (
		rows  int64
		known = true
		old   []table.File
		all   []string
	)
	for _, s := range inc {
		n, ok := s.Rows()
		rows, known = rows+n, known && ok
		for _, f := range s.Files {
			all = append(all, f.Path)
			if !f.Added {
				old = append(old, f)
			}
		}
	}
	opts := contract.Options{Scan: r.Scan, VerifyAll: r.VerifyAll, AsOf: r.AsOf}
	if known && !r.Digest {
		opts.TableRows = &rows
	}
	// Every live file is a handle: the engine opens only those a rule
	// needs (uniqueness scans the keys of all of them). Evidence naming
	// files by digest is decided from their bytes (see handle).
	files := make([]*parquetx.Handle, 0, len(all))
	defer func() { parquetx.CloseHandles(files) }()
	for _, p := range all {
		h, err := handle(ctx, r.Remote, p, r.Digest)
		if err != nil {
			return err
		}
		files = append(files, h)
	}
	if !r.Digest {
		opts.TableStats = r.Remote.TableStats(files)
	}
	for _, f := range old {
		ef := evidence.File{Path: f.Path, Size: f.Size, Scope: evidence.ScopeTable}
		if st, err := os.Stat(f.Path); err == nil {
			ef.Size = st.Size()
		}
		if r.Digest {
			ref, err := fileRef(ctx, f.Path)
			if err != nil {
				return err
			}
			ef.Digest = ref.Digest
		}
		doc.Subject.Files = append(doc.Subject.Files, ef)
	}
	wres, err := plan.RunHandles(ctx, files, opts)
	if err != nil {
		return err
	}
	for _, c := range wres.Checks {
		if !contract.WholeTableCheck(c.ID) {
			continue
		}
		res.Checks = append(res.Checks, c)
		if c.DecidedBy != "" {
			if res.Details.DecidedBy == nil {
				res.Details.DecidedBy = map[string]int{}
			}
			res.Details.DecidedBy[c.DecidedBy]++
		}
	}
	return nil
}

// incrementalNote says what an incremental check read, for the summary.
// whole says whether the contract has whole-table rules.
func incrementalNote(inc []*table.Snapshot, whole bool) string {
	var parts []string
	for _, s := range inc {
		added := len(s.AddedFiles())
		rest := "by the whole-table rules only"
		if !whole {
			rest = "not read (the contract has no whole-table rule)"
		}
		parts = append(parts, fmt.Sprintf("%d files added to %s since %s %d checked by every rule, its %d earlier live files %s",
			added, s.Location, versionWord(s.Format), *s.Since, len(s.Files)-added, rest))
	}
	return strings.Join(parts, "; ")
}

// noData says why a profile or a drift side has no data: a table nothing
// was added to after the since version.
func (r *Remote) noData() error {
	for _, s := range r.incremental() {
		if len(s.AddedFiles()) == 0 {
			return fmt.Errorf("%s: no data was added after %s %d (up to %d)", s.Location, versionWord(s.Format), *s.Since, s.Version)
		}
	}
	return errors.New("no data files")
}
