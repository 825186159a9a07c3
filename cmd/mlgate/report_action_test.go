package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
)

// Inputs reach scripts only through env: an expression inside run: would be
// pasted into the script before bash sees it, a script injection.
func TestReportActionPassesInputsThroughEnv(t *testing.T) {
	_, a := readAction(t, "report")
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", a.Runs.Using)
	}
	used := map[string]bool{}
	inputRef := regexp.MustCompile(`inputs\.([a-z-]+)`)
	for _, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q has an expression inside run:", s.ID)
		}
		for _, v := range s.Env {
			for _, m := range inputRef.FindAllStringSubmatch(v, -1) {
				used[m[1]] = true
			}
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %q is never passed to a step", name)
		}
	}
}

func TestReportActionLints(t *testing.T) {
	actionlint := testenv.Tool(t, "actionlint")
	actionPath, _ := readAction(t, "report")
	dir := t.TempDir()
	data, _ := os.ReadFile(actionPath)
	os.MkdirAll(filepath.Join(dir, "actions", "report"), 0o755)
	os.WriteFile(filepath.Join(dir, "actions", "report", "action.yml"), data, 0o644)
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	workflow := `name: pr
on: pull_request
permissions:
  pull-requests: write
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: report
        uses: ./actions/report
        with:
          evidence: evidence/*.json
          mode: hide-previous
      - run: echo "$STATUS"
        env:
          STATUS: ${{ steps.report.outputs.status }}
`
	os.WriteFile(filepath.Join(dir, ".github", "workflows", "pr.yml"), []byte(workflow), 0o644)
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	cmd := exec.Command(actionlint, "-no-color")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
	// The example workflows in the action's README lint clean too.
	readme, err := os.ReadFile(filepath.Join(filepath.Dir(actionPath), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(examples) < 4 {
		t.Fatalf("%d yaml examples in the README, want at least 4", len(examples))
	}
	for i, ex := range examples {
		os.WriteFile(filepath.Join(dir, ".github", "workflows", fmt.Sprintf("readme-%d.yml", i)), []byte(ex[1]), 0o644)
	}
	cmd = exec.Command(actionlint, "-no-color")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint on the README's workflows: %v\n%s", err, out)
	}
	// actionlint must see the action's inputs: a wrong one is reported.
	os.WriteFile(filepath.Join(dir, ".github", "workflows", "pr.yml"), []byte(strings.Replace(workflow, "mode:", "moed:", 1)), 0o644)
	cmd = exec.Command(actionlint, "-no-color")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil || !strings.Contains(string(out), "moed") {
		t.Fatalf("actionlint did not check the inputs against action.yml:\n%s", out)
	}
}

// TestReportActionScript runs the action's Report step with bash and the real
// mlgate binary, as the runner would.
func TestReportActionScript(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	_, a := readAction(t, "report")
	var script string
	for _, s := range a.Runs.Steps {
		if s.ID == "report" {
			script = s.Run
		}
	}
	bin := binaryDir(t)
	evidenceDir := filepath.Dir(writeReportEvidence(t, true)[0])
	f := githubfake.New(t)

	run := func(inputs map[string]string, extra ...string) (string, int) {
		t.Helper()
		env := []string{pathWith(bin), "HOME=" + t.TempDir()}
		for _, k := range []string{"INPUT_COMMENT", "INPUT_ISSUE", "INPUT_ID", "INPUT_TITLE", "INPUT_MODE", "INPUT_LABEL",
			"INPUT_PR_NUMBER", "INPUT_OUT", "INPUT_REQUIRE_POST", "INPUT_API_URL", "INPUT_EVIDENCE"} {
			env = append(env, k+"="+map[string]string{"INPUT_COMMENT": "auto", "INPUT_ISSUE": "false", "INPUT_ID": "mlgate",
				"INPUT_MODE": "update", "INPUT_LABEL": "mlgate", "INPUT_REQUIRE_POST": "false"}[k])
		}
		for k, v := range inputs {
			env = append(env, k+"="+v)
		}
		cmd := exec.Command(bash, "-c", script)
		cmd.Env = append(env, extra...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}

	out, code := run(map[string]string{"INPUT_EVIDENCE": evidenceDir + "/*.json\n" + evidenceDir + "/gate.json"}, "GITHUB_EVENT_NAME=push")
	if code != 1 || !strings.Contains(out, "FAIL: 3 evidence documents") {
		t.Fatalf("push run: exit %d\n%s", code, out)
	}
	if out, code := run(map[string]string{"INPUT_EVIDENCE": evidenceDir + "/nothing-*.json"}); code != 2 || !strings.Contains(out, "no evidence file matches") {
		t.Fatalf("empty glob: exit %d\n%s", code, out)
	}
	out, code = run(map[string]string{"INPUT_EVIDENCE": evidenceDir + "/*.json", "INPUT_PR_NUMBER": "5", "INPUT_API_URL": f.URL()},
		"GITHUB_EVENT_NAME=workflow_run", "GITHUB_REPOSITORY=o/r", "MLGATE_GITHUB_TOKEN=ghs-installation")
	if code != 1 || len(f.Bodies(5)) != 1 {
		t.Fatalf("workflow_run with pr-number: exit %d, %d comments\n%s", code, len(f.Bodies(5)), out)
	}
}
