package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// The gate step's script, run by bash as the runner would with the real
// binary: list inputs become repeated flags, fail-on-block decides the exit.
func TestGateActionScript(t *testing.T) {
	bin := binaryDir(t)
	root := testenv.RepoRoot(t)
	temp := t.TempDir()
	script := stepScript(t, "gate", "gate")
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
	// The evidence goes to a new file under RUNNER_TEMP (one default for out).
	if code != 0 || !strings.Contains(out, "\ntrue\n") || !strings.Contains(out, temp+"/mlgate-") || !strings.Contains(out, "/promotion.json") {
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
