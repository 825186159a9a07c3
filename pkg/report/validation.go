package report

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
)

// maxExamples bounds the failing values shown per check.
const maxExamples = 3

// maxOpenFailures is how many failed checks are shown before the rest are folded.
const maxOpenFailures = 30

// validationMarkdown shows the contract, the rows read and, for every failed
// check, its column, failing count and a few failing values.
func validationMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	if line := contractLine(doc, Code, " · "); line != "" {
		b.WriteString(line + "\n\n")
	}
	bad, good := splitChecks(doc.Checks)
	header := []string{"", "Check", "Column", "Failing", "Message", "Examples"}
	rows := make([][]string, 0, len(bad))
	for _, c := range bad {
		column := "–"
		if col := checkColumn(c); col != "" {
			column = Code(col)
		}
		rows = append(rows, []string{
			StatusIcon(c.Status), Code(c.ID), column, failingCount(c), messageCell(c), exampleList(c.Examples, Code),
		})
	}
	if len(rows) > 0 {
		mdTable(b, header, rows[:min(len(rows), maxOpenFailures)])
	}
	if len(rows) > maxOpenFailures {
		details(b, plural(len(rows)-maxOpenFailures, "more failed check", "more failed checks"), func(b *strings.Builder) {
			mdTable(b, header, rows[maxOpenFailures:])
		})
	}
	if skipped := skippedRules(doc); len(skipped) > 0 {
		fmt.Fprintf(b, "⚠️ %s of the contract not run by mlgate, so not checked:\n\n", plural(len(skipped), "rule", "rules"))
		rows := make([][]string, 0, len(skipped))
		for _, r := range skipped {
			rows = append(rows, []string{Code(r.Rule), Escape(r.Reason), Code(sourceOf(r))})
		}
		mdTable(b, []string{"Rule", "Why", "Where"}, rows)
	}
	if len(good) > 0 {
		details(b, plural(len(good), "passed check", "passed checks"), func(b *strings.Builder) {
			checksTable(b, good)
		})
	}
	return true
}

// skippedRules are the contract rules the validation did not run.
func skippedRules(doc *evidence.Document) []evidence.SkippedRule {
	var d evidence.ValidationDetails
	if doc.DetailsAs(&d) != nil {
		return nil
	}
	return d.Skipped
}

func sourceOf(r evidence.SkippedRule) string {
	if r.Source == nil {
		return ""
	}
	return r.Source.String()
}

func validationText(w *textOut, doc *evidence.Document) bool {
	if line := contractLine(doc, Plain, ", "); line != "" {
		w.para("", line)
	}
	if skipped := skippedRules(doc); len(skipped) > 0 {
		rows := make([][]string, 0, len(skipped))
		for _, r := range skipped {
			rows = append(rows, []string{Plain(r.Rule), Plain(r.Reason), Plain(sourceOf(r))})
		}
		w.para("", plural(len(skipped), "contract rule", "contract rules")+" not run by mlgate, so not checked:")
		w.table([]string{"Rule", "Why", "Where"}, rows)
	}
	bad, _ := splitChecks(doc.Checks)
	if len(bad) == 0 {
		return true
	}
	rows := make([][]string, 0, len(bad))
	for _, c := range bad {
		rows = append(rows, []string{
			statusWord(c.Status), Plain(c.ID), Plain(checkColumn(c)), failingCount(c),
			Plain(c.Message), exampleList(c.Examples, Plain),
		})
	}
	w.table([]string{"Status", "Check", "Column", "Failing", "Message", "Examples"}, rows)
	return true
}

// contractLine says which contract was checked, over how many rows and how
// the checks were decided; "" when the document has no validation details.
func contractLine(doc *evidence.Document, show func(string) string, sep string) string {
	var d evidence.ValidationDetails
	if doc.DetailsAs(&d) != nil {
		return ""
	}
	line := "Contract " + show(d.Contract) + sep + plural(int(d.Rows), "row", "rows")
	if d.Format == "odcs" {
		line = "ODCS contract " + show(d.Contract) + " object " + show(d.Object) + sep + plural(int(d.Rows), "row", "rows")
	}
	if tiers := tierList(d.DecidedBy, show); tiers != "" {
		line += sep + tiers
	}
	return line
}

func checkColumn(c evidence.Check) string {
	if c.Location != nil {
		return c.Location.Column
	}
	return ""
}

func failingCount(c evidence.Check) string {
	switch {
	case c.Total > 0:
		return numfmt.Count(c.Failures) + " of " + numfmt.Count(c.Total)
	case c.Failures > 0:
		return numfmt.Count(c.Failures)
	}
	return "–"
}

// exampleList shows up to maxExamples failing values as "row 812: 1200000",
// each formatted by show (Code for markdown, Plain for text). When the
// examples come from several files, each names its file ("part-1.parquet
// row 0: …"): row numbers count within a file.
func exampleList(examples []evidence.Example, show func(string) string) string {
	files := map[string]bool{}
	for _, ex := range examples {
		files[ex.File] = true
	}
	var parts []string
	for i, ex := range examples {
		if i == maxExamples {
			parts = append(parts, fmt.Sprintf("+%d more", len(examples)-maxExamples))
			break
		}
		where := "row " + numfmt.Count(ex.Row)
		if len(files) > 1 && ex.File != "" {
			where = show(path.Base(ex.File)) + " " + where
		}
		if len(ex.Key) > 0 {
			where += " (" + show(keyText(ex.Key)) + ")"
		}
		parts = append(parts, where+": "+show(exampleValue(ex.Value)))
	}
	return strings.Join(parts, ", ")
}

// tierWords says in plain words how a tier decided its checks.
var tierWords = map[string]string{
	"table-metadata": "from the table's metadata",
	"metadata":       "from the files' statistics",
	"dictionary":     "from the values' dictionaries",
	"scan":           "by reading every value",
}

// tierList says how the checks were decided, cheapest first: "37 checks:
// 31 from the files' statistics, 1 from the values' dictionaries, 5 by
// reading every value". Tier names are map keys from the evidence: an unknown
// one passes show like any value.
func tierList(m map[string]int, show func(string) string) string {
	tiers := make([]string, 0, len(m))
	total := 0
	for t, n := range m {
		tiers = append(tiers, t)
		total += n
	}
	rank := func(t string) int {
		switch t {
		case "table-metadata":
			return -1
		case "metadata":
			return 0
		case "dictionary":
			return 1
		case "scan":
			return 2
		}
		return 3
	}
	sort.Slice(tiers, func(i, j int) bool {
		if rank(tiers[i]) != rank(tiers[j]) {
			return rank(tiers[i]) < rank(tiers[j])
		}
		return tiers[i] < tiers[j]
	})
	parts := make([]string, 0, len(tiers))
	for _, t := range tiers {
		how, ok := tierWords[t]
		if !ok {
			how = "by " + show(t)
		}
		parts = append(parts, numfmt.Count(int64(m[t]))+" "+how)
	}
	if len(parts) == 0 {
		return ""
	}
	return plural(total, "check", "checks") + " decided: " + strings.Join(parts, ", ")
}

// contractDiffMarkdown lists the changes between two contracts, breaking first.
func contractDiffMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.ContractDiffDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	changes := breakingFirst(d.Changes)
	fmt.Fprintf(b, "%s → %s: %s, %d breaking\n\n", Code(d.Old), Code(d.New),
		plural(len(changes), "change", "changes"), countBreaking(changes))
	if len(changes) > 0 {
		rows := make([][]string, 0, len(changes))
		for _, c := range changes {
			rows = append(rows, []string{breakingIcon(c.Breaking), Code(c.Path), Escape(c.Change), Escape(c.Message)})
		}
		mdTable(b, []string{"", "Path", "Change", "Message"}, rows)
	}
	return true
}

func contractDiffText(w *textOut, doc *evidence.Document) bool {
	var d evidence.ContractDiffDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	changes := breakingFirst(d.Changes)
	w.para("", fmt.Sprintf("%s → %s: %s, %d breaking", Plain(d.Old), Plain(d.New), plural(len(changes), "change", "changes"), countBreaking(changes)))
	if len(changes) > 0 {
		rows := make([][]string, 0, len(changes))
		for _, c := range changes {
			kind := "compatible"
			if c.Breaking {
				kind = "BREAKING"
			}
			rows = append(rows, []string{kind, Plain(c.Path), Plain(c.Change), Plain(c.Message)})
		}
		w.table([]string{"Kind", "Path", "Change", "Message"}, rows)
	}
	return true
}

// contractDiffRepresents: the changes table shows the check of each change.
func contractDiffRepresents(doc *evidence.Document, c evidence.Check) bool {
	var d evidence.ContractDiffDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	for _, ch := range d.Changes {
		if c.ID == "contract."+ch.Path {
			return true
		}
	}
	return false
}

func breakingFirst(changes []evidence.ContractChange) []evidence.ContractChange {
	out := append([]evidence.ContractChange(nil), changes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Breaking && !out[j].Breaking })
	return out
}

func countBreaking(changes []evidence.ContractChange) int {
	n := 0
	for _, c := range changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

func breakingIcon(breaking bool) string {
	if breaking {
		return "💥 breaking"
	}
	return "compatible"
}

// exampleValue shows a failing value as the data holds it: numbers decoded
// from JSON in full decimal, not in Go's exponent form.
func exampleValue(v any) string {
	if x, ok := v.(float64); ok && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// keyText writes a row's key as name=value pairs in name order.
func keyText(key map[string]any) string {
	names := make([]string, 0, len(key))
	for n := range key {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + exampleValue(key[n])
	}
	return strings.Join(parts, " ")
}
