package githubapi

import (
	"github.com/mlgate/mlgate/internal/githubfake"
	"strconv"
	"sync"
	"testing"
)

func TestStickyIssueOpensUpdatesAndCloses(t *testing.T) {
	f := githubfake.New(t)
	// A pull request with our marker and label is not the issue.
	f.Issues = append(f.Issues, &githubfake.Issue{Number: 1, Body: Marker("drift"), State: "open", Labels: []string{"mlgate"},
		User: githubfake.User{Login: ActionsBot}, PullRequest: true})
	c, _ := client(t, f, "ghs-installation")

	if res, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "Drift", "nothing", false); err != nil || res.Action != "none" {
		t.Fatalf("no problem, no issue: %+v %v", res, err)
	}
	opened, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "Drift in 3 columns", "body 1", true)
	if err != nil || opened.Action != "created" || opened.Number != 2 {
		t.Fatalf("open: %+v %v", opened, err)
	}
	is := f.Issues[1]
	if is.Labels[0] != "mlgate" || is.Body != Marker("drift")+"\nbody 1" {
		t.Fatalf("issue %+v", is)
	}
	updated, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "Drift in 4 columns", "body 2", true)
	if err != nil || updated.Action != "updated" || updated.Number != 2 || is.Title != "Drift in 4 columns" {
		t.Fatalf("update: %+v %v %+v", updated, err, is)
	}
	closed, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "No drift", "all clear", false)
	if err != nil || closed.Action != "closed" || is.State != "closed" || is.StateReason != "completed" {
		t.Fatalf("close: %+v %v %+v", closed, err, is)
	}
	// The next problem opens a new issue rather than reopening the closed one.
	again, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "Drift again", "body 3", true)
	if err != nil || again.Action != "created" || again.Number != 3 {
		t.Fatalf("reopen: %+v %v", again, err)
	}
}

func TestRacingIssueRunsLeaveOneOpen(t *testing.T) {
	f := githubfake.New(t)
	f.CreateBarrier = githubfake.NewBarrier(2)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, _ := client(t, f, "ghs-installation")
			if _, err := c.StickyIssue(ctx, repo, "drift", "mlgate", "Drift", "run "+strconv.Itoa(i), true); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	open := 0
	for _, is := range f.Issues {
		if is.State == "open" {
			open++
		}
	}
	if len(f.Issues) != 2 || open != 1 || f.Issues[0].State != "open" {
		t.Fatalf("%d issues, %d open; want the oldest kept open", len(f.Issues), open)
	}
}
