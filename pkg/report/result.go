package report

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// Result is a small result (a version, a digest, a rule's results, a
// contract written) in the three forms a command prints: text for people,
// markdown for a job summary or a comment, a value for JSON.
type Result struct {
	Text, Markdown string
	JSON           any
}

// Print writes r in format (text, json or markdown). Text lines pass
// actions.SafeLog and JSON actions.SafeJSON, so a step log runs no workflow
// command from them; the markdown is escaped where it was built.
func (r Result) Print(w io.Writer, format string) error {
	switch format {
	case "json":
		return WriteJSON(w, r.JSON)
	case "markdown":
		_, err := io.WriteString(w, r.Markdown+"\n")
		return err
	}
	for _, line := range strings.Split(r.Text, "\n") {
		if _, err := io.WriteString(w, actions.SafeLog(line)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints v as indented JSON; it keeps its value in a step log
// (actions.SafeJSON).
func WriteJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(actions.SafeJSON(buf.Bytes()))
	return err
}

// PrintText writes a text rendering: in colour only for a terminal, where
// there are no workflow commands to neutralise (the text's untrusted parts
// are already Plain); anything else (a log, a file, a pipe) gets SafeLog.
func PrintText(w io.Writer, render func(TextOptions) string, opts TextOptions) {
	if opts.Color {
		io.WriteString(w, render(opts))
		return
	}
	io.WriteString(w, actions.SafeLog(render(opts)))
}

// Print writes a document's summary in format: its JSON (data, the
// marshalled document, kept by SafeJSON), markdown, or text rendered with
// opts. The writer is a step log: text and markdown are neutralised for
// the runner.
func Print(w io.Writer, format string, doc *evidence.Document, data []byte, opts TextOptions) {
	switch format {
	case "json":
		w.Write(actions.SafeJSON(data))
	case "markdown":
		io.WriteString(w, actions.SafeLog(Markdown(doc)))
	default:
		PrintText(w, func(opts TextOptions) string { return TextWith(doc, opts) }, opts)
	}
}
