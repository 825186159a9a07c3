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

// Build renders many evidence documents as one pull-request report: a
// one-line verdict, then one section per document (metrics, data validation,
// drift, policies, signatures), long parts folded. The output depends only on
// the documents and the options.
func Build(docs []*evidence.Document, opts Options) string {
	sorted := inReportOrder(docs)

	title := opts.Title
	if title == "" {
		title = "mlgate report"
	}
	head := fmt.Sprintf("## %s\n\n%s\n\n", Escape(title), Verdict(docs))
	sections := make([]string, 0, len(sorted))
	for _, doc := range sorted {
		var b strings.Builder
		writeMarkdown(&b, doc, "###")
		sections = append(sections, b.String())
	}
	foot := ""
	if opts.Footer != "" {
		foot = "<sub>" + Escape(opts.Footer) + "</sub>\n"
	}
	return fit(head, sections, foot, opts)
}

// inReportOrder sorts a copy of docs by reportOrder, stable within a kind.
func inReportOrder(docs []*evidence.Document) []*evidence.Document {
	sorted := append([]*evidence.Document(nil), docs...)
	sort.SliceStable(sorted, func(i, j int) bool { return orderOf(sorted[i].Kind) < orderOf(sorted[j].Kind) })
	return sorted
}

// Verdict is the report's first line: the overall status with an emoji and
// the reason, naming the documents that decided it.
func Verdict(docs []*evidence.Document) string {
	if len(docs) == 0 {
		return "🛑 **No evidence**: nothing was given to report on."
	}
	statuses := make([]evidence.Status, 0, len(docs))
	for _, d := range docs {
		statuses = append(statuses, d.Status)
	}
	worst := evidence.Worst(statuses...)
	if worst == evidence.StatusPass {
		return fmt.Sprintf("✅ **Pass**: all %s passed.", plural(len(docs), "evidence document", "evidence documents"))
	}
	var deciding []string
	for _, d := range inReportOrder(docs) {
		if d.Status == worst {
			deciding = append(deciding, fmt.Sprintf("%s %s (%s)", kindTitle(d.Kind), Code(d.Subject.Name), Escape(d.Summary)))
		}
	}
	const maxNamed = 3
	more := ""
	if len(deciding) > maxNamed {
		more = fmt.Sprintf(" and %d more", len(deciding)-maxNamed)
		deciding = deciding[:maxNamed]
	}
	word := map[evidence.Status]string{
		evidence.StatusWarn: "Warn", evidence.StatusFail: "Fail", evidence.StatusError: "Error",
	}[worst]
	if word == "" {
		word = "Error"
	}
	return fmt.Sprintf("%s **%s**: %s%s.", StatusIcon(worst), word, strings.Join(deciding, "; "), more)
}
