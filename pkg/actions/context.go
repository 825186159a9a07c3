package actions

import (
	"strings"

	"github.com/mlgate/mlgate/pkg/githubapi"
)

// Context is the run's git and GitHub context, from the runner's GITHUB_*
// variables: what steps record (lineage, policy input) and where reports go.
// Outside GitHub Actions only what the environment sets is filled in.
type Context struct {
	// Actions says the run is inside GitHub Actions (GITHUB_ACTIONS=true).
	Actions    bool
	Repository string
	SHA        string
	Ref        string
	EventName  string
	EventPath  string
	Actor      string
	Workspace  string
	ServerURL  string
	APIURL     string
	RunID      string
}

// ContextFrom reads the context from an environment (os.Getenv in production).
func ContextFrom(getenv func(string) string) *Context {
	return &Context{
		Actions:    getenv("GITHUB_ACTIONS") == "true",
		Repository: getenv("GITHUB_REPOSITORY"),
		SHA:        getenv("GITHUB_SHA"),
		Ref:        getenv("GITHUB_REF"),
		EventName:  getenv("GITHUB_EVENT_NAME"),
		EventPath:  getenv("GITHUB_EVENT_PATH"),
		Actor:      getenv("GITHUB_ACTOR"),
		Workspace:  getenv("GITHUB_WORKSPACE"),
		ServerURL:  getenv("GITHUB_SERVER_URL"),
		APIURL:     getenv("GITHUB_API_URL"),
		RunID:      getenv("GITHUB_RUN_ID"),
	}
}

// Event reads the event payload; nil when the run has none.
func (c *Context) Event() (*githubapi.Event, error) {
	if c == nil || c.EventPath == "" {
		return nil, nil
	}
	return githubapi.ReadEvent(c.EventName, c.EventPath)
}

// RunURL is the workflow run's page, where the job summary is; "" outside Actions.
func (c *Context) RunURL() string {
	if c == nil || c.ServerURL == "" || c.Repository == "" || c.RunID == "" {
		return ""
	}
	return strings.TrimSuffix(c.ServerURL, "/") + "/" + c.Repository + "/actions/runs/" + c.RunID
}
