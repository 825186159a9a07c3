package steps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/actions"
)

// A report's target: given values first, then the run's event, then its
// environment; what is missing is said, for a workflow_run with the reason.
func TestResolveTarget(t *testing.T) {
	dir := t.TempDir()
	pr := filepath.Join(dir, "pr.json")
	os.WriteFile(pr, []byte(`{"number": 7, "pull_request": {"number": 7}, "repository": {"full_name": "acme/ev"}}`), 0o644)
	run := filepath.Join(dir, "run.json")
	os.WriteFile(run, []byte(`{"workflow_run": {"pull_requests": []}, "repository": {"full_name": "acme/ev"}}`), 0o644)
	ctx := func(env map[string]string) *actions.Context {
		return actions.ContextFrom(func(k string) string { return env[k] })
	}
	got, err := ResolveTarget(ctx(map[string]string{"GITHUB_REPOSITORY": "acme/env", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": pr}), "", 0, true)
	if err != nil || got.Repo.String() != "acme/env" || got.Number != 7 {
		t.Fatalf("from the environment and the event: %+v %v", got, err)
	}
	got, err = ResolveTarget(ctx(map[string]string{"GITHUB_REPOSITORY": "acme/env", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": pr}), "acme/flag", 9, true)
	if err != nil || got.Repo.String() != "acme/flag" || got.Number != 9 {
		t.Fatalf("given values: %+v %v", got, err)
	}
	if _, err := ResolveTarget(ctx(nil), "", 0, false); !errors.Is(err, ErrNoRepository) {
		t.Fatalf("no repository: %v", err)
	}
	if _, err := ResolveTarget(ctx(map[string]string{"GITHUB_REPOSITORY": "acme/env"}), "", 0, true); !errors.Is(err, ErrNoPullRequest) {
		t.Fatalf("no pull request: %v", err)
	}
	_, err = ResolveTarget(ctx(map[string]string{"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": run}), "", 0, true)
	if !errors.Is(err, ErrNoPullRequest) || !strings.Contains(err.Error(), "workflow_run") {
		t.Fatalf("workflow_run without a pull request: %v", err)
	}
}
