package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/githubapi"
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

// githubTarget is where a command posts: the repository and, for pull
// requests, the number, with the event they came from.
type githubTarget struct {
	repo   githubapi.Repo
	number int
	event  *githubapi.Event
}

// target resolves the repository and pull request from the flags, then the
// event payload, then the runner's environment.
func (o *githubOptions) target(e *env, needNumber bool) (*githubTarget, error) {
	t := &githubTarget{number: o.Number}
	gh := e.github()
	ev, err := gh.Event()
	if err != nil {
		return nil, err
	}
	t.event = ev
	repo := cmp.Or(o.Repo, gh.Repository)
	if repo == "" && t.event != nil {
		repo = t.event.Repo
	}
	if repo == "" {
		return nil, errors.New("no repository: pass --repo OWNER/NAME (GITHUB_REPOSITORY is not set)")
	}
	r, err := githubapi.ParseRepo(repo)
	if err != nil {
		return nil, err
	}
	t.repo = r
	if t.number == 0 && t.event != nil {
		t.number = t.event.Number
	}
	if needNumber && t.number <= 0 {
		why := "pass --pr-number"
		if t.event != nil && t.event.Name == "workflow_run" {
			why = "this workflow_run names no pull request of this repository (GitHub gives none for forks): " +
				"pass --pr-number with the number the first stage saved"
		}
		return nil, fmt.Errorf("no pull request to comment on: %s", why)
	}
	return t, nil
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
