package githubapi

import (
	"context"
	"fmt"
	"sort"

	"github.com/google/go-github/v62/github"
)

// IssueResult says what StickyIssue did.
type IssueResult struct {
	Number int
	URL    string
	// Action is "created", "updated", "closed" or "none" (nothing open and
	// nothing to report).
	Action string
}

// StickyIssue keeps one open issue, labelled label, per report id, for
// scheduled runs with no pull request: when problem is true it opens the issue
// or updates the open one; when false it closes the open one with the latest
// body, or does nothing. Racing runs that both open one close the newer as a duplicate.
func (c *Client) StickyIssue(ctx context.Context, repo Repo, id, label, title, body string, problem bool) (*IssueResult, error) {
	full, err := withMarker(id, body)
	if err != nil {
		return nil, err
	}
	open, err := c.ourIssues(ctx, repo, id, label)
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		req := &github.IssueRequest{Title: &title, Body: &full}
		action := "updated"
		if !problem {
			req.State, req.StateReason = github.String("closed"), github.String("completed")
			action = "closed"
		}
		keep := open[0]
		edited, _, err := c.gh.Issues.Edit(ctx, repo.Owner, repo.Name, keep.GetNumber(), req)
		if err != nil {
			return nil, fmt.Errorf("updating issue %s#%d: %w", repo, keep.GetNumber(), err)
		}
		if err := c.closeDuplicates(ctx, repo, open[1:], keep.GetNumber()); err != nil {
			return nil, err
		}
		return &IssueResult{Number: edited.GetNumber(), URL: edited.GetHTMLURL(), Action: action}, nil
	}
	if !problem {
		return &IssueResult{Action: "none"}, nil
	}
	created, _, err := c.gh.Issues.Create(ctx, repo.Owner, repo.Name, &github.IssueRequest{
		Title: &title, Body: &full, Labels: &[]string{label},
	})
	if err != nil {
		return nil, fmt.Errorf("opening an issue in %s: %w", repo, err)
	}
	res := &IssueResult{Number: created.GetNumber(), URL: created.GetHTMLURL(), Action: "created"}
	open, err = c.ourIssues(ctx, repo, id, label)
	if err != nil {
		return nil, err
	}
	if len(open) > 1 {
		if err := c.closeDuplicates(ctx, repo, open[1:], open[0].GetNumber()); err != nil {
			return nil, err
		}
		res.Number, res.URL = open[0].GetNumber(), open[0].GetHTMLURL()
	}
	return res, nil
}

// ourIssues lists, oldest first, the open issues labelled label that carry the
// marker for id and were opened by our author. Pull requests are skipped.
func (c *Client) ourIssues(ctx context.Context, repo Repo, id, label string) ([]*github.Issue, error) {
	author, err := c.Author(ctx)
	if err != nil {
		return nil, err
	}
	opts := &github.IssueListByRepoOptions{State: "open", Labels: []string{label}, ListOptions: github.ListOptions{PerPage: 100}}
	all, err := listAll(func(page int) ([]*github.Issue, *github.Response, error) {
		opts.Page = page
		return c.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("listing issues in %s: %w", repo, err)
	}
	var mine []*github.Issue
	for _, is := range all {
		if !is.IsPullRequest() && ours(is.GetBody(), is.GetUser().GetLogin(), id, author) {
			mine = append(mine, is)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].GetNumber() < mine[j].GetNumber() })
	return mine, nil
}

// closeDuplicates closes issues as duplicates of the kept one.
func (c *Client) closeDuplicates(ctx context.Context, repo Repo, dups []*github.Issue, kept int) error {
	for _, is := range dups {
		_, _, err := c.gh.Issues.Edit(ctx, repo.Owner, repo.Name, is.GetNumber(), &github.IssueRequest{
			State: github.String("closed"), StateReason: github.String("not_planned"),
		})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("closing duplicate issue %s#%d (kept #%d): %w", repo, is.GetNumber(), kept, err)
		}
	}
	return nil
}
