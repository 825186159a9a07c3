package steps

import (
	"fmt"
	"io"
	"time"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/report"
)

// Emit is how a command finishes a step's document, the one path every
// evidence-writing command takes: the evidence file, its signature, the
// summary, and the GitHub Actions outputs. It decides no exit code.
type Emit struct {
	Console
	// Out is the planned evidence output (nil: none).
	Out *outfile.Output
	// Sign signs the evidence file once written (nil: it stays unsigned).
	Sign func(path string) error
}

// Console is where a command speaks: its summary, GitHub Actions, warnings.
type Console struct {
	// Summary receives the summary in Format (text, json or markdown),
	// text rendered with Text.
	Summary io.Writer
	Format  string
	Text    report.TextOptions
	// Actions receives annotations, the job summary and the step outputs
	// (actions.New: outside GitHub Actions it does nothing); what fails
	// there is a warning on Warn.
	Actions *actions.Runtime
	Warn    io.Writer
}

// warn says on Warn what did not work but does not stop the run.
func (c Console) warn(err error) {
	if err != nil {
		fmt.Fprintf(c.Warn, "mlgate: warning: %s\n", actions.SafeLog(err.Error()))
	}
}

// Emit stamps doc as finished at now and emits it: inside GitHub Actions
// it annotates failed checks, appends the job summary and sets the step
// outputs status, evidence and failures and the document's own (Outputs).
// An error means the evidence could not be written or signed: the step
// outputs then say status error and name no evidence file.
func (m Emit) Emit(doc *evidence.Document, now time.Time) error {
	doc.Finish(now)
	data, err := evidence.Marshal(doc)
	if err != nil {
		return err
	}
	var evidencePath string
	var writeErr error
	if m.Out.Set() {
		if writeErr = m.Out.Write(data); writeErr == nil && !m.Out.IsStdout() {
			evidencePath = m.Out.Path
			if m.Sign != nil {
				writeErr = m.Sign(evidencePath)
			}
		}
	}
	report.Print(m.Summary, m.Format, doc, data, m.Text)
	if writeErr != nil {
		doc.Status, evidencePath = evidence.StatusError, ""
	}
	if m.Actions.Enabled() {
		m.warn(m.Actions.Publish(doc, evidencePath, report.Markdown(doc), Outputs(doc)))
	}
	return writeErr
}
