package steps

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/githubapi"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/report"
)

// Delivery is everywhere a command puts a report: the markdown file Out,
// the summary on the console, the job summary inside GitHub Actions, and,
// with Post, the pull request or the issue.
type Delivery struct {
	Console
	Out *outfile.Output
	// Post, when set, posts the report to Target (see PostTo); TokenErr
	// says why there is no token, if there is none.
	Post     *PostRequest
	Target   GitHubTarget
	TokenErr error
	// RequirePost makes a token that cannot write an error; by default the
	// report then stays in the job summary, with a warning.
	RequirePost bool
}

// Deliver renders and delivers the report, then sets the step outputs
// status, report (the markdown file) and url (the comment or issue).
func (r *Rendered) Deliver(ctx context.Context, d Delivery) error {
	var full string // the whole markdown report, rendered once
	if d.Out.Set() || d.Format == "markdown" {
		full = r.Markdown(0, true)
	}
	if d.Out.Set() {
		if err := d.Out.Write([]byte(full)); err != nil {
			return err
		}
	}
	switch d.Format {
	case "markdown":
		io.WriteString(d.Summary, actions.SafeLog(full))
	case "json":
		if err := report.WriteJSON(d.Summary, r.JSON()); err != nil {
			return err
		}
	default:
		report.PrintText(d.Summary, r.Text, d.Text)
	}
	// The job summary comes first: it is where the report is when posting
	// fails. Built under the summary's limit, it is cut at section boundaries.
	if d.Actions.Enabled() {
		d.warn(d.Actions.AddSummary(r.Markdown(actions.MaxSummaryBytes-1, false)))
	}
	outputs := map[string]string{"status": string(r.Status), "report": ""}
	if d.Out != nil {
		outputs["report"] = d.Out.Path
	}
	if d.Post != nil {
		posted, err := r.post(ctx, d)
		if err != nil {
			return err
		}
		if posted != nil {
			outputs["url"] = posted.URL
		}
	}
	d.warn(d.Actions.SetOutputs(outputs))
	return nil
}

// post posts the report and says so. A token that cannot write (a pull
// request from a fork gets a read-only one) is a warning unless RequirePost:
// nothing is posted.
func (r *Rendered) post(ctx context.Context, d Delivery) (*Posted, error) {
	kind := "comment"
	if d.Post.Issue {
		kind = "issue"
	}
	err := d.TokenErr
	var posted *Posted
	if err == nil {
		posted, err = r.PostTo(ctx, d.Target, *d.Post)
	}
	switch {
	case err == nil:
		if posted.Action != "none" {
			fmt.Fprintf(d.Warn, "mlgate: %s %s %s\n", posted.Action, kind, actions.SafeLog(posted.URL))
		}
		return posted, nil
	case githubapi.IsForbidden(err) && !d.RequirePost:
		msg := "the token cannot write to this repository (a pull request from a fork gets a read-only token): " +
			"the report is in the job summary only. Post it from a workflow_run workflow; see the report action's README."
		d.warn(errors.New(msg))
		d.Actions.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "mlgate report not posted", Message: msg})
		return nil, nil
	}
	return nil, err
}
