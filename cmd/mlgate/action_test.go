package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/mlgate/mlgate/internal/testenv"
)

type actionFile struct {
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name string            `yaml:"name"`
			ID   string            `yaml:"id"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T, name string) (string, *actionFile) {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(t), "actions", name, "action.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return path, &a
}

// TestValidateDataActionInputsOnlyThroughEnv: no expression inside run:,
// every input reaches the script through env:.
func TestValidateDataActionInputsOnlyThroughEnv(t *testing.T) {
	_, a := loadAction(t, "validate-data")
	if a.Runs.Using != "composite" {
		t.Fatalf("using %q", a.Runs.Using)
	}
	used := map[string]bool{}
	for _, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q has an expression inside run:", s.Name)
		}
		for _, v := range s.Env {
			if strings.HasPrefix(v, "${{ inputs.") {
				used[strings.TrimSuffix(strings.TrimPrefix(v, "${{ inputs."), " }}")] = true
			}
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %q does not reach the script through env:", name)
		}
	}
}

// TestValidateDataActionLint runs the real actionlint on a workflow that uses
// the action, so input names and the action's metadata are checked.
func TestValidateDataActionLint(t *testing.T) {
	actionlint := testenv.Tool(t, "actionlint")
	path, _ := loadAction(t, "validate-data")
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	os.MkdirAll(filepath.Join(dir, "actions", "validate-data"), 0o755)
	data, _ := os.ReadFile(path)
	os.WriteFile(filepath.Join(dir, "actions", "validate-data", "action.yml"), data, 0o644)
	workflow := func(extra string) string {
		return `on: pull_request
permissions:
  contents: read
jobs:
  data:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: v
        uses: ./actions/validate-data
        with:
          contract: contracts/c.yaml
          files: data/*.parquet
          verify-all: true
` + extra + `      - run: echo "$STATUS $FAILURES $ROWS"
        env:
          STATUS: ${{ steps.v.outputs.status }}
          FAILURES: ${{ steps.v.outputs.failures }}
          ROWS: ${{ steps.v.outputs.rows }}
`
	}
	wf := filepath.Join(dir, ".github", "workflows", "data.yml")
	os.WriteFile(wf, []byte(workflow("")), 0o644)
	cmd := exec.Command(actionlint, wf)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
	// The same workflow with an unknown input must fail: actionlint did read the action.
	os.WriteFile(wf, []byte(workflow("          no-such-input: x\n")), 0o644)
	cmd = exec.Command(actionlint, wf)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no-such-input") {
		t.Fatalf("actionlint accepted an unknown input: %v\n%s", err, out)
	}
}

// TestValidateDataActionScript runs the action's validate step with bash, as
// the runner would, on real data: the exit code, the evidence and the outputs
// come from mlgate, and a hostile file name is not executed.
func TestValidateDataActionScript(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	goTool := testenv.Tool(t, "go")
	_, a := loadAction(t, "validate-data")
	var script string
	for _, s := range a.Runs.Steps {
		if s.ID == "validate" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("no validate step")
	}
	runnerTemp := t.TempDir()
	build := exec.Command(goTool, "build", "-o", filepath.Join(runnerTemp, "mlgate-bin", "mlgate"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	writeTable(t, work, "part-0.parquet", 300, 100, 1)
	writeTable(t, work, "part-1.parquet", 300, 100, 2)
	os.WriteFile(filepath.Join(work, "contract.yaml"), []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: age\n    max: 60\n"), 0o644)
	env := actionsEnv(t)
	run := func(files string) (int, string) {
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "RUNNER_TEMP="+runnerTemp, "MLGATE_CONTRACT=contract.yaml", "MLGATE_FILES="+files,
			"MLGATE_EVIDENCE=evidence.json", "MLGATE_FORMAT=text", "MLGATE_VERIFY_ALL=true",
			"GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+env["GITHUB_OUTPUT"], "GITHUB_STEP_SUMMARY="+env["GITHUB_STEP_SUMMARY"])
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	code, out := run("part-*.parquet\n")
	if code != 1 || !strings.Contains(out, "title=column.age.max::") {
		t.Fatalf("exit %d, want 1 with an annotation:\n%s", code, out)
	}
	doc := readEvidence(t, filepath.Join(work, "evidence.json"))
	if len(doc.Subject.Files) != 2 {
		t.Fatalf("the glob did not reach mlgate: %+v", doc.Subject.Files)
	}
	if outputs, _ := os.ReadFile(env["GITHUB_OUTPUT"]); !strings.Contains(string(outputs), "600") {
		t.Fatalf("rows output missing:\n%s", outputs)
	}
	code, out = run(`$(touch pwned) part-0.parquet`)
	if _, err := os.Stat(filepath.Join(work, "pwned")); err == nil {
		t.Fatal("a file name was executed by the shell")
	}
	if code != 2 || !strings.Contains(out, "$(touch") {
		t.Fatalf("exit %d, want 2 naming the missing file:\n%s", code, out)
	}
}
