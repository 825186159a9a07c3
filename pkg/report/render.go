// Package report renders evidence for people: plain-text tables for terminals and
// logs, and markdown for job summaries and pull-request comments.
//
// Markdown and Text render one document, whatever its kind, from the typed
// details in pkg/evidence; Build and BuildText put many documents into one
// report, in the same order, under a first line that says whether the change
// can merge. Every string that came from a user's data, contract, metrics file
// or policy goes through Escape, Code or Plain; numbers go through pkg/numfmt.
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

// docTitle names a document's section: a verification says what it verified
// (the model's signature or the attestation of its promotion), so that two
// verifications of one model are told apart.
func docTitle(doc *evidence.Document) string {
	if doc.Kind == evidence.KindVerification {
		var d evidence.SignatureDetails
		if doc.DetailsAs(&d) == nil && d.PredicateType != "" {
			return "Attestation verification"
		}
		return "Signature verification"
	}
	return kindTitle(doc.Kind)
}

// kindRenderer renders what is specific to one kind. Each function returns
// false when the document lacks the details it needs, and the generic checks
// table is used instead. represents says which checks the kind's own tables
// already show; the others are folded below them (nil: all are shown).
type kindRenderer struct {
	markdown   func(b *strings.Builder, doc *evidence.Document) bool
	text       func(w *textOut, doc *evidence.Document) bool
	represents func(doc *evidence.Document, c evidence.Check) bool
}

func everyCheck(*evidence.Document, evidence.Check) bool { return true }

func rendererFor(k evidence.Kind) kindRenderer {
	switch k {
	case evidence.KindDataValidation:
		return kindRenderer{markdown: validationMarkdown, text: validationText, represents: everyCheck}
	case evidence.KindContractDiff:
		return kindRenderer{markdown: contractDiffMarkdown, text: contractDiffText, represents: contractDiffRepresents}
	case evidence.KindDriftReport:
		return kindRenderer{markdown: driftMarkdown, text: driftText}
	case evidence.KindPromotionDecision:
		return kindRenderer{markdown: promotionMarkdown, text: promotionText, represents: promotionRepresents}
	case evidence.KindSignature, evidence.KindVerification, evidence.KindAttestation:
		return kindRenderer{markdown: signatureMarkdown, text: signatureText}
	}
	none := func(*strings.Builder, *evidence.Document) bool { return false }
	noText := func(*textOut, *evidence.Document) bool { return false }
	return kindRenderer{markdown: none, text: noText}
}

// Markdown renders one evidence document as a markdown section: a heading with
// its status, the summary, then what matters for its kind.
func Markdown(doc *evidence.Document) string {
	var b strings.Builder
	writeMarkdown(&b, doc, "###", "")
	return b.String()
}

// writeMarkdown writes a document's section; suffix tells apart two sections
// that would otherwise have the same title. A passing document is folded
// under its summary: the reviewer opens it only to look.
func writeMarkdown(b *strings.Builder, doc *evidence.Document, heading, suffix string) {
	fmt.Fprintf(b, "%s %s %s: %s%s\n\n", heading, StatusIcon(doc.Status), docTitle(doc), Code(doc.Subject.Name), suffix)
	fmt.Fprintf(b, "%s\n\n", Escape(doc.Summary))
	body := func(b *strings.Builder) {
		r := rendererFor(doc.Kind)
		switch {
		case !r.markdown(b, doc):
			checksMarkdown(b, doc.Checks)
		default:
			foldedChecks(b, doc, r.represents)
		}
	}
	if doc.Status == evidence.StatusPass {
		details(b, "Details", body)
		return
	}
	body(b)
}

// Text renders one evidence document for a terminal 100 columns wide, without colour.
func Text(doc *evidence.Document) string { return TextWith(doc, TextOptions{}) }

// TextWith renders one evidence document for a terminal.
func TextWith(doc *evidence.Document, opts TextOptions) string {
	w := &textOut{Builder: &strings.Builder{}, opts: opts}
	writeText(w, doc)
	return w.String()
}

func writeText(w *textOut, doc *evidence.Document) {
	w.para(statusStyle(statusWord(doc.Status)), statusWord(doc.Status)+" "+docTitle(doc)+": "+Plain(doc.Subject.Name))
	w.para("", Plain(doc.Summary))
	if !rendererFor(doc.Kind).text(w, doc) {
		checksText(w, doc.Checks)
	}
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

// foldedChecks lists, in a collapsed block under the kind's own tables, the
// checks those tables do not already show, so that nothing a producer
// recorded is hidden from the reviewer and nothing is said twice.
func foldedChecks(b *strings.Builder, doc *evidence.Document, represents func(*evidence.Document, evidence.Check) bool) {
	var rest []evidence.Check
	for _, c := range doc.Checks {
		if represents == nil || !represents(doc, c) {
			rest = append(rest, c)
		}
	}
	if len(rest) == 0 {
		return
	}
	bad, good := splitChecks(rest)
	summary := plural(len(good), "check", "checks") + " passed"
	switch {
	case len(bad) > 0:
		summary = fmt.Sprintf("Checks: %d not passed, %d passed", len(bad), len(good))
	case len(good) == 1:
		summary = "1 check passed"
	}
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

// messageCell is a check's message, with its remediation when it did not
// pass: advice on a passing check is noise.
func messageCell(c evidence.Check) string {
	msg := Escape(c.Message)
	if c.Remediation != "" && c.Status != evidence.StatusPass {
		msg += "<br>**Fix**: " + Escape(c.Remediation)
	}
	return msg
}

func checksText(w *textOut, checks []evidence.Check) {
	bad, _ := splitChecks(checks)
	if len(bad) == 0 {
		return
	}
	rows := make([][]string, 0, len(bad))
	for _, c := range bad {
		msg := Plain(c.Message)
		if c.Remediation != "" {
			msg += " Fix: " + Plain(c.Remediation)
		}
		rows = append(rows, []string{statusWord(c.Status), Plain(c.ID), msg})
	}
	w.table([]string{"Status", "Check", "Result"}, rows)
}
