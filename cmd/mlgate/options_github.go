package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/spf13/cobra"
)

// githubOptions is the option group of commands that talk to GitHub (report,
// drift alerts). Every value defaults to what the Actions runner provides, so a
// workflow step needs none of them.
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
	checkFlags(cmd, func() error {
		if f.Changed("pr-number") && o.Number <= 0 {
			return fmt.Errorf("--pr-number %d: want a pull request number, 1 or more", o.Number)
		}
		return nil
	})
	f.StringVar(&o.Author, "comment-author", "", "`LOGIN` whose comments are ours (default: the token's user, or github-actions[bot] for GITHUB_TOKEN)")
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
