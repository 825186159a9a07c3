// Package report renders evidence for people: plain-text tables for terminals and
// logs, and markdown for job summaries and pull-request comments.
//
// Markdown and Text render one document, whatever its kind, from the typed
// details in pkg/evidence; Build puts many documents into one pull-request
// report under GitHub's size limit. Every string that came from a user's data,
// contract, metrics file or policy goes through Escape, Code or Plain.
package report

import (
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// StatusIcon is the emoji a reviewer scans for.
func StatusIcon(s evidence.Status) string {
	switch s {
	case evidence.StatusPass:
		return "✅"
	case evidence.StatusWarn:
		return "⚠️"
	case evidence.StatusFail:
		return "❌"
	}
	return "🛑"
}

// kindTitle names a kind for people.
func kindTitle(k evidence.Kind) string {
	switch k {
	case evidence.KindDataValidation:
		return "Data validation"
	case evidence.KindContractDiff:
		return "Contract changes"
	case evidence.KindProfile:
		return "Profile"
	case evidence.KindDriftReport:
		return "Drift"
	case evidence.KindPromotionDecision:
		return "Promotion decision"
	case evidence.KindSignature:
		return "Signature"
	case evidence.KindVerification:
		return "Verification"
	case evidence.KindAttestation:
		return "Attestation"
	}
	return Plain(string(k))
}

// kindRenderer renders what is specific to one kind. Each function returns
// false when the document lacks the details it needs, and the generic checks
// table is used instead. Kinds whose body is their checks (ownsChecks) list
// them themselves; the others get every check folded below their tables.
type kindRenderer struct {
	markdown   func(b *strings.Builder, doc *evidence.Document) bool
	text       func(b *strings.Builder, doc *evidence.Document) bool
	ownsChecks bool
}

func rendererFor(k evidence.Kind) kindRenderer {
	switch k {
	case evidence.KindDataValidation:
		return kindRenderer{validationMarkdown, validationText, true}
	case evidence.KindContractDiff:
		return kindRenderer{markdown: contractDiffMarkdown, text: contractDiffText}
	case evidence.KindDriftReport:
		return kindRenderer{markdown: driftMarkdown, text: driftText}
	case evidence.KindPromotionDecision:
		return kindRenderer{markdown: promotionMarkdown, text: promotionText}
	case evidence.KindSignature, evidence.KindVerification, evidence.KindAttestation:
		return kindRenderer{markdown: signatureMarkdown, text: signatureText}
	}
	none := func(*strings.Builder, *evidence.Document) bool { return false }
	return kindRenderer{markdown: none, text: none}
}

// Markdown renders one evidence document as a markdown section: a heading with
// its status, the summary, then what matters for its kind.
func Markdown(doc *evidence.Document) string {
	var b strings.Builder
	writeMarkdown(&b, doc, "###")
	return b.String()
}

func writeMarkdown(b *strings.Builder, doc *evidence.Document, heading string) {
	fmt.Fprintf(b, "%s %s %s: %s\n\n", heading, StatusIcon(doc.Status), kindTitle(doc.Kind), Code(doc.Subject.Name))
	fmt.Fprintf(b, "**%s**: %s\n\n", statusWord(doc.Status), Escape(doc.Summary))
	r := rendererFor(doc.Kind)
	switch {
	case !r.markdown(b, doc):
		checksMarkdown(b, doc.Checks)
	case !r.ownsChecks:
		foldedChecks(b, doc.Checks)
	}
}

// Text renders one evidence document for a terminal.
func Text(doc *evidence.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", statusWord(doc.Status), kindTitle(doc.Kind), Plain(doc.Subject.Name))
	if !rendererFor(doc.Kind).text(&b, doc) {
		checksText(&b, doc.Checks)
	}
	fmt.Fprintf(&b, "%s\n", Plain(doc.Summary))
	return b.String()
}

// checksMarkdown lists the checks that did not pass, then the passing ones
// folded away.
func checksMarkdown(b *strings.Builder, checks []evidence.Check) {
	bad, good := splitChecks(checks)
	if len(bad) > 0 {
		checksTable(b, bad)
	}
	if len(good) > 0 {
		details(b, plural(len(good), "passed check", "passed checks"), func(b *strings.Builder) {
			checksTable(b, good)
		})
	}
}

// foldedChecks lists every check in a collapsed block, under the kind's own
// tables, so that nothing a producer recorded is hidden from the reviewer.
func foldedChecks(b *strings.Builder, checks []evidence.Check) {
	if len(checks) == 0 {
		return
	}
	bad, good := splitChecks(checks)
	summary := fmt.Sprintf("Checks: %d not passed, %d passed", len(bad), len(good))
	details(b, summary, func(b *strings.Builder) {
		checksTable(b, append(bad, good...))
	})
}

func splitChecks(checks []evidence.Check) (bad, good []evidence.Check) {
	for _, c := range checks {
		if c.Status == evidence.StatusPass {
			good = append(good, c)
		} else {
			bad = append(bad, c)
		}
	}
	return bad, good
}

func checksTable(b *strings.Builder, checks []evidence.Check) {
	rows := make([][]string, 0, len(checks))
	for _, c := range checks {
		rows = append(rows, []string{StatusIcon(c.Status), Code(c.ID), messageCell(c)})
	}
	mdTable(b, []string{"", "Check", "Result"}, rows)
}

// messageCell is a check's message with its remediation, for a table cell.
func messageCell(c evidence.Check) string {
	msg := Escape(c.Message)
	if c.Remediation != "" {
		msg += "<br>**Fix**: " + Escape(c.Remediation)
	}
	return msg
}

func checksText(b *strings.Builder, checks []evidence.Check) {
	bad, _ := splitChecks(checks)
	if len(bad) == 0 {
		return
	}
	rows := make([][]string, 0, len(bad))
	for _, c := range bad {
		rows = append(rows, []string{statusWord(c.Status), Plain(c.ID), Plain(c.Message)})
	}
	textTable(b, []string{"Status", "Check", "Result"}, rows)
}
