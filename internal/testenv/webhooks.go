package testenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// WebhookExamples returns the example payloads of one event (pull_request,
// workflow_run, ...) from @octokit/webhooks-examples, failing the test when
// the package has none.
func WebhookExamples(t testing.TB, event string) []json.RawMessage {
	t.Helper()
	index := filepath.Join(NodeModule(t, "@octokit/webhooks-examples"), "api.github.com", "index.json")
	data, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	var all []struct {
		Name     string            `json:"name"`
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, e := range all {
		if e.Name == event {
			out = append(out, e.Examples...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s examples in %s", event, index)
	}
	return out
}
