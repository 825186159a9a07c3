package githubapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
)

// webhookExamples returns the example payloads of one event from
// @octokit/webhooks-examples, each written to its own file.
func webhookExamples(t *testing.T, event string) []string {
	t.Helper()
	var paths []string
	for i, ex := range testenv.WebhookExamples(t, event) {
		p := filepath.Join(t.TempDir(), event+"-"+string(rune('a'+i))+".json")
		if err := os.WriteFile(p, ex, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestReadEventPullRequest(t *testing.T) {
	// The package has no pull_request_target examples: its payload is the
	// pull_request payload, so the same files stand for both.
	for _, name := range []string{"pull_request", "pull_request_target"} {
		for _, p := range webhookExamples(t, "pull_request") {
			ev, err := ReadEvent(name, p)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Repo != "Codertocat/Hello-World" || ev.Number != 2 || !ev.PullRequest || len(ev.HeadSHA) != 40 || ev.FromFork {
				t.Fatalf("%s %s: %+v", name, filepath.Base(p), ev)
			}
			// The payload's pull request, as the gate's policies see it.
			if pr := ev.PayloadPullRequest; pr == nil || pr.Number != 2 || pr.Labels == nil {
				t.Fatalf("%s %s: payload pull request %+v", name, filepath.Base(p), pr)
			}
		}
	}
}

func TestReadEventIssueComment(t *testing.T) {
	for _, p := range webhookExamples(t, "issue_comment") {
		ev, err := ReadEvent("issue_comment", p)
		if err != nil {
			t.Fatal(err)
		}
		// The examples comment on issue #1, which is not a pull request.
		if ev.Repo != "Codertocat/Hello-World" || ev.Number != 1 || ev.PullRequest {
			t.Fatalf("%s: %+v", filepath.Base(p), ev)
		}
	}
}

func TestReadEventWorkflowRun(t *testing.T) {
	paths := webhookExamples(t, "workflow_run")
	want := []struct {
		repo     string
		number   int
		fromFork bool
	}{
		// A run from another repository: no pull request is named, the
		// second stage must be told the number.
		{"Codertocat/Hello-World", 0, true},
		{"octo-org/octo-repo", 0, false},
		// Its pull request is proposed to another repository: not ours to comment on.
		{"octo-org/octo-repo", 0, false},
		{"octo-org/octo-repo", 0, false},
		{"octo-org/octo-repo", 0, false},
	}
	if len(paths) != len(want) {
		t.Fatalf("%d workflow_run examples, want %d", len(paths), len(want))
	}
	for i, p := range paths {
		ev, err := ReadEvent("workflow_run", p)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Repo != want[i].repo || ev.Number != want[i].number || ev.FromFork != want[i].fromFork || len(ev.HeadSHA) != 40 {
			t.Errorf("example %d: %+v, want %+v", i, ev, want[i])
		}
	}
}

func TestReadEventWorkflowRunNamesOwnPullRequest(t *testing.T) {
	payload := `{"repository":{"id":7,"full_name":"o/r"},"workflow_run":{"event":"pull_request","head_sha":"abc",
		"head_repository":{"id":7},"pull_requests":[{"number":12,"base":{"repo":{"id":99}}},{"number":34,"base":{"repo":{"id":7}}}]}}`
	p := filepath.Join(t.TempDir(), "e.json")
	os.WriteFile(p, []byte(payload), 0o644)
	ev, err := ReadEvent("workflow_run", p)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Number != 34 || !ev.PullRequest || ev.FromFork {
		t.Fatalf("%+v", ev)
	}
}

func TestReadEventErrorsNameTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(p, []byte("{not json"), 0o644)
	if _, err := ReadEvent("pull_request", p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
	if _, err := ReadEvent("pull_request", filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing payload should be an error")
	}
}

// TestCheckRunPullRequestListed: a number the workflow_run event lists with
// the run's head commit is accepted without asking GitHub; one listed at
// another commit, or a number outside workflow_run's check, is asked of
// GitHub (the stand-in here) and refused when its head differs.
func TestCheckRunPullRequestListed(t *testing.T) {
	payload := `{"repository":{"id":7,"full_name":"o/r"},"workflow_run":{"event":"pull_request","head_sha":"abc",
		"head_repository":{"id":7,"full_name":"o/r"},"pull_requests":[{"number":34,"head":{"sha":"abc"},"base":{"repo":{"id":7}}},
		{"number":35,"head":{"sha":"old"},"base":{"repo":{"id":7}}}]}}`
	p := filepath.Join(t.TempDir(), "e.json")
	os.WriteFile(p, []byte(payload), 0o644)
	ev, err := ReadEvent("workflow_run", p)
	if err != nil {
		t.Fatal(err)
	}
	f := githubfake.New(t)
	c, _ := client(t, f, "ghs-installation")
	if err := c.CheckRunPullRequest(ctx, ev, repo, 34); err != nil {
		t.Fatal(err)
	}
	f.AddPull(35, githubfake.Pull{HeadSHA: "new", HeadRepoID: 7, HeadRepoName: "o/r"})
	if err := c.CheckRunPullRequest(ctx, ev, repo, 35); err == nil || !strings.Contains(err.Error(), "is at commit new") {
		t.Fatalf("err = %v", err)
	}
	if err := c.CheckRunPullRequest(ctx, &Event{Name: "workflow_run"}, repo, 34); err == nil {
		t.Fatal("an event without a head commit was accepted")
	}
}

func TestRedactKeepsTheErrorMatchable(t *testing.T) {
	base := &forbiddenProbe{}
	err := Redact(base, "s3cret")
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "***") {
		t.Fatalf("redacted: %q", err)
	}
	var p *forbiddenProbe
	if !errors.As(err, &p) {
		t.Fatal("the original error is no longer reachable")
	}
	if Redact(nil, "s3cret") != nil {
		t.Fatal("nil became an error")
	}
}

type forbiddenProbe struct{}

func (*forbiddenProbe) Error() string { return "403 for token s3cret" }

// TestReadEventIsBounded: the event payload is read with GitHub's own 25 MB
// cap, so a payload path that never ends is an error, not memory exhaustion.
func TestReadEventIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	_, err := ReadEvent("pull_request", "/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "/dev/zero: larger than 25 MiB, not an event payload") {
		t.Fatalf("got %v", err)
	}
}
