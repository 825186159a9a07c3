package actions

import "testing"

func TestContextFromTheRunnersVariables(t *testing.T) {
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/models", "GITHUB_SHA": "abc",
		"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_RUN_ID": "42",
	}
	c := ContextFrom(func(k string) string { return env[k] })
	if !c.Actions || c.Repository != "acme/models" || c.SHA != "abc" {
		t.Fatalf("context %+v", c)
	}
	if got := c.RunURL(); got != "https://github.com/acme/models/actions/runs/42" {
		t.Fatalf("RunURL = %q", got)
	}
	if ev, err := c.Event(); ev != nil || err != nil {
		t.Fatalf("no event path: %v, %v", ev, err)
	}
	// Outside Actions nothing is made up.
	c = ContextFrom(func(string) string { return "" })
	if c.Actions || c.RunURL() != "" {
		t.Fatalf("empty environment: %+v", c)
	}
}
