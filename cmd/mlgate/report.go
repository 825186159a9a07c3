package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/githubapi"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
)

// reportOptions are the flags of mlgate report.
type reportOptions struct {
	Out         string
	Format      string
	Title       string
	ID          string
	PR          bool
	Issue       bool
	Mode        string
	Label       string
	RequirePost bool
	GitHub      githubOptions
	trust       evidenceTrustOptions
}

func (o *reportOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Out, "report-out", "", "write the markdown report to `FILE` (- for standard output)")
	// report writes no evidence: --out was its markdown file before the
	// convention (--out is the evidence document).
	deprecatedAlias(cmd, "out", "report-out", &o.Out)
	f.StringVar(&o.Format, "format", "text", "how to print the report: text, json (the evidence documents and the overall status) or markdown")
	f.StringVar(&o.Title, "title", "", "report `TITLE` (default \"mlgate report\")")
	f.StringVar(&o.ID, "id", "mlgate", "report `ID`: one comment or issue per id, so several reports can share a pull request")
	f.BoolVar(&o.PR, "pr", false, "post the report as a sticky comment on the pull request")
	f.BoolVar(&o.Issue, "issue", false, "open, update or close one labelled issue for this report id (scheduled runs)")
	f.StringVar(&o.Mode, "mode", "update", "what happens to the previous comment: update, recreate or hide-previous")
	f.StringVar(&o.Label, "label", "mlgate", "`LABEL` of the issue --issue keeps")
	f.BoolVar(&o.RequirePost, "require-post", false, "exit 2 when the comment or issue cannot be posted (by default a read-only token only warns)")
	o.GitHub.AddFlags(cmd)
	o.trust.AddFlags(cmd)
	checkFlags(cmd, func() error {
		if strings.TrimSpace(o.ID) == "" {
			return errors.New("--id must not be empty")
		}
		if o.PR && o.Issue {
			return errors.New("--pr and --issue post to different places: choose one")
		}
		if _, err := githubapi.ParseMode(o.Mode); err != nil {
			return err
		}
		return checkFormat(o.Format)
	})
}

func newReportCmd(e *env) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [--report-out FILE] [--format text|json|markdown] [--pr | --issue] EVIDENCE...",
		Short: "Render evidence as one report: terminal, markdown file, job summary, pull-request comment, issue",
		Long: `Report reads evidence documents written by the other commands and renders one
comparison report: a verdict line, metrics with a chart of their changes, data
validation, contract changes, drift, policy results and signatures.

It prints the report, writes it as markdown with --report-out, appends it to the job
summary inside GitHub Actions, and with --pr keeps one comment per --id on the
pull request, updated in place. With --issue (scheduled runs) it keeps one open
issue per --id while the evidence is not passing, and closes it when it passes.

The GitHub token is read from $GITHUB_TOKEN (see --token-env), masked in the log
and never printed. A pull request from a fork gets a read-only token: the
comment is then skipped with a warning and the report stays in the job summary;
use the two-stage workflow_run pattern to comment on such pull requests.

Exit status: 0 when the evidence passes or warns, 1 when any of it failed,
2 when the report could not be made or (with --require-post) posted.`,
		Example: `  # Print the report for all evidence of a job
  mlgate report 'evidence/*.json'

  # Write it as markdown
  mlgate report --report-out report.md 'evidence/*.json'

  # In a pull_request workflow: one sticky comment, updated on every push
  mlgate report --pr --title "Model fraud-detector" 'evidence/*.json'

  # Separate comments for separate reports on one pull request
  mlgate report --pr --id drift evidence/drift.json

  # Post a fresh comment each run and hide the older ones as outdated
  mlgate report --pr --mode hide-previous 'evidence/*.json'

  # Second stage of the fork pattern (workflow_run): the number comes from the first stage
  mlgate report --pr --pr-number "$(cat pr-number)" 'evidence/*.json'

  # Nightly drift check: one labelled issue, opened on drift, closed when it clears
  mlgate report --issue --id nightly-drift --label drift evidence/drift.json

  # GitHub Enterprise Server
  mlgate report --pr --api-url https://github.example.com/api/v3 'evidence/*.json'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd, e, o, args)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runReport(cmd *cobra.Command, e *env, o *reportOptions, args []string) error {
	r := &steps.ReportRequest{Evidence: args, Options: report.Options{Title: o.Title, Footer: "mlgate " + toolVersion(), FullReportURL: e.github().RunURL()}}
	out := &fileOut{flag: "--report-out", Path: o.Out}
	if err := e.start(cmd, r, out); err != nil {
		return err
	}
	// Masked before anything read from evidence is printed: a
	// "stop-commands" smuggled past the escaping could not unmask it.
	token, tokenErr := o.GitHub.token(e)
	if o.PR || o.Issue {
		e.actions.Mask(token)
	}
	var err error
	if r.Verifier, err = o.trust.verifier(cmd.Context()); err != nil {
		return err
	}
	rep, err := steps.Report(cmd.Context(), *r)
	if err != nil {
		return err
	}
	if out.Set() {
		if err := out.Write([]byte(rep.Markdown(0, true))); err != nil {
			return err
		}
	}
	switch w := e.summaryWriter(e.cur); o.Format {
	case "markdown":
		fmt.Fprint(w, actions.SafeLog(rep.Markdown(0, true)))
	case "json":
		if err := writeJSON(w, rep.JSON()); err != nil {
			return err
		}
	default:
		e.printText(w, rep.Text)
	}
	// The job summary comes first: it is where the report is when posting
	// fails. Built under the summary's limit, it is cut at section boundaries.
	if e.actions.Enabled() {
		if err := e.actions.AddSummary(rep.Markdown(actions.MaxSummaryBytes-1, false)); err != nil {
			fmt.Fprintf(e.stderr, "mlgate: warning: %s\n", actions.SafeLog(err.Error()))
		}
	}
	outputs := map[string]string{"status": string(rep.Status), "report": o.Out}
	if o.PR || o.Issue {
		err, kind := tokenErr, "comment"
		var posted *steps.Posted
		if mode, _ := githubapi.ParseMode(o.Mode); err == nil {
			posted, err = rep.PostTo(cmd.Context(), steps.GitHubTarget{Token: token, APIURL: o.GitHub.APIURL, Author: o.GitHub.Author,
				Repo: o.GitHub.Repo, Number: o.GitHub.Number, GitHub: e.github()}, steps.PostRequest{ID: o.ID, Mode: mode, Issue: o.Issue, Label: o.Label, Title: o.Title})
		}
		if o.Issue {
			kind = "issue"
		}
		switch {
		case err == nil:
			outputs["url"] = posted.URL
			if posted.Action != "none" {
				fmt.Fprintf(e.stderr, "mlgate: %s %s %s\n", posted.Action, kind, actions.SafeLog(posted.URL))
			}
		case githubapi.IsForbidden(err) && !o.RequirePost:
			msg := "the token cannot write to this repository (a pull request from a fork gets a read-only token): " +
				"the report is in the job summary only. Post it from a workflow_run workflow; see the report action's README."
			fmt.Fprintf(e.stderr, "mlgate: warning: %s\n", msg)
			e.actions.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "mlgate report not posted", Message: msg})
		default:
			return &exitError{code: exitCantRun, err: err}
		}
	}
	if err := e.actions.SetOutputs(outputs); err != nil {
		fmt.Fprintf(e.stderr, "mlgate: warning: %s\n", actions.SafeLog(err.Error()))
	}
	if rep.Status.Failed() {
		return checksFailed()
	}
	return nil
}
