package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// bindModel decides whether a model's evidence document (a Verification, a
// Signature) is about exactly the candidate: its digest, recomputed over the
// candidate under the document's hashing, must match, and the files it lists
// must be the candidate's files, no more, no fewer. The candidate's own subject
// is reused when the hashing is the same.
func bindModel(ctx context.Context, model string, candidate *evidence.Subject, path string, doc *evidence.Document) evidence.Check {
	c := evidence.Check{ID: "evidence.subject", Title: "Evidence subject", Status: evidence.StatusFail, Severity: evidence.SeverityError,
		Location: &evidence.Location{File: path}}
	what := fmt.Sprintf("%s evidence %s", doc.Kind, path)
	want := doc.Subject.Digest["sha256"]
	switch {
	case candidate == nil:
		c.Message = what + " cannot be bound to a candidate: give the model (--model) so the gate can hash it"
		return c
	case want == "" || doc.Subject.Hashing == nil:
		c.Message = what + " does not record its subject's digest and hashing (written by an older mlgate?): verify the model again"
		return c
	}
	got := candidate
	if !doc.Subject.Hashing.Equal(candidate.Hashing) {
		var err error
		if got, err = HashSubject(ctx, model, *doc.Subject.Hashing, 0); err != nil {
			c.Message = fmt.Sprintf("%s cannot be bound to the candidate: %v", what, err)
			return c
		}
		// The document's hashing may leave out files the candidate has.
		if missing := missingFiles(candidate.Files, got.Files); len(missing) > 0 {
			c.Message = fmt.Sprintf("%s does not cover the candidate's %s (it ignores %s)", what, strings.Join(missing, ", "), strings.Join(doc.Subject.Hashing.IgnorePaths, ", "))
			return c
		}
	}
	c.Expected, c.Observed = "sha256:"+got.Digest["sha256"], "sha256:"+want
	if want != got.Digest["sha256"] {
		c.Message = fmt.Sprintf("%s is about another model: digest sha256:%s, the candidate %s is sha256:%s", what, ShortDigest(want), model, ShortDigest(got.Digest["sha256"]))
		return c
	}
	if diff := FileDiff(doc.Subject.Files, got.Files); diff != "" {
		c.Message = fmt.Sprintf("%s does not list exactly the candidate's files: %s", what, diff)
		return c
	}
	c.Status, c.Severity = evidence.StatusPass, ""
	c.Message = fmt.Sprintf("%s covers exactly the candidate %s (sha256:%s, %d files)", what, model, ShortDigest(want), len(got.Files))
	return c
}

// bindData decides whether a DataValidation is about exactly the given
// dataset files: it must name each by sha256, and nothing else.
func bindData(dataset []evidence.File, path string, doc *evidence.Document) evidence.Check {
	c := evidence.Check{ID: "evidence.subject", Title: "Evidence subject", Status: evidence.StatusFail, Severity: evidence.SeverityError,
		Location: &evidence.Location{File: path}}
	what := fmt.Sprintf("%s evidence %s", doc.Kind, path)
	if v, ok := evidence.DetailsOf[evidence.ValidationDetails](doc); ok {
		switch {
		case v.Shard != nil:
			c.Message = fmt.Sprintf("%s is shard %d of %d of a validation, not its result: merge the shards' evidence for the gate", what, v.Shard.Index, v.Shard.Count)
			return c
		case v.RunWhere != "":
			c.Message = fmt.Sprintf("%s validated only the rows where %s, a filter the run added to the contract; validate every row for the gate", what, v.RunWhere)
			return c
		}
	}
	want := map[string]string{} // sha256 -> dataset path
	for _, f := range dataset {
		want[f.Digest["sha256"]] = f.Path
	}
	var extra, partial []string
	seen := map[string]bool{}
	for _, f := range doc.Subject.Files {
		d := f.Digest["sha256"]
		if d == "" {
			c.Message = fmt.Sprintf("%s does not record the sha256 of %s: %s with --digest", what, f.Path, digestStep(doc.Kind))
			return c
		}
		if _, ok := want[d]; !ok {
			extra = append(extra, fmt.Sprintf("%s (sha256:%s)", f.Path, ShortDigest(d)))
		}
		// An incremental check ran only the whole-table rules on the files
		// live before it: they are not validated by this document.
		if f.Scope == evidence.ScopeTable {
			partial = append(partial, f.Path)
			continue
		}
		seen[d] = true
	}
	if len(partial) > 0 && len(extra) == 0 {
		c.Message = fmt.Sprintf("%s is an incremental check: it ran every rule only on the data added%s, and only the whole-table rules on the %d files live before (%s first); validate the whole table for the gate",
			what, since(doc.Subject.Files), len(partial), partial[0])
		return c
	}
	var missing []string
	for _, f := range dataset {
		if !seen[f.Digest["sha256"]] {
			missing = append(missing, f.Path)
		}
	}
	switch {
	case len(extra) > 0:
		c.Message = fmt.Sprintf("%s is about files that are not the dataset given: %s", what, strings.Join(extra, ", "))
	case len(missing) > 0:
		c.Message = fmt.Sprintf("%s does not cover the dataset's %s", what, strings.Join(missing, ", "))
	default:
		c.Status, c.Severity = evidence.StatusPass, ""
		c.Message = fmt.Sprintf("%s covers exactly the %d dataset files, by sha256", what, len(dataset))
	}
	return c
}

// since names the version an incremental check started after.
func since(files []evidence.File) string {
	for _, f := range files {
		if f.Table != nil && f.Table.Since != nil {
			return fmt.Sprintf(" since version %d", *f.Table.Since)
		}
	}
	return ""
}

// digestStep names the step that records file digests for evidence of kind.
func digestStep(k evidence.Kind) string {
	if k == evidence.KindDriftReport {
		return "profile (or drift) the data"
	}
	return "validate"
}
