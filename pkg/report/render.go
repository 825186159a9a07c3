// Package report renders evidence for people: plain-text tables for terminals and
// logs, and markdown for job summaries and pull-request comments.
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

// Markdown renders one evidence document as a markdown section.
func Markdown(doc *evidence.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s %s: %s\n\n", StatusIcon(doc.Status), doc.Kind, Escape(doc.Subject.Name))
	fmt.Fprintf(&b, "**%s**: %s\n\n", strings.ToUpper(string(doc.Status)), Escape(doc.Summary))
	writeChecksMarkdown(&b, doc.Checks)
	return b.String()
}

// writeChecksMarkdown lists the checks that did not pass, then the passing ones
// folded away.
func writeChecksMarkdown(b *strings.Builder, checks []evidence.Check) {
	var bad, good []evidence.Check
	for _, c := range checks {
		if c.Status == evidence.StatusPass {
			good = append(good, c)
		} else {
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		checksTable(b, bad)
	}
	if len(good) > 0 {
		fmt.Fprintf(b, "<details><summary>%d passed checks</summary>\n\n", len(good))
		checksTable(b, good)
		b.WriteString("</details>\n\n")
	}
}

func checksTable(b *strings.Builder, checks []evidence.Check) {
	b.WriteString("| | Check | Result |\n|---|---|---|\n")
	for _, c := range checks {
		fmt.Fprintf(b, "| %s | %s | %s |\n", StatusIcon(c.Status), Code(c.ID), Escape(c.Message))
	}
	b.WriteString("\n")
}

// Text renders one evidence document for a terminal.
func Text(doc *evidence.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", strings.ToUpper(string(doc.Status)), doc.Kind, doc.Subject.Name)
	for _, c := range doc.Checks {
		if c.Status == evidence.StatusPass {
			continue
		}
		fmt.Fprintf(&b, "  %-5s %s: %s\n", c.Status, c.ID, c.Message)
		for _, ex := range c.Examples {
			fmt.Fprintf(&b, "        row %d: %v\n", ex.Row, ex.Value)
		}
	}
	fmt.Fprintf(&b, "%s\n", doc.Summary)
	return b.String()
}
