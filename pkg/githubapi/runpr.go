package githubapi

import (
	"context"
	"fmt"
)

// CheckRunPullRequest decides whether pull request number may be reported on
// from a workflow_run event: the number comes from the first stage, which a
// fork controls, so it must name the pull request whose commit the run was
// for. It is accepted when the event lists it with the run's head commit, or
// (forks, for which GitHub lists none) when the pull request, fetched from
// GitHub, has the run's head commit in the run's head repository.
func (c *Client) CheckRunPullRequest(ctx context.Context, ev *Event, repo Repo, number int) error {
	if ev == nil || ev.Name != "workflow_run" {
		return nil
	}
	if ev.HeadSHA == "" || ev.HeadRepo == nil {
		return fmt.Errorf("the workflow_run event names no head commit or head repository: pull request #%d cannot be checked", number)
	}
	for _, pr := range ev.RunPullRequests {
		if pr.Number == number && pr.HeadSHA == ev.HeadSHA {
			return nil
		}
	}
	pr, _, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return fmt.Errorf("checking pull request #%d against the workflow run: %v", number, err)
	}
	head := pr.GetHead()
	if head.GetSHA() != ev.HeadSHA {
		return fmt.Errorf("pull request #%d is at commit %s, but the workflow run was for %s: not reporting on it", number, head.GetSHA(), ev.HeadSHA)
	}
	if r := head.GetRepo(); r == nil || r.GetID() != ev.HeadRepo.ID {
		return fmt.Errorf("pull request #%d comes from %s, but the workflow run's commit came from %s: not reporting on it", number, head.GetRepo().GetFullName(), ev.HeadRepo.FullName)
	}
	return nil
}
