package githubapi

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-github/v62/github"
)

// MaxBodyBytes is GitHub's limit on a comment or issue body (65,536
// characters), counted in bytes, which are never fewer.
const MaxBodyBytes = 65536

// markerVersion is the version of the marker's JSON metadata.
const markerVersion = 1

// markerMeta is the JSON inside the hidden marker.
type markerMeta struct {
	ID string `json:"id"`
	V  int    `json:"v"`
}

// Marker is the hidden first line that identifies a report by id:
// <!-- mlgate:report {"id":"...","v":1} -->. The id is JSON-encoded with HTML
// escaping, so it cannot end the comment ("-->" becomes "--\u003e").
func Marker(id string) string {
	data, _ := json.Marshal(markerMeta{ID: id, V: markerVersion}) // a struct of strings always encodes
	return "<!-- mlgate:report " + string(data) + " -->"
}

// BodyBudget is how many bytes of report fit in a body beside the marker line.
func BodyBudget(id string) int { return MaxBodyBytes - len(Marker(id)) - 1 }

var markerRE = regexp.MustCompile(`^<!-- mlgate:report (\{.*?\}) -->`)

// markerID returns the report id in a body's marker, and whether it has one.
func markerID(body string) (string, bool) {
	m := markerRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	var meta markerMeta
	if json.Unmarshal([]byte(m[1]), &meta) != nil {
		return "", false
	}
	return meta.ID, true
}

func withMarker(id, body string) (string, error) {
	full := Marker(id) + "\n" + body
	if len(full) > MaxBodyBytes {
		return "", fmt.Errorf("report body is %d bytes, over GitHub's %d limit", len(full), MaxBodyBytes)
	}
	return full, nil
}

// Mode says what happens to an earlier comment for the same report id.
type Mode string

// Comment modes.
const (
	// ModeUpdate edits the earlier comment in place (one comment, always current).
	ModeUpdate Mode = "update"
	// ModeRecreate deletes the earlier comment and posts a new one at the bottom.
	ModeRecreate Mode = "recreate"
	// ModeHidePrevious minimizes the earlier comments as outdated and posts a new one.
	ModeHidePrevious Mode = "hide-previous"
)

// ParseMode reads a --mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeUpdate, ModeRecreate, ModeHidePrevious:
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want update, recreate or hide-previous", s)
}

// CommentResult says what StickyComment did.
type CommentResult struct {
	ID  int64
	URL string
	// Action is "created" or "updated".
	Action string
	// Deleted counts our comments removed (recreate mode, or duplicates left
	// by racing runs); Hidden counts those minimized.
	Deleted, Hidden int
}

// StickyComment posts body as the one comment for report id on issue or pull
// request number. Our comments are those whose marker names id and whose author
// is ours (see Author); all pages are read to find them. Two runs racing on the
// same pull request leave exactly one comment: after creating, each re-reads the
// comments and keeps the oldest of those created since it looked, deleting the rest.
func (c *Client) StickyComment(ctx context.Context, repo Repo, number int, id, body string, mode Mode) (*CommentResult, error) {
	full, err := withMarker(id, body)
	if err != nil {
		return nil, err
	}
	mine, err := c.ourComments(ctx, repo, number, id)
	if err != nil {
		return nil, err
	}
	res := &CommentResult{}
	if mode == ModeUpdate && len(mine) > 0 {
		keep := mine[0]
		edited, _, err := c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, keep.GetID(), &github.IssueComment{Body: &full})
		if err != nil {
			return nil, fmt.Errorf("updating comment %d on %s#%d: %w", keep.GetID(), repo, number, err)
		}
		if res.Deleted, err = c.deleteComments(ctx, repo, mine[1:]); err != nil {
			return nil, err
		}
		res.ID, res.URL, res.Action = edited.GetID(), edited.GetHTMLURL(), "updated"
		return res, nil
	}
	var seen int64
	for _, cm := range mine {
		seen = max(seen, cm.GetID())
	}
	// The new comment is made first, so that a failure (a read-only token)
	// leaves the previous report in place.
	created, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: &full})
	if err != nil {
		return nil, fmt.Errorf("commenting on %s#%d: %w", repo, number, err)
	}
	res.ID, res.URL, res.Action = created.GetID(), created.GetHTMLURL(), "created"
	kept, deleted, err := c.dedupe(ctx, repo, number, id, seen, created, full)
	res.Deleted += deleted
	if err != nil {
		return nil, err
	}
	if kept != nil {
		res.ID, res.URL = kept.GetID(), kept.GetHTMLURL()
	}
	switch mode {
	case ModeRecreate:
		n, err := c.deleteComments(ctx, repo, mine)
		res.Deleted += n
		if err != nil {
			return nil, err
		}
	case ModeHidePrevious:
		for _, cm := range mine {
			if err := c.minimize(ctx, cm.GetNodeID()); err != nil {
				return nil, fmt.Errorf("hiding comment %d on %s#%d: %w", cm.GetID(), repo, number, err)
			}
			res.Hidden++
		}
	}
	return res, nil
}

// dedupe keeps the oldest of our comments newer than seen (those created by
// this run and any racing one) and deletes the others. When the kept one is
// not ours it is given our body, so the last run to finish is the one shown.
// The comment this run created counts even if the list does not show it yet.
func (c *Client) dedupe(ctx context.Context, repo Repo, number int, id string, seen int64, created *github.IssueComment, body string) (*github.IssueComment, int, error) {
	mine, err := c.ourComments(ctx, repo, number, id)
	if err != nil {
		return nil, 0, err
	}
	fresh := []*github.IssueComment{created}
	for _, cm := range mine {
		if cm.GetID() > seen && cm.GetID() != created.GetID() {
			fresh = append(fresh, cm)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].GetID() < fresh[j].GetID() })
	if len(fresh) <= 1 {
		return nil, 0, nil
	}
	deleted, err := c.deleteComments(ctx, repo, fresh[1:])
	if err != nil {
		return nil, deleted, err
	}
	keep := fresh[0]
	if keep.GetBody() != body {
		edited, _, err := c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, keep.GetID(), &github.IssueComment{Body: &body})
		if err != nil && !isNotFound(err) {
			return nil, deleted, fmt.Errorf("updating comment %d on %s#%d: %w", keep.GetID(), repo, number, err)
		}
		if err == nil {
			keep = edited
		}
	}
	return keep, deleted, nil
}

// ourComments lists, oldest first, every comment on number that carries the
// marker for id and was written by our author.
func (c *Client) ourComments(ctx context.Context, repo Repo, number int, id string) ([]*github.IssueComment, error) {
	author, err := c.Author(ctx)
	if err != nil {
		return nil, err
	}
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	all, err := listAll(func(page int) ([]*github.IssueComment, *github.Response, error) {
		opts.Page = page
		return c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("listing comments on %s#%d: %w", repo, number, err)
	}
	var mine []*github.IssueComment
	for _, cm := range all {
		if ours(cm.GetBody(), cm.GetUser().GetLogin(), id, author) {
			mine = append(mine, cm)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].GetID() < mine[j].GetID() })
	return mine, nil
}

// ours reports whether a body and its author are ours for report id.
func ours(body, login, id, author string) bool {
	got, ok := markerID(body)
	return ok && got == id && strings.EqualFold(login, author)
}

// MaxPages bounds a list: 100 pages of 100 items.
const MaxPages = 100

// listAll reads every page of a list endpoint, starting at page 1. A server
// that always names a next page, or one that does not move forward, is an
// error rather than an endless loop.
func listAll[T any](list func(page int) ([]T, *github.Response, error)) ([]T, error) {
	var all []T
	for page, n := 1, 1; page != 0; n++ {
		if n > MaxPages {
			return nil, fmt.Errorf("more than %d pages: refusing to read on", MaxPages)
		}
		items, resp, err := list(page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp.NextPage != 0 && resp.NextPage <= page {
			return nil, fmt.Errorf("page %d names page %d as the next one: refusing to loop", page, resp.NextPage)
		}
		page = resp.NextPage
	}
	return all, nil
}

// deleteComments removes comments; one already gone (a racing run deleted it)
// is not an error.
func (c *Client) deleteComments(ctx context.Context, repo Repo, comments []*github.IssueComment) (int, error) {
	n := 0
	for _, cm := range comments {
		_, err := c.gh.Issues.DeleteComment(ctx, repo.Owner, repo.Name, cm.GetID())
		switch {
		case err == nil:
			n++
		case isNotFound(err):
		default:
			return n, fmt.Errorf("deleting comment %d on %s: %w", cm.GetID(), repo, err)
		}
	}
	return n, nil
}
