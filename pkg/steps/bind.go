package steps

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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
		c.Message = what + " cannot be bound to a candidate: " + ErrGateWithoutModel.Error() + ", so it can hash it"
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

// dataClaim is what one piece of data evidence checked: the sha256 of
// the files it checked with every rule (full) and of those it checked for
// the whole-table rules only (an incremental check), each with how many
// dataset files of those bytes it counted, and, when it cannot vouch for
// the dataset at all, why (problem). Files are counted, not only named:
// two dataset files of the same bytes hold every row twice.
type dataClaim struct {
	path    string
	full    map[string]int
	partial map[string]int
	problem string
	// missing are the dataset files the whole-table rules did not see.
	missing []string
}

// whole says whether the claim's whole-table rules ran on the dataset.
func (cl dataClaim) whole() bool { return cl.problem == "" && len(cl.missing) == 0 }

// claimOf reads the claim of the evidence at path about the dataset files.
func claimOf(dataset []evidence.File, path string, doc *evidence.Document) dataClaim {
	cl := dataClaim{path: path}
	what := fmt.Sprintf("%s evidence %s", doc.Kind, path)
	if v, ok := evidence.DetailsOf[evidence.ValidationDetails](doc); ok {
		switch {
		case v.Shard != nil:
			cl.problem = fmt.Sprintf("%s is shard %d of %d of a validation, not its result: merge the shards' evidence for the gate", what, v.Shard.Index, v.Shard.Count)
			return cl
		case v.RunWhere != "":
			cl.problem = fmt.Sprintf("%s validated only the rows where %s, a filter the run added to the contract; validate every row for the gate", what, v.RunWhere)
			return cl
		case v.DecidedBy["table-metadata"] > 0:
			// The statistics of a table's log or manifests are not the
			// files' bytes the digests name, and may lie about them.
			cl.problem = fmt.Sprintf("%s decided %d checks from the table's metadata, which the files' sha256 do not cover: validate again with this mlgate, recording each file's digest", what, v.DecidedBy["table-metadata"])
			return cl
		}
	}
	want := map[string]int{} // sha256 -> dataset files of those bytes
	for _, f := range dataset {
		want[f.Digest["sha256"]]++
	}
	cl.full, cl.partial = map[string]int{}, map[string]int{}
	var extra []string
	for _, f := range doc.Subject.Files {
		d := f.Digest["sha256"]
		switch {
		case d == "":
			cl.problem = fmt.Sprintf("%s does not record the sha256 of %s: %s again, recording each file's digest", what, f.Path, digestStep(doc.Kind))
			return cl
		case f.Viewed:
			cl.problem = fmt.Sprintf("%s read %s as its table presents it (without rows the table deletes, or under columns its metadata renames, maps or adds), not as the file reads alone", what, f.Path)
			return cl
		case want[d] == 0:
			extra = append(extra, fmt.Sprintf("%s (sha256:%s)", f.Path, ShortDigest(d)))
		case cl.full[d]+cl.partial[d] == want[d]:
			extra = append(extra, fmt.Sprintf("%s (sha256:%s, one more file of those bytes than the dataset has)", f.Path, ShortDigest(d)))
		case f.Scope == evidence.ScopeTable:
			// An incremental check ran only the whole-table rules on the
			// files live before it.
			cl.partial[d]++
		default:
			cl.full[d]++
		}
	}
	if len(extra) > 0 {
		cl.problem = fmt.Sprintf("%s is about files that are not the dataset given: %s", what, strings.Join(extra, ", "))
		return cl
	}
	seen := map[string]int{}
	for _, f := range dataset {
		d := f.Digest["sha256"]
		if seen[d]++; seen[d] > cl.full[d]+cl.partial[d] {
			cl.missing = append(cl.missing, f.Path)
		}
	}
	return cl
}

// validatedBy maps the sha256 of each dataset file some DataValidation
// (claims, by document) checked with every rule to that evidence's path,
// and lists the DataValidations that ran the whole-table rules on the whole
// dataset, each file of which some DataValidation checked with every rule.
func validatedBy(docs []*evidence.Document, claims []dataClaim) validations {
	by := validations{full: map[string]string{}}
	for i, d := range docs {
		if d.Kind != evidence.KindDataValidation || claims[i].problem != "" {
			continue
		}
		for sum := range claims[i].full {
			by.full[sum] = cmp.Or(by.full[sum], claims[i].path)
		}
	}
	for i, d := range docs {
		if d.Kind == evidence.KindDataValidation && claims[i].whole() && len(by.others(claims[i])) == 0 {
			by.whole = append(by.whole, claims[i].path)
		}
	}
	return by
}

// validations is what the DataValidations given checked (validatedBy).
type validations struct {
	full  map[string]string
	whole []string
}

// others lists the files an incremental claim ran only the whole-table
// rules on that no other DataValidation checked with every rule.
func (v validations) others(cl dataClaim) []string {
	var out []string
	for _, sum := range slices.Sorted(maps.Keys(cl.partial)) {
		if cl.full[sum] == 0 && v.full[sum] == "" {
			out = append(out, "sha256:"+ShortDigest(sum))
		}
	}
	return out
}

// bindData decides whether data evidence is about exactly the given dataset
// files, checked with every rule (its claim, see claimOf): by itself, or,
// for a DataValidation, together with the others given (see validatedBy):
// each file checked with every rule by one of them, and the whole-table
// rules (row bounds, uniqueness) run on every file by one of them, as an
// incremental check does on the files live before it. Validations of parts
// of the dataset alone do not add up: each ran those rules on its part.
func bindData(dataset []evidence.File, cl dataClaim, doc *evidence.Document, others validations) evidence.Check {
	path := cl.path
	c := evidence.Check{ID: "evidence.subject", Title: "Evidence subject", Status: evidence.StatusFail, Severity: evidence.SeverityError,
		Location: &evidence.Location{File: path}}
	what := fmt.Sprintf("%s evidence %s", doc.Kind, path)
	switch {
	case cl.problem != "":
		c.Message = cl.problem
		return c
	case !cl.whole() && len(others.whole) == 0:
		c.Message = fmt.Sprintf("%s does not cover the dataset's %s", what, strings.Join(cl.missing, ", "))
		if doc.Kind == evidence.KindDataValidation {
			c.Message += ", and no evidence given ran the whole-table rules on all of it"
		}
		return c
	}
	var missing, with []string
	for _, f := range dataset {
		sum := f.Digest["sha256"]
		switch {
		case cl.full[sum] > 0:
		case others.full[sum] != "" && others.full[sum] != path:
			with = append(with, others.full[sum])
		default:
			missing = append(missing, f.Path)
		}
	}
	slices.Sort(with)
	with = slices.Compact(with)
	switch {
	case len(missing) > 0 && cl.whole():
		c.Message = fmt.Sprintf("%s is an incremental check: it ran every rule only on the data added%s, and no other evidence given validated the %d files live before (%s first); give the validation of the table before it, or validate the whole table",
			what, since(doc.Subject.Files), len(missing), missing[0])
	case len(missing) > 0:
		c.Message = fmt.Sprintf("%s does not cover the dataset's %s", what, strings.Join(missing, ", "))
	case !cl.whole():
		c.Status, c.Severity = evidence.StatusPass, ""
		c.Message = fmt.Sprintf("%s covers the %d dataset files, by sha256, with %s; %s ran the whole-table rules on them all", what, len(dataset), strings.Join(with, ", "), strings.Join(others.whole, ", "))
	case len(with) > 0:
		c.Status, c.Severity = evidence.StatusPass, ""
		c.Message = fmt.Sprintf("%s covers the %d dataset files, by sha256, with %s", what, len(dataset), strings.Join(with, ", "))
	default:
		c.Status, c.Severity = evidence.StatusPass, ""
		c.Message = fmt.Sprintf("%s covers exactly the %d dataset files, by sha256", what, len(dataset))
	}
	return c
}

// contractKey names a contract by the sha256 of its file's bytes and, in
// an ODCS file of several, its schema object: one file holds them all.
func contractKey(sum, object string) string {
	if object == "" {
		return sum
	}
	return sum + "#" + object
}

// bindContract decides whether a DataValidation checked one of the given
// contracts (keyed by contractKey).
func bindContract(contracts map[string]string, path string, doc *evidence.Document) evidence.Check {
	c := evidence.Check{ID: "evidence.contract", Title: "Evidence contract", Status: evidence.StatusFail, Severity: evidence.SeverityError,
		Location: &evidence.Location{File: path}}
	what := fmt.Sprintf("%s evidence %s", doc.Kind, path)
	v, _ := evidence.DetailsOf[evidence.ValidationDetails](doc)
	given := slices.Sorted(maps.Values(contracts))
	named := func(file string) string {
		if v.Object != "" {
			return fmt.Sprintf("%s (sha256:%s, object %s)", file, ShortDigest(v.ContractSHA256), v.Object)
		}
		return fmt.Sprintf("%s (sha256:%s)", file, ShortDigest(v.ContractSHA256))
	}
	switch key := contractKey(v.ContractSHA256, v.Object); {
	case v.ContractSHA256 == "":
		c.Message = fmt.Sprintf("%s does not record the sha256 of its contract; validate again with this mlgate", what)
	case contracts[key] == "":
		c.Message = fmt.Sprintf("%s checked the contract %s, not %s", what, named(v.Contract), strings.Join(given, " or "))
	default:
		c.Status, c.Severity = evidence.StatusPass, ""
		c.Message = fmt.Sprintf("%s checked the contract %s", what, named(contracts[key]))
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
