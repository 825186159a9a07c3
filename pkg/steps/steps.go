// Package steps runs mlgate's verbs as library calls: one function per
// command (Validate, ValidateMerge, Infer, Diff, Profile, Merge, Drift, Gate, PolicyEval,
// Sign, Verify, Attest, Report), each taking a request of plain values and
// returning a finished evidence document.
//
// A step reads no flags and no environment, prints nothing and decides no
// exit code: cmd/mlgate turns flags and GITHUB_* variables into a request,
// declares the outputs the step may write, calls the step and emits the
// document. A library caller does the same without the CLI:
//
//	doc, err := steps.Validate(ctx, steps.ValidateRequest{
//		Run:      steps.Run{Tool: evidence.Tool{Name: "my-pipeline"}, Now: time.Now},
//		Contract: "contract.yaml",
//		Data:     []string{"data/part-0.parquet"},
//	})
//
// An error means the step could not run (bad input, unreadable files); checks
// that fail are in the document, whose Status says how the step ended.
package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/progress"
)

// Run is what every request carries: who writes the evidence and the clock
// that stamps it.
type Run struct {
	Tool evidence.Tool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Remote reaches data in object stores (nil: local files only).
	Remote *Remote
	// Progress is told how far long work is (hashing, Parquet scans,
	// transfers); nil is silent. cmd/mlgate passes a bar or a log.
	Progress progress.Reporter
}

// context carries the run's progress reporter to the layers below a step.
func (r Run) context(ctx context.Context) context.Context {
	return progress.NewContext(ctx, r.Progress)
}

func (r Run) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// start begins a document of the run.
func (r Run) start(kind evidence.Kind, subject evidence.Subject, started time.Time) *evidence.Document {
	return evidence.New(kind, subject, r.Tool, started)
}

// finish stamps the duration (and a counting summary when the step left none).
func (r Run) finish(doc *evidence.Document) *evidence.Document {
	doc.Finish(r.now())
	return doc
}

// Sink receives a file a step produces besides its evidence (a bundle, a
// profile). cmd/mlgate passes a planned output's Write; nil writes a new
// file at the request's path, refusing to replace one.
type Sink func(data []byte) error

// sinkOr returns s, or a writer of a new file at path.
func sinkOr(s Sink, what, path string) Sink {
	if s != nil {
		return s
	}
	return func(data []byte) error {
		if path == outfile.Stdout {
			return fmt.Errorf("%s: a library step writes no standard output: give a Sink", what)
		}
		p := outfile.NewPlan(nil)
		o := p.Output(what, path)
		o.Protected = true
		if err := p.Check(); err != nil {
			return err
		}
		return o.Write(data)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// ShortDigest abbreviates a hex digest for messages.
func ShortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// SignerName says who signed in one phrase.
func SignerName(s evidence.Signer) string {
	if s.Identity != "" {
		return fmt.Sprintf("%s (issuer %s)", s.Identity, s.Issuer)
	}
	return "key " + s.Key
}

func severityOf(s evidence.Status) evidence.Severity {
	if s == evidence.StatusWarn {
		return evidence.SeverityWarn
	}
	return evidence.SeverityError
}
