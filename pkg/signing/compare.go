package signing

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Problem kinds: how a model on disk differs from its signature.
const (
	ProblemModified = "modified"
	ProblemMissing  = "missing"
	ProblemExtra    = "extra"
	ProblemRenamed  = "renamed"
	ProblemIgnore   = "ignore-paths"
)

// Problem is one difference between a signed manifest and the model on disk,
// named by the file it concerns.
type Problem struct {
	Kind string
	// Path is the model-relative file; for a rename, the new name.
	Path string
	// From is the signed name of a renamed file.
	From    string
	Message string
}

// Compare lists how the local manifest differs from the signed one, file by
// file: modified, missing, extra (unsigned) and renamed files. With
// ignoreUnsigned, files present only locally are not problems.
func Compare(signed, local *Manifest, ignoreUnsigned bool) []Problem {
	want, got := byFile(signed.Resources), byFile(local.Resources)
	var problems, missing, extra []Problem
	for p, rs := range want {
		l, ok := got[p]
		switch {
		case !ok:
			missing = append(missing, Problem{Kind: ProblemMissing, Path: p, Message: fmt.Sprintf("%s is signed but missing", p)})
		case !sameResources(rs, l):
			problems = append(problems, Problem{Kind: ProblemModified, Path: p, Message: fmt.Sprintf("%s does not match its signed digest%s", p, changedShards(rs, l))})
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok && !ignoreUnsigned {
			extra = append(extra, Problem{Kind: ProblemExtra, Path: p, Message: fmt.Sprintf("%s is not signed (extra file)", p)})
		}
	}
	// A missing file whose content turns up under a new name was renamed.
	for i := range missing {
		for j := range extra {
			if extra[j].Kind == ProblemExtra && missing[i].Kind == ProblemMissing &&
				sameDigests(want[missing[i].Path], got[extra[j].Path]) {
				problems = append(problems, Problem{
					Kind: ProblemRenamed, Path: extra[j].Path, From: missing[i].Path,
					Message: fmt.Sprintf("%s was renamed to %s after signing", missing[i].Path, extra[j].Path),
				})
				missing[i].Kind, extra[j].Kind = "", ""
			}
		}
	}
	for _, p := range append(missing, extra...) {
		if p.Kind != "" {
			problems = append(problems, p)
		}
	}
	sort.Slice(problems, func(i, j int) bool {
		if problems[i].Path != problems[j].Path {
			return problems[i].Path < problems[j].Path
		}
		return problems[i].Kind < problems[j].Kind
	})
	return problems
}

// CompareIgnorePaths checks the verifier's ignore list against the one the
// signature recorded: a path ignored now but not at signing would let unsigned
// files in unnoticed. allowed are paths the verifier always ignores (its own
// bundle, .git).
func CompareIgnorePaths(signed *Manifest, requested, allowed []string) []Problem {
	if !signed.Recorded {
		return nil
	}
	rec := map[string]bool{}
	for _, p := range signed.IgnorePaths {
		rec[p] = true
	}
	for _, p := range allowed {
		rec[p] = true
	}
	var problems []Problem
	for _, p := range requested {
		if !rec[p] {
			problems = append(problems, Problem{Kind: ProblemIgnore, Path: p,
				Message: fmt.Sprintf("%s is ignored here but was not ignored when the model was signed (signed ignore list: %s)", p, strings.Join(signed.IgnorePaths, ", "))})
		}
	}
	return problems
}

func byFile(rs []Resource) map[string][]Resource {
	m := map[string][]Resource{}
	for _, r := range rs {
		m[r.Path] = append(m[r.Path], r)
	}
	return m
}

func sameResources(a, b []Resource) bool {
	if len(a) != len(b) {
		return false
	}
	idx := map[string]Resource{}
	for _, r := range a {
		idx[r.Name] = r
	}
	for _, r := range b {
		w, ok := idx[r.Name]
		if !ok || w.Algorithm != r.Algorithm || !bytes.Equal(w.Digest, r.Digest) {
			return false
		}
	}
	return true
}

// changedShards says which byte ranges of a sharded file changed, when the
// file kept its size: " (bytes 0 to 8 of 24)".
func changedShards(signed, local []Resource) string {
	if len(signed) != len(local) || len(signed) == 0 || signed[0].Name == signed[0].Path {
		return ""
	}
	idx := map[string][]byte{}
	for _, r := range local {
		idx[r.Name] = r.Digest
	}
	var ranges []string
	for _, r := range signed {
		d, ok := idx[r.Name]
		if !ok {
			return ""
		}
		if !bytes.Equal(d, r.Digest) {
			ranges = append(ranges, fmt.Sprintf("%d to %d", r.Start, r.End))
		}
	}
	if len(ranges) > 3 {
		ranges = append(ranges[:3], fmt.Sprintf("%d more shards", len(ranges)-3))
	}
	return fmt.Sprintf(" (bytes %s of %d)", strings.Join(ranges, ", "), signed[len(signed)-1].End)
}

func sameDigests(a, b []Resource) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Digest, b[i].Digest) {
			return false
		}
	}
	return true
}
