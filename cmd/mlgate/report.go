package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/githubapi"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
)

func newReportCmd(e *env) *cobra.Command {
	var (
		r          = steps.ReportRequest{Options: report.Options{Footer: "mlgate " + toolVersion(), FullReportURL: e.github().RunURL()}}
		post       = steps.PostRequest{}
		out        = fileOut{flag: "--report-out"}
		gh         = githubOptions{GitHubTarget: steps.GitHubTarget{GitHub: e.github()}}
		trust      = &trustOptions{prefix: "evidence-"}
		format     string
		pr, strict bool
		mode       string
	)
	cmd := &cobra.Command{
		Use:   "report [--report-out FILE] [--format text|json|markdown] [--pr | --issue] EVIDENCE...",
		Short: "Render evidence as one report: terminal, markdown file, job summary, pull-request comment, issue",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			r.Evidence, r.Options.Title = args, post.Title
			if err := e.start(cmd, &r, &out); err != nil {
				return err
			}
			d := steps.Delivery{Console: e.console(format), Out: out.Output, RequirePost: strict, Target: gh.GitHubTarget}
			// Masked before anything read from evidence is printed: a
			// "stop-commands" smuggled past the escaping could not unmask it.
			d.Target.Token, d.TokenErr = gh.token(e)
			if pr || post.Issue {
				e.actions.Mask(d.Target.Token)
				d.Post = &post
			}
			if r.Verifier, err = trust.verifier(cmd.Context()); err != nil {
				return err
			}
			rep, err := steps.Report(cmd.Context(), r)
			if err != nil {
				return err
			}
			if err := rep.Deliver(cmd.Context(), d); err != nil {
				return err
			}
			if rep.Status.Failed() { // an error in the evidence is a failed check here
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out.Path, "report-out", "", "write the markdown report to `FILE` (- for standard output)")
	// report writes no evidence: --out was its markdown file before the
	// convention (--out is the evidence document).
	deprecatedAlias(cmd, "out", "report-out", &out.Path)
	formatFlag(cmd, &format, "text", "report")
	f.Lookup("format").Usage = "how to print the report: text, json (the evidence documents and the overall status) or markdown"
	f.StringVar(&post.Title, "title", "", "report `TITLE` (default \"mlgate report\")")
	f.StringVar(&post.ID, "id", "mlgate", "report `ID`: one comment or issue per id, so several reports can share a pull request")
	f.BoolVar(&pr, "pr", false, "post the report as a sticky comment on the pull request")
	f.BoolVar(&post.Issue, "issue", false, "open, update or close one labelled issue for this report id (scheduled runs)")
	f.StringVar(&mode, "mode", "update", "what happens to the previous comment: update, recreate or hide-previous")
	f.StringVar(&post.Label, "label", "mlgate", "`LABEL` of the issue --issue keeps")
	f.BoolVar(&strict, "require-post", false, "exit 2 when the comment or issue cannot be posted (by default a read-only token only warns)")
	checkFlags(cmd, func() (err error) {
		if strings.TrimSpace(post.ID) == "" {
			return errors.New("--id must not be empty")
		}
		if pr && post.Issue {
			return errors.New("--pr and --issue post to different places: choose one")
		}
		post.Mode, err = githubapi.ParseMode(mode)
		return err
	})
	return withFlags(cmd, &gh, trust)
}

// githubOptions is the option group of commands that talk to GitHub, bound
// into the target. Every value defaults to what the Actions runner
// provides, so a workflow step needs none of them.
type githubOptions struct {
	// TokenEnv names the environment variable holding the token. The token
	// itself is never a flag: flags show up in process lists and shell history.
	TokenEnv string
	steps.GitHubTarget
}

func (o *githubOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.TokenEnv, "token-env", "GITHUB_TOKEN", "read the GitHub token from environment variable `NAME`")
	f.StringVar(&o.APIURL, "api-url", "", "GitHub REST API `URL` (default $GITHUB_API_URL, else https://api.github.com; GHES: https://HOST/api/v3)")
	f.StringVar(&o.Repo, "repo", "", "repository `OWNER/NAME` (default $GITHUB_REPOSITORY)")
	f.IntVar(&o.Number, "pr-number", 0, "pull request `NUMBER` (default: from the event in $GITHUB_EVENT_PATH)")
	f.StringVar(&o.Author, "comment-author", "", "`LOGIN` whose comments are ours (default: the token's user, or github-actions[bot] for GITHUB_TOKEN)")
	checkFlags(cmd, func() error {
		if f.Changed("pr-number") && o.Number <= 0 {
			return fmt.Errorf("--pr-number %d: want a pull request number, 1 or more", o.Number)
		}
		return nil
	})
}

// token reads the token from the named environment variable.
func (o *githubOptions) token(e *env) (string, error) {
	name := strings.TrimSpace(o.TokenEnv)
	if name == "" {
		return "", errors.New("--token-env is empty")
	}
	tok := strings.TrimSpace(e.getenv(name))
	if tok == "" {
		return "", fmt.Errorf("no GitHub token: set %s (in a workflow: env: %s: ${{ github.token }})", name, name)
	}
	return tok, nil
}
