package workflowtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

var inputRef = regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`)

// TestEveryInputReachesTheScriptThroughEnv: each action is composite, and
// every input it declares is handed to a step through env: (or with: of a
// nested action, or a step's working-directory), so none is silently ignored
// and none is pasted into a script.
func TestEveryInputReachesTheScriptThroughEnv(t *testing.T) {
	for _, f := range actionFiles(t) {
		a := testenv.ReadAction(t, f)
		if a.Runs.Using != "composite" {
			t.Errorf("%s: runs.using %q, want composite", f, a.Runs.Using)
		}
		used := map[string]bool{}
		for _, s := range a.Runs.Steps {
			for _, v := range s.Env {
				for _, m := range inputRef.FindAllStringSubmatch(v, -1) {
					used[m[1]] = true
				}
			}
			for _, v := range s.With {
				for _, m := range inputRef.FindAllStringSubmatch(v, -1) {
					used[m[1]] = true
				}
			}
			for _, m := range inputRef.FindAllStringSubmatch(s.WorkingDirectory, -1) {
				used[m[1]] = true
			}
		}
		for name := range a.Inputs {
			if !used[name] {
				t.Errorf("%s: input %q reaches no step through env: or with:", f, name)
			}
		}
	}
}

// lintRepo lays out a repository holding this one's actions and the given
// workflows, and runs actionlint on it.
func lintRepo(t *testing.T, workflows map[string]string) (string, error) {
	t.Helper()
	actionlint := testenv.Tool(t, "actionlint")
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	for _, f := range actionFiles(t) {
		rel, _ := filepath.Rel(root, f)
		data, _ := os.ReadFile(f)
		os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
		os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	}
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	for name, body := range workflows {
		os.WriteFile(filepath.Join(dir, ".github", "workflows", name), []byte(body), 0o644)
	}
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	cmd := exec.Command(actionlint, "-no-color")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// usingWorkflow is a workflow that uses the local action with its required
// inputs set, plus extra lines under with:.
func usingWorkflow(name string, a testenv.Action, extra string) string {
	var with []string
	for in, spec := range a.Inputs {
		if spec.Required {
			with = append(with, "          "+in+": x")
		}
	}
	sort.Strings(with)
	with = append(with, extra)
	return `on: pull_request
permissions:
  contents: read
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/` + name + `
        with:
` + strings.Join(with, "\n") + "\n"
}

// TestActionlintReadsEveryAction: actionlint accepts a workflow using each
// action, and reports a misspelt input, which proves it read the action's
// metadata. The yaml examples in each action's README lint clean too.
func TestActionlintReadsEveryAction(t *testing.T) {
	root := testenv.RepoRoot(t)
	workflows := map[string]string{}
	ownAction := regexp.MustCompile(`mlgate/mlgate/actions/([a-z-]+)@v\d+`)
	for _, f := range actionFiles(t) {
		name := filepath.Base(filepath.Dir(f))
		if filepath.Dir(f) == root {
			continue // the umbrella action is used by actions-selftest.yml
		}
		a := testenv.ReadAction(t, f)
		workflows["use-"+name+".yml"] = usingWorkflow(name, a, "          no-such-input: x")
		readme, err := os.ReadFile(filepath.Join(filepath.Dir(f), "README.md"))
		if err != nil {
			t.Errorf("actions/%s has no README.md: %v", name, err)
			continue
		}
		for i, ex := range regexp.MustCompile("(?s)```ya?ml\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
			if !strings.Contains(ex[1], "jobs:") {
				continue // a fragment of steps, not a workflow
			}
			wf := ownAction.ReplaceAllString(ex[1], "./actions/$1")
			if !regexp.MustCompile(`(?m)^on:`).MatchString(wf) {
				wf = "on: push\n" + wf // a README may show only the jobs
			}
			workflows["readme-"+name+"-"+string(rune('a'+i))+".yml"] = wf
		}
	}
	out, err := lintRepo(t, workflows)
	if err == nil {
		t.Fatal("actionlint accepted misspelt inputs: it did not read the actions")
	}
	for name := range workflows {
		misspelt := strings.HasPrefix(name, "use-")
		for _, line := range strings.Split(out, "\n") {
			if !strings.Contains(line, name+":") {
				continue
			}
			if !misspelt || !strings.Contains(line, "no-such-input") {
				t.Errorf("actionlint: %s", line)
			}
		}
		if misspelt && !strings.Contains(out, name+":") {
			t.Errorf("actionlint did not report the misspelt input in %s", name)
		}
	}
}
