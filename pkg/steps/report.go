package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/githubapi"
	"github.com/mlgate/mlgate/pkg/report"
)

// ReportRequest asks for one report over evidence documents.
type ReportRequest struct {
	Evidence []string
	// Verifier, when set, accepts only signed evidence (see
	// signing.EvidenceVerifier), checked over the bytes the report uses.
	Verifier evidence.Verifier
	// Options title the report and say where the full one is (Build sets
	// MaxBytes per place).
	Options report.Options
}

// Rendered is a report's evidence, ready to render for each place it goes.
type Rendered struct {
	Docs    []*evidence.Document
	Status  evidence.Status
	Options report.Options
}

// Report reads (and, with Trust, verifies) the evidence. It writes nothing:
// Markdown, Text and Post render and deliver it.
func Report(_ context.Context, r ReportRequest) (*Rendered, error) {
	loaded, err := evidence.LoadAll(r.Evidence, r.Verifier)
	if err != nil {
		return nil, err
	}
	docs := make([]*evidence.Document, 0, len(loaded))
	statuses := make([]evidence.Status, 0, len(loaded))
	for _, l := range loaded {
		docs = append(docs, l.Document)
		statuses = append(statuses, l.Document.Status)
	}
	return &Rendered{Docs: docs, Status: evidence.Worst(statuses...), Options: r.Options}, nil
}

// JSON is the report as data: the overall status and the documents.
func (r *Rendered) JSON() any {
	return struct {
		Status   evidence.Status      `json:"status"`
		Evidence []*evidence.Document `json:"evidence"`
	}{r.Status, r.Docs}
}

// Markdown is the report within maxBytes (0: no limit), cut at section
// boundaries; fullReport is where the whole one can be read ("" for none).
func (r *Rendered) Markdown(maxBytes int, fullReport bool) string {
	opts := r.Options
	opts.MaxBytes = maxBytes
	if !fullReport {
		opts.FullReportURL = ""
	}
	return report.Build(r.Docs, opts)
}

// Text is the terminal form, in the markdown's order, fitted to opts.
func (r *Rendered) Text(opts report.TextOptions) string {
	return report.BuildText(r.Docs, r.Options.Title, opts)
}

// PostRequest says where a report goes on GitHub: a sticky comment on a pull
// request, or (Issue) one labelled issue kept open while the evidence is not
// passing.
type PostRequest struct {
	Client *githubapi.Client
	Repo   githubapi.Repo
	// Number is the pull request; Event the run's event, when there is one.
	Number int
	Event  *githubapi.Event
	// CheckNumber: the number was given, not read from the event, so it is
	// checked to belong to a workflow_run's commit.
	CheckNumber bool
	// ID tells this report's comment or issue from others'.
	ID    string
	Mode  githubapi.Mode
	Issue bool
	Label string
	Title string
}

// Posted is what Post did ("created", "updated", "closed", "none") and where.
type Posted struct {
	Action, URL string
}

// Post puts the report on the pull request or the issue.
func (r *Rendered) Post(ctx context.Context, p PostRequest) (*Posted, error) {
	body := r.Markdown(githubapi.BodyBudget(p.ID), true)
	if !p.Issue {
		if p.CheckNumber {
			if err := p.Client.CheckRunPullRequest(ctx, p.Event, p.Repo, p.Number); err != nil {
				return nil, err
			}
		}
		res, err := p.Client.StickyComment(ctx, p.Repo, p.Number, p.ID, body, p.Mode)
		if err != nil {
			return nil, err
		}
		return &Posted{Action: res.Action, URL: res.URL}, nil
	}
	title := p.Title
	if title == "" {
		title = "mlgate: " + p.ID
	}
	res, err := p.Client.StickyIssue(ctx, p.Repo, p.ID, p.Label, title, body, r.Status != evidence.StatusPass)
	if err != nil {
		return nil, err
	}
	return &Posted{Action: res.Action, URL: res.URL}, nil
}

// ErrNoRepository and ErrNoPullRequest say that a report has nowhere to go.
var (
	ErrNoRepository  = errors.New("no repository to post to (GITHUB_REPOSITORY is not set)")
	ErrNoPullRequest = errors.New("no pull request to comment on")
)

// Target is where a report goes: the repository and, for pull requests, the
// number, with the event they came from.
type Target struct {
	Repo   githubapi.Repo
	Number int
	Event  *githubapi.Event
}

// ResolveTarget finds the repository and pull request: repo and number when
// given (0 for none), then the run's event, then its environment. needNumber
// asks for a pull request.
func ResolveTarget(gh *actions.Context, repo string, number int, needNumber bool) (*Target, error) {
	ev, err := gh.Event()
	if err != nil {
		return nil, err
	}
	t := &Target{Number: number, Event: ev}
	repo = cmp.Or(repo, gh.Repository)
	if repo == "" && ev != nil {
		repo = ev.Repo
	}
	if repo == "" {
		return nil, ErrNoRepository
	}
	if t.Repo, err = githubapi.ParseRepo(repo); err != nil {
		return nil, err
	}
	if t.Number == 0 && ev != nil {
		t.Number = ev.Number
	}
	if needNumber && t.Number <= 0 {
		if ev != nil && ev.Name == "workflow_run" {
			return nil, fmt.Errorf("%w: this workflow_run names no pull request of this repository (GitHub gives none for forks): give the number the first stage saved", ErrNoPullRequest)
		}
		return nil, ErrNoPullRequest
	}
	return t, nil
}

// GitHubTarget is as whom and where a report is posted: the token, the API
// (the run's when empty), and the repository and pull request (the run's
// when empty or 0; see ResolveTarget).
type GitHubTarget struct {
	Token, APIURL, Author string
	Repo                  string
	Number                int
	GitHub                *actions.Context
}

// PostTo finds the target, builds the client and posts (see Post): on the
// pull request, or on the issue with p.Issue. Errors never hold the token.
func (r *Rendered) PostTo(ctx context.Context, t GitHubTarget, p PostRequest) (*Posted, error) {
	target, err := ResolveTarget(t.GitHub, t.Repo, t.Number, !p.Issue)
	if err != nil {
		return nil, err
	}
	p.Client, err = githubapi.New(githubapi.Options{Token: t.Token, APIURL: cmp.Or(t.APIURL, t.GitHub.APIURL), Author: t.Author})
	if err != nil {
		return nil, err
	}
	p.Repo, p.Number, p.Event, p.CheckNumber = target.Repo, target.Number, target.Event, !p.Issue && t.Number != 0
	res, err := r.Post(ctx, p)
	return res, githubapi.Redact(err, t.Token)
}
