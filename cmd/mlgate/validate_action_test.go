package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// TestValidateDataActionScript runs the action's validate step with bash, as
// the runner would, on real data: the exit code, the evidence and the outputs
// come from mlgate, and a hostile file name is not executed.
func TestValidateDataActionScript(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	script := stepScript(t, "validate-data", "validate")
	bin := binaryDir(t)
	runnerTemp := t.TempDir()
	work := t.TempDir()
	writeTable(t, work, "part-0.parquet", 300, 100, 1)
	writeTable(t, work, "part-1.parquet", 300, 100, 2)
	os.WriteFile(filepath.Join(work, "contract.yaml"), []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: age\n    max: 60\n"), 0o644)
	env := actionsEnv(t)
	run := func(files string) (int, string) {
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), pathWith(bin), "RUNNER_TEMP="+runnerTemp, "MLGATE_CONTRACT=contract.yaml", "MLGATE_FILES="+files,
			"INPUT_OUT=evidence.json", "MLGATE_FORMAT=text", "MLGATE_VERIFY_ALL=true",
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
