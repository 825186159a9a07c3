package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// Inputs reach scripts only through env: an expression inside run: would be
// pasted into the script before bash parses it (script injection).
func TestGateActionPassesInputsThroughEnv(t *testing.T) {
	a := actionFile(t, "gate")
	if a.Runs.Using != "composite" {
		t.Fatalf("using %q", a.Runs.Using)
	}
	envOf := map[string]string{}
	for _, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q has an expression inside run:", s.ID)
		}
		for k, v := range s.Env {
			envOf[v] = k
		}
	}
	for name := range a.Inputs {
		want := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if name == "version" {
			want = "MLGATE_VERSION" // read by the shared installer, actions/setup/install.sh
		}
		if envOf["${{ inputs."+name+" }}"] != want {
			t.Errorf("input %s is not passed as %s", name, want)
		}
	}
}

// actionlint checks a workflow that uses the action, inputs included; a
// misspelt input proves it really reads the action.
func TestGateActionlint(t *testing.T) {
	actionlint := testenv.Tool(t, "actionlint")
	root := testenv.RepoRoot(t)
	workflow, err := os.ReadFile(filepath.Join(root, "testdata", "gate", "workflow.yml"))
	if err != nil {
		t.Fatal(err)
	}
	action, _ := os.ReadFile(filepath.Join(root, "actions", "gate", "action.yml"))
	lint := func(wf string) (string, error) {
		project := t.TempDir()
		for _, d := range []string{".git", ".github/workflows", "actions/gate"} {
			os.MkdirAll(filepath.Join(project, d), 0o755)
		}
		os.WriteFile(filepath.Join(project, "actions/gate/action.yml"), action, 0o644)
		os.WriteFile(filepath.Join(project, ".github/workflows/promote.yml"), []byte(wf), 0o644)
		cmd := exec.Command(actionlint, "-no-color")
		cmd.Dir = project
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := lint(string(workflow)); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
	out, err := lint(strings.Replace(string(workflow), "fail-on-block:", "fail-on-blok:", 1))
	if err == nil || !strings.Contains(out, `input "fail-on-blok" is not defined in action "mlgate gate"`) {
		t.Fatalf("actionlint missed a wrong input: %v\n%s", err, out)
	}
}

// The gate step's script, run by bash as the runner would with the real
// binary: list inputs become repeated flags, fail-on-block decides the exit.
func TestGateActionScript(t *testing.T) {
	bin := binaryDir(t)
	root := testenv.RepoRoot(t)
	temp := t.TempDir()
	var script string
	for _, s := range actionFile(t, "gate").Runs.Steps {
		if s.ID == "gate" {
			script = s.Run
		}
	}
	run := func(metrics, failOnBlock string, extra ...string) (string, int) {
		outputs := filepath.Join(temp, "output")
		os.WriteFile(outputs, nil, 0o644)
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), pathWith(bin),
			"RUNNER_TEMP="+temp, "GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+outputs,
			"GITHUB_STEP_SUMMARY="+filepath.Join(temp, "summary"), "GITHUB_EVENT_PATH=",
			"INPUT_CONFIG=testdata/gate/gate.yaml",
			"INPUT_METRICS="+metrics,
			"INPUT_BASELINE=  testdata/gate/baseline.json  \n\n",
			"INPUT_POLICY=policies/serialization.rego\npolicies/lib.rego",
			"INPUT_MODEL=testdata/gate/model",
			"INPUT_SARIF="+filepath.Join(temp, "gate.sarif"),
			"INPUT_FAIL_ON_BLOCK="+failOnBlock,
			"GITHUB_ACTION_PATH="+filepath.Join(root, "actions", "gate"),
		)
		cmd.Env = append(cmd.Env, extra...)
		out, _ := cmd.CombinedOutput()
		data, _ := os.ReadFile(outputs)
		return string(out) + string(data), cmd.ProcessState.ExitCode()
	}
	out, code := run("testdata/gate/metrics.json", "true")
	if code != 0 || !strings.Contains(out, "\ntrue\n") || !strings.Contains(out, filepath.Join(temp, "mlgate-promotion.json")) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(temp, "gate.sarif")); err != nil {
		t.Fatal("no SARIF written")
	}
	if out, code = run("testdata/gate/regressed.json", "true"); code != 1 || !strings.Contains(out, "\nfalse\n") {
		t.Fatalf("blocked gate: exit %d\n%s", code, out)
	}
	if out, code = run("testdata/gate/regressed.json", "false"); code != 0 || !strings.Contains(out, "fail-on-block is false") {
		t.Fatalf("fail-on-block false: exit %d\n%s", code, out)
	}
	if out, code = run("testdata/gate/absent.json", "false"); code != 2 {
		t.Fatalf("a gate that cannot run must fail: exit %d\n%s", code, out)
	}
	// The library, from the action's source: with no evidence given, its
	// evidence policies block.
	if out, code = run("testdata/gate/metrics.json", "true", "INPUT_LIBRARY=true"); code != 1 || !strings.Contains(out, "no DataValidation evidence") {
		t.Fatalf("library: exit %d\n%s", code, out)
	}
}
