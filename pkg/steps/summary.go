package steps

import (
	"fmt"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/report"
)

// The summaries of the steps that write no evidence: what a command prints
// after it, in each format (report.Result).

// Inferred is the summary of an inferred contract written to where
// (a file, or "standard output") in format.
func Inferred(where, format string, c *contract.Contract) report.Result {
	return report.Result{
		Text:     fmt.Sprintf("wrote %s: %d columns", where, len(c.Columns)),
		Markdown: fmt.Sprintf("Wrote %s: %d columns", report.Code(where), len(c.Columns)),
		JSON:     map[string]any{"contract": where, "format": format, "columns": len(c.Columns)},
	}
}

// Converted is the summary of a converted contract: each rule the target
// format could not say.
func Converted(where, format string, lost []string) report.Result {
	r := report.Result{JSON: map[string]any{"contract": where, "format": format, "lost": append([]string{}, lost...)}}
	for i, l := range lost {
		if i > 0 {
			r.Text, r.Markdown = r.Text+"\n", r.Markdown+"\n"
		}
		r.Text += "not carried over: " + l
		r.Markdown += "- not carried over: " + report.Escape(l)
	}
	return r
}

// Pushed is the summary of a push of the model folder: a log line with the
// transfer's size and rate, and the result, the pushed reference.
func (t *Transferred) Pushed(model string) (string, report.Result) {
	line := fmt.Sprintf("pushed %d files (%s, %s sent, %.1f MiB/s) of %s", t.Files, numfmt.Bytes(t.Bytes), numfmt.Bytes(t.Sent),
		float64(t.Sent)/(1<<20)/max(t.Elapsed.Seconds(), 1e-9), model)
	return line, report.Result{Text: t.Ref, Markdown: "Pushed " + report.Code(t.Ref),
		JSON: map[string]any{"ref": t.Ref, "files": t.Files, "bytes": t.Bytes, "sent": t.Sent}}
}

// Pulled is the summary of a pull into dir.
func (t *Transferred) Pulled(dir string) report.Result {
	return report.Result{Text: fmt.Sprintf("pulled %d files (%s received) of %s into %s", t.Files, numfmt.Bytes(t.Received), t.Ref, dir),
		Markdown: "Pulled " + report.Code(t.Ref) + " into " + report.Code(dir),
		JSON:     map[string]any{"ref": t.Ref, "dir": dir, "files": t.Files, "bytes": t.Received}}
}

// Result is the evaluation in the three forms: its text, its markdown, and
// itself as JSON.
func (p *PolicyEvaluation) Result() report.Result {
	return report.Result{Text: p.Text(), Markdown: p.Markdown(), JSON: p}
}
