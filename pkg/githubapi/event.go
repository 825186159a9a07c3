package githubapi

import (
	"encoding/json"
	"fmt"

	"github.com/mlgate/mlgate/internal/readlimit"
)

// Event is what a report needs from the workflow run's event: the repository
// and the pull request (or issue) to comment on.
type Event struct {
	// Name is GITHUB_EVENT_NAME: pull_request, pull_request_target,
	// workflow_run, issue_comment, schedule, ...
	Name string
	// Repo is the repository the workflow runs in.
	Repo string
	// Number is the pull request (or issue) the event is about; 0 when none.
	Number int
	// PullRequest says Number is a pull request, not an issue.
	PullRequest bool
	// HeadSHA is the commit the evidence was produced for, when known.
	HeadSHA string
	// FromFork says the pull request's head lives in another repository, so
	// the pull_request workflow's token is read-only.
	FromFork bool
	// HeadRepo is, for workflow_run, the repository the run's commit came
	// from (a fork's, for pull requests from forks).
	HeadRepo *EventRepo
	// RunPullRequests are, for workflow_run, the pull requests GitHub lists
	// for the run: this repository's only, never a fork's.
	RunPullRequests []RunPullRequest
	// PayloadPullRequest is the payload's pull_request object in whichever
	// event carries one (pull_request, pull_request_review, ...), for the
	// policy input.
	PayloadPullRequest *PayloadPullRequest
}

// PayloadPullRequest is a pull request as the payload describes it.
type PayloadPullRequest struct {
	Number int
	Labels []string
}

// EventRepo is a repository named in an event.
type EventRepo struct {
	ID       int64
	FullName string
}

// RunPullRequest is a pull request listed in a workflow_run event.
type RunPullRequest struct {
	Number  int
	HeadSHA string
}

// eventPayload holds the fields read from the four events mlgate understands.
type eventPayload struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
		Labels []struct {
			Name string `json:"name"`
		} `json:"labels"`
		Head struct {
			SHA  string       `json:"sha"`
			Repo *payloadRepo `json:"repo"`
		} `json:"head"`
		Base struct {
			Repo *payloadRepo `json:"repo"`
		} `json:"base"`
	} `json:"pull_request"`
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	WorkflowRun *struct {
		Event          string       `json:"event"`
		HeadSHA        string       `json:"head_sha"`
		HeadRepository *payloadRepo `json:"head_repository"`
		PullRequests   []struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
			Base struct {
				Repo *payloadRepo `json:"repo"`
			} `json:"base"`
		} `json:"pull_requests"`
	} `json:"workflow_run"`
	Repository *payloadRepo `json:"repository"`
}

// payloadRepo is a repository in a payload. workflow_run's pull requests
// carry only id, url and name, so repositories are compared by id.
type payloadRepo struct {
	ID       int64  `json:"id"`
	FullName string `json:"full_name"`
}

func sameRepo(a, b *payloadRepo) bool { return a != nil && b != nil && a.ID == b.ID }

// ReadEvent reads the event payload at path (GITHUB_EVENT_PATH) for the event
// called name (GITHUB_EVENT_NAME).
//
// For workflow_run, the second stage of the pattern for pull requests from
// forks, the pull request is the run's first one whose base is this
// repository (a branch may also be proposed to another repository). GitHub leaves that list empty for runs from forks, so the first
// stage must pass the number on (an artifact) and the report be given --pr-number.
func ReadEvent(name, path string) (*Event, error) {
	// GitHub caps webhook payloads at 25 MB.
	data, err := readlimit.ReadFile(path, 25<<20, "an event payload")
	if err != nil {
		return nil, fmt.Errorf("reading the event payload: %w", err)
	}
	var p eventPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("event payload %s is not JSON: %w", path, err)
	}
	ev := &Event{Name: name}
	if p.Repository != nil {
		ev.Repo = p.Repository.FullName
	}
	if pr := p.PullRequest; pr != nil {
		ev.PayloadPullRequest = &PayloadPullRequest{Number: pr.Number, Labels: []string{}}
		for _, l := range pr.Labels {
			ev.PayloadPullRequest.Labels = append(ev.PayloadPullRequest.Labels, l.Name)
		}
	}
	switch name {
	case "pull_request", "pull_request_target":
		if pr := p.PullRequest; pr != nil {
			ev.Number, ev.PullRequest, ev.HeadSHA = pr.Number, true, pr.Head.SHA
			ev.FromFork = !sameRepo(pr.Head.Repo, pr.Base.Repo)
		}
		if ev.Number == 0 {
			ev.Number = p.Number
		}
	case "issue_comment":
		if p.Issue != nil {
			ev.Number = p.Issue.Number
			ev.PullRequest = len(p.Issue.PullRequest) > 0 && string(p.Issue.PullRequest) != "null"
		}
	case "workflow_run":
		if wr := p.WorkflowRun; wr != nil {
			ev.HeadSHA = wr.HeadSHA
			ev.FromFork = !sameRepo(wr.HeadRepository, p.Repository)
			if h := wr.HeadRepository; h != nil {
				ev.HeadRepo = &EventRepo{ID: h.ID, FullName: h.FullName}
			}
			for _, pr := range wr.PullRequests {
				if !sameRepo(pr.Base.Repo, p.Repository) {
					continue
				}
				ev.RunPullRequests = append(ev.RunPullRequests, RunPullRequest{Number: pr.Number, HeadSHA: pr.Head.SHA})
				if ev.Number == 0 {
					ev.Number, ev.PullRequest = pr.Number, true
				}
			}
		}
	}
	return ev, nil
}
