package actions

import (
	"maps"
	"slices"
	"strconv"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Publish is how a step's evidence shows in GitHub Actions: an annotation
// per check that did not pass (at its source line or file), the step outputs
// status, evidence (the evidence file, "" when none) and failures plus extra,
// and summary (markdown) appended to the job summary. Outside Actions it
// does nothing.
func (r *Runtime) Publish(doc *evidence.Document, evidencePath, summary string, extra map[string]string) error {
	if !r.Enabled() {
		return nil
	}
	failures := 0
	for _, c := range doc.Checks {
		if c.Status == evidence.StatusPass {
			continue
		}
		level := LevelWarning
		if c.Status.Failed() {
			level = LevelError
			failures++
		}
		a := Annotation{Level: level, Title: c.ID, Message: c.Message}
		switch {
		case c.Source != nil:
			a.File, a.Line, a.Column = c.Source.File, c.Source.Line, c.Source.Column
		case c.Location != nil:
			a.File = c.Location.File
		}
		r.Annotate(a)
	}
	outputs := map[string]string{
		"status":   string(doc.Status),
		"evidence": evidencePath,
		"failures": strconv.Itoa(failures),
	}
	maps.Copy(outputs, extra)
	if err := r.SetOutputs(outputs); err != nil {
		return err
	}
	return r.AddSummary(summary)
}

// SetOutputs sets step outputs in name order, stopping at the first error.
func (r *Runtime) SetOutputs(outputs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(outputs)) {
		if err := r.SetOutput(k, outputs[k]); err != nil {
			return err
		}
	}
	return nil
}
