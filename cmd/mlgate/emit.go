package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// evidenceOutput is the group of a command's evidence output: outputOptions,
// or one that embeds them with flags of its own.
type evidenceOutput interface {
	options
	output() *outputOptions
}

func (o *outputOptions) output() *outputOptions { return o }

// evidenceCmd is the one runner of the commands whose step writes evidence:
// with the groups' flags and out's, cmd completes r from its arguments (bind),
// plans the run, runs the step and emits the document.
func evidenceCmd[R any, P interface {
	*R
	steps.Planner
}](e *env, cmd *cobra.Command, r P, step func(context.Context, R) (*evidence.Document, error), bind func(args []string) error,
	out evidenceOutput, groups ...options) *cobra.Command {
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := bind(args); err != nil {
			return err
		}
		if err := e.start(c, r, out.output()); err != nil {
			return err
		}
		doc, err := step(c.Context(), *r)
		if err != nil {
			return err
		}
		return e.emit(doc, out.output())
	}
	return withFlags(cmd, append(groups, out)...)
}

// start plans a run (see pkg/outfile) before any work: the files of the
// request and of the command's option groups, each named by its flag, and
// the runner's own files, which no output may be. Inside Actions an output
// on stdout (-) is in the step log, so it passes actions.SafeOutput.
func (e *env) start(c *cobra.Command, planners ...steps.Planner) error {
	stdout := e.stdout
	if e.actions.Enabled() {
		stdout = actions.SafeOutputWriter{W: e.stdout}
	}
	p := outfile.NewPlan(stdout)
	p.Name = flagNames(c)
	for _, k := range actions.RunnerFiles {
		p.Reserve(k, e.getenv(k))
	}
	e.cur = p
	for _, pl := range planners {
		if err := pl.Plan(c.Context(), p); err != nil {
			return err
		}
	}
	return p.Check()
}

// planAnnotation marks the flag that gives a file a request names otherwise.
const planAnnotation = "mlgate-plan"

// names says that the flag gives what the requests call concepts.
func names(c *cobra.Command, flag string, concepts ...string) {
	_ = c.Flags().SetAnnotation(flag, planAnnotation, concepts)
}

// flagNames names a file of the plan by the flag that gives it: the flag
// called so (spaces as dashes), or the one annotated with it (see names).
func flagNames(c *cobra.Command) func(string) string {
	return func(what string) string {
		if f := c.Flags().Lookup(strings.ReplaceAll(what, " ", "-")); f != nil {
			what = "--" + f.Name
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if slices.Contains(f.Annotations[planAnnotation], what) {
				what = "--" + f.Name
			}
		})
		return what
	}
}

// fileOut is a file written besides the evidence (a contract, a report),
// named by its flag; Protected keeps an existing file unless Overwrite.
type fileOut struct {
	flag, Path           string
	Protected, Overwrite bool
	*outfile.Output
}

func (o *fileOut) Plan(_ context.Context, p *outfile.Plan) error {
	o.Output = p.Output(o.flag, o.Path)
	o.Output.Protected, o.Output.Overwrite = o.Protected, o.Overwrite
	return nil
}

// Plan declares the evidence output on the run's plan.
func (o *outputOptions) Plan(_ context.Context, p *outfile.Plan) error {
	o.file = p.Output("--out", o.Out)
	return nil
}

// emit finishes a command (see steps.Emit): the evidence, its signature, the
// summary and the Actions outputs; the error returned carries the exit code.
func (e *env) emit(doc *evidence.Document, o *outputOptions) error {
	if o.Out != "" && o.file == nil {
		return fmt.Errorf("internal error: %s was not declared on the output plan", o.Out)
	}
	err := steps.Emit{Console: e.console(o.Format), Out: o.file,
		Sign: func(path string) error { return o.sign.signDocument(e, path, signing.EvidenceSubjects) }}.Emit(doc, e.now())
	if err != nil {
		return err
	}
	return statusExit(doc.Status)
}

// summaryWriter is where the human summary goes: standard error when an
// output of the run (plan p) took standard output.
func (e *env) summaryWriter(p *outfile.Plan) io.Writer {
	if p != nil && p.UsesStdout() {
		return e.stderr
	}
	return e.stdout
}

// console is where a run's summary goes in format, with GitHub Actions and
// warnings; text fits the terminal (COLUMNS), in colour only there.
func (e *env) console(format string) steps.Console {
	w := e.summaryWriter(e.cur)
	f, _ := e.stdout.(*os.File)
	text := report.TerminalOptions(f, e.getenv)
	if w != e.stdout {
		text.Color = false
	}
	return steps.Console{Summary: w, Format: format, Text: text, Actions: e.actions, Warn: e.stderr}
}
