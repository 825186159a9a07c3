package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Options shape a multi-document report.
type Options struct {
	// Title heads the report; "mlgate report" when empty. It is escaped.
	Title string
	// MaxBytes bounds the report in bytes (never fewer than characters, so
	// GitHub's character limits hold); 0 means no limit. Over it, whole sections
	// are left out (the first one cut at a line boundary if room allows) and a
	// note says where the full report is.
	MaxBytes int
	// FullReportURL is where the full report can be read when this one is cut
	// (the run's job summary). Only https URLs are linked.
	FullReportURL string
	// Footer is a line of our own under the report, e.g. the tool version.
	Footer string
}

// reportOrder ranks kinds for the report: what decides a promotion first,
// then the data, then signatures.
var reportOrder = []evidence.Kind{
	evidence.KindPromotionDecision,
	evidence.KindDataValidation, evidence.KindContractDiff, evidence.KindDriftReport,
	evidence.KindProfile, evidence.KindSignature, evidence.KindAttestation, evidence.KindVerification,
}

func orderOf(k evidence.Kind) int {
	for i, known := range reportOrder {
		if k == known {
			return i
		}
	}
	return len(reportOrder)
}

// Build renders many evidence documents as one pull-request report: a first
// line that says whether the change can merge (and the model be promoted) and
// names the checks that decided it, a line listing the sections, then one
// section per document (metrics, data validation, drift, policies,
// signatures), passing parts folded. The output depends only on the documents
// and the options.
func Build(docs []*evidence.Document, opts Options) string {
	sorted := inReportOrder(docs)
	head := fmt.Sprintf("## %s\n\n%s\n\n", Verdict(docs), overview(sorted, opts.Title))
	sections := make([]string, 0, len(sorted))
	for i, doc := range sorted {
		var b strings.Builder
		writeMarkdown(&b, doc, "###", sameTitleSuffix(sorted, i))
		sections = append(sections, b.String())
	}
	foot := ""
	if opts.Footer != "" {
		foot = "<sub>" + Escape(opts.Footer) + "</sub>\n"
	}
	return fit(head, sections, foot, opts)
}

// BuildText is Build for a terminal: the same verdict and the same sections
// in the same order, as text fitted to the terminal's width.
func BuildText(docs []*evidence.Document, title string, opts TextOptions) string {
	w := &textOut{Builder: &strings.Builder{}, opts: opts}
	worst := worstOf(docs)
	w.para(ansiBold+statusStyle(statusWord(worst)), statusWord(worst)+": "+verdictText(docs, Plain))
	if title == "" {
		title = "mlgate report"
	}
	w.para("", Plain(title))
	for _, doc := range inReportOrder(docs) {
		w.WriteString("\n")
		writeText(w, doc)
	}
	return w.String()
}

// inReportOrder sorts a copy of docs by reportOrder, stable within a kind.
func inReportOrder(docs []*evidence.Document) []*evidence.Document {
	sorted := append([]*evidence.Document(nil), docs...)
	sort.SliceStable(sorted, func(i, j int) bool { return orderOf(sorted[i].Kind) < orderOf(sorted[j].Kind) })
	return sorted
}

// sameTitleSuffix numbers the second and later sections whose title and
// subject repeat an earlier one's: " (2)".
func sameTitleSuffix(sorted []*evidence.Document, i int) string {
	n := 1
	for _, d := range sorted[:i] {
		if docTitle(d) == docTitle(sorted[i]) && d.Subject.Name == sorted[i].Subject.Name {
			n++
		}
	}
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (%d)", n)
}

// overview is the line under the verdict: the title, then each section's
// status and title, in the order they follow.
func overview(sorted []*evidence.Document, title string) string {
	if title == "" {
		title = "mlgate report"
	}
	parts := make([]string, 0, len(sorted))
	for _, d := range sorted {
		parts = append(parts, StatusIcon(d.Status)+" "+strings.ToLower(docTitle(d)))
	}
	if len(parts) == 0 {
		return "**" + Escape(title) + "**"
	}
	return "**" + Escape(title) + "**: " + strings.Join(parts, " · ")
}

func worstOf(docs []*evidence.Document) evidence.Status {
	if len(docs) == 0 {
		return evidence.StatusError
	}
	statuses := make([]evidence.Status, 0, len(docs))
	for _, d := range docs {
		statuses = append(statuses, d.Status)
	}
	return evidence.Worst(statuses...)
}

// maxNamed is how many checks the verdict names before "and N more".
const maxNamed = 4

// Verdict is the report's first line: an icon, whether the change can merge
// (and the model be promoted, when a promotion decision is among the
// documents), and the checks that decided it.
func Verdict(docs []*evidence.Document) string {
	return StatusIcon(worstOf(docs)) + " " + verdictText(docs, Code)
}

// verdictText is the verdict without its icon; show formats check names.
func verdictText(docs []*evidence.Document, show func(string) string) string {
	if len(docs) == 0 {
		return "No evidence: nothing was given to report on"
	}
	worst := worstOf(docs)
	what, promote := "merge", false
	for _, d := range docs {
		if d.Kind == evidence.KindPromotionDecision {
			what, promote = "merge and promote", true
		}
	}
	checks := 0
	for _, d := range docs {
		checks += len(d.Checks)
	}
	if worst == evidence.StatusPass {
		return fmt.Sprintf("Ready to %s: all %s passed", what, plural(checks, "check", "checks"))
	}
	named := decidingChecks(docs, worst, show)
	list := strings.Join(named[:min(len(named), maxNamed)], ", ")
	if len(named) > maxNamed {
		list += fmt.Sprintf(" and %d more", len(named)-maxNamed)
	}
	not := "Do not merge"
	if promote {
		not = "Do not merge or promote"
	}
	switch worst {
	case evidence.StatusWarn:
		return fmt.Sprintf("Can %s, with %s: %s", what, plural(len(named), "warning", "warnings"), list)
	case evidence.StatusFail:
		return fmt.Sprintf("%s: %s failed: %s", not, plural(len(named), "check", "checks"), list)
	}
	return fmt.Sprintf("%s: %s could not run: %s", not, plural(len(named), "check", "checks"), list)
}

// decidingChecks names, in report order, the checks whose status is the
// worst; a document with that status but no such check is named itself.
func decidingChecks(docs []*evidence.Document, worst evidence.Status, show func(string) string) []string {
	var named []string
	for _, d := range inReportOrder(docs) {
		if d.Status != worst {
			continue
		}
		before := len(named)
		for _, c := range d.Checks {
			if c.Status == worst {
				named = append(named, show(c.ID))
			}
		}
		if len(named) == before {
			named = append(named, strings.ToLower(docTitle(d))+" "+show(d.Subject.Name))
		}
	}
	return named
}
