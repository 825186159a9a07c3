package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/report"
)

// outputOptions is the option group every evidence-writing command shares.
type outputOptions struct {
	Out    string
	Format string
}

func (o *outputOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the evidence document (JSON) to `FILE`")
	cmd.Flags().StringVar(&o.Format, "format", "text", "how to print the summary: text, json or markdown")
}

func (o *outputOptions) validate() error {
	switch o.Format {
	case "text", "json", "markdown":
		return nil
	}
	return fmt.Errorf("--format %q: want text, json or markdown", o.Format)
}

// emit finishes a command: it writes the evidence to --out, prints the summary in
// --format, and inside GitHub Actions annotates failed checks, appends the job
// summary and sets the step outputs status, evidence and failures (plus extra).
// It returns the error that carries the exit code for the document's status.
func (e *env) emit(doc *evidence.Document, o outputOptions, extra map[string]string) error {
	doc.Finish(e.now())
	var writeErr error
	if o.Out != "" {
		writeErr = evidence.Write(o.Out, doc)
	}
	// stdout is the step log: JSON keeps its value, text and markdown are
	// neutralised for the runner.
	switch o.Format {
	case "json":
		data, err := evidence.Marshal(doc)
		if err != nil {
			return err
		}
		e.stdout.Write(actions.SafeJSON(data))
	case "markdown":
		fmt.Fprint(e.stdout, actions.SafeLog(report.Markdown(doc)))
	default:
		fmt.Fprint(e.stdout, actions.SafeLog(report.Text(doc)))
	}
	if writeErr != nil {
		// The evidence file is missing: the step outputs still say so.
		doc.Status, o.Out = evidence.StatusError, ""
	}
	if err := e.publish(doc, o.Out, extra); err != nil {
		fmt.Fprintf(e.stderr, "mlgate: warning: %s\n", actions.SafeLog(err.Error()))
	}
	if writeErr != nil {
		return writeErr
	}
	switch {
	case doc.Status == evidence.StatusError:
		return &exitError{code: exitCantRun}
	case doc.Status.Failed():
		return checksFailed()
	}
	return nil
}

// publish is emit's GitHub Actions part.
func (e *env) publish(doc *evidence.Document, evidencePath string, extra map[string]string) error {
	rt := e.actions
	if !rt.Enabled() {
		return nil
	}
	failures := 0
	for _, c := range doc.Checks {
		if c.Status == evidence.StatusPass {
			continue
		}
		level := actions.LevelWarning
		if c.Status.Failed() {
			level = actions.LevelError
			failures++
		}
		a := actions.Annotation{Level: level, Title: c.ID, Message: c.Message}
		switch {
		case c.Source != nil:
			a.File, a.Line, a.Column = c.Source.File, c.Source.Line, c.Source.Column
		case c.Location != nil:
			a.File = c.Location.File
		}
		rt.Annotate(a)
	}
	outputs := map[string]string{
		"status":   string(doc.Status),
		"evidence": evidencePath,
		"failures": strconv.Itoa(failures),
	}
	for k, v := range extra {
		outputs[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(outputs)) {
		if err := rt.SetOutput(k, outputs[k]); err != nil {
			return err
		}
	}
	return rt.AddSummary(report.Markdown(doc))
}
