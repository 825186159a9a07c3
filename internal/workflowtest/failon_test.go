package workflowtest

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// stepScript is the run: script of the step with id in an action.
func stepScript(t *testing.T, action, id string) string {
	t.Helper()
	a := testenv.ReadAction(t, filepath.Join(testenv.RepoRoot(t), "actions", action, "action.yml"))
	for _, s := range a.Runs.Steps {
		if s.ID == id {
			return s.Run
		}
	}
	t.Fatalf("actions/%s has no step %s", action, id)
	return ""
}

// TestReportFailOn runs the report action's script (bash, with the mlgate
// built from this checkout; no act: the script is what decides) on passing,
// warning and failing evidence under each fail-on.
func TestReportFailOn(t *testing.T) {
	bin := mlgateBinary(t)
	script := stepScript(t, "report", "report")
	dir := t.TempDir()
	demo := filepath.Join(testenv.RepoRoot(t), "testdata", "report", "demo")
	copyDoc := func(name, to, status string) {
		data, err := os.ReadFile(filepath.Join(demo, name))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if status != "" {
			doc["status"] = status
		}
		data, _ = json.Marshal(doc)
		os.MkdirAll(filepath.Join(dir, filepath.Dir(to)), 0o755)
		os.WriteFile(filepath.Join(dir, to), data, 0o644)
	}
	copyDoc("signature.json", "pass/signature.json", "")
	copyDoc("drift.json", "warn dir/drift.json", "") // a path with a space: one per line keeps it
	copyDoc("signature.json", "fail/signature.json", "fail")

	for _, c := range []struct {
		evidence, failOn string
		want             int
	}{
		{"pass/*.json", "fail", 0},
		{"warn dir/*.json\n", "fail", 0},
		{"warn dir/*.json\n", "warn", 1},
		{"fail/*.json", "fail", 1},
		{"fail/*.json", "never", 0},
		{"pass/*.json fail/*.json", "never", 0}, // the old one-line form
		{"pass/*.json\nfail/*.json\n", "warn", 1},
		{"missing/*.json", "never", 2},
		{"pass/*.json", "sometimes", 2},
	} {
		out := filepath.Join(t.TempDir(), "output")
		summary := filepath.Join(t.TempDir(), "summary")
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
			"GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+out, "GITHUB_STEP_SUMMARY="+summary,
			"GITHUB_ACTION_PATH="+filepath.Join(testenv.RepoRoot(t), "actions", "report"),
			"GITHUB_EVENT_NAME=push", "INPUT_EVIDENCE="+c.evidence, "INPUT_FAIL_ON="+c.failOn,
			"INPUT_COMMENT=false", "INPUT_ISSUE=false", "INPUT_ID=mlgate", "INPUT_MODE=update",
			"INPUT_LABEL=mlgate", "INPUT_TITLE=", "INPUT_OUT=", "INPUT_API_URL=", "INPUT_PR_NUMBER=",
			"INPUT_REQUIRE_POST=false")
		log, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.want {
			t.Errorf("evidence %q, fail-on %s: exit %d, want %d\n%s", c.evidence, c.failOn, code, c.want, log)
		}
		if c.want == 2 {
			continue
		}
		if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "Signature") && !strings.Contains(string(s), "Drift") {
			t.Errorf("evidence %q: the job summary lacks the report:\n%s", c.evidence, s)
		}
	}
}
