package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/githubapi"
	"github.com/mlgate/mlgate/pkg/steps"
)

// githubOptions is the option group of commands that talk to GitHub (report,
// drift alerts). Every value defaults to what the Actions runner provides, so a
// workflow step needs none of them.
type githubOptions struct {
	// TokenEnv names the environment variable holding the token. The token
	// itself is never a flag: flags show up in process lists and shell history.
	TokenEnv string
	APIURL   string
	Repo     string
	Number   int
	Author   string
}

func (o *githubOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.TokenEnv, "token-env", "GITHUB_TOKEN", "read the GitHub token from environment variable `NAME`")
	f.StringVar(&o.APIURL, "api-url", "", "GitHub REST API `URL` (default $GITHUB_API_URL, else https://api.github.com; GHES: https://HOST/api/v3)")
	f.StringVar(&o.Repo, "repo", "", "repository `OWNER/NAME` (default $GITHUB_REPOSITORY)")
	f.IntVar(&o.Number, "pr-number", 0, "pull request `NUMBER` (default: from the event in $GITHUB_EVENT_PATH)")
	checkFlags(cmd, func() error {
		if f.Changed("pr-number") && o.Number <= 0 {
			return fmt.Errorf("--pr-number %d: want a pull request number, 1 or more", o.Number)
		}
		return nil
	})
	f.StringVar(&o.Author, "comment-author", "", "`LOGIN` whose comments are ours (default: the token's user, or github-actions[bot] for GITHUB_TOKEN)")
}

// target resolves the repository and pull request (see steps.ResolveTarget),
// naming the flags that would give what is missing.
func (o *githubOptions) target(e *env, needNumber bool) (*steps.Target, error) {
	t, err := steps.ResolveTarget(e.github(), o.Repo, o.Number, needNumber)
	switch {
	case errors.Is(err, steps.ErrNoRepository):
		return nil, fmt.Errorf("%w: pass --repo OWNER/NAME", err)
	case errors.Is(err, steps.ErrNoPullRequest):
		return nil, fmt.Errorf("%w: pass --pr-number", err)
	}
	return t, err
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

// client builds the GitHub client. In Actions the token is masked first, so
// no later log line can show it.
func (o *githubOptions) client(e *env) (*githubapi.Client, string, error) {
	tok, err := o.token(e)
	if err != nil {
		return nil, "", err
	}
	e.actions.Mask(tok)
	c, err := githubapi.New(githubapi.Options{Token: tok, APIURL: cmp.Or(o.APIURL, e.github().APIURL), Author: o.Author})
	return c, tok, err
}
