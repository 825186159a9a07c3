package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

var signInputRef = regexp.MustCompile(`^\$\{\{ inputs\.([a-z-]+) \}\}$`)

// runSignActionStep runs one step's script as the runner would: its env block
// with the inputs substituted (or their defaults), RUNNER_TEMP holding the
// mlgate binary the build step makes, and the Actions files.

func runSignActionStep(t *testing.T, a testenv.Action, stepID, runnerTemp string, inputs map[string]string) (cliResult, map[string]string) {
	t.Helper()
	env := actionsEnv(t)
	env["RUNNER_TEMP"] = runnerTemp
	env["PATH"] = strings.TrimPrefix(pathWith(binaryDir(t)), "PATH=")
	env["HOME"] = os.Getenv("HOME")
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action has no input %q", name)
		}
	}
	for _, s := range a.Runs.Steps {
		if s.ID != stepID {
			continue
		}
		for k, v := range s.Env {
			m := signInputRef.FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("step %s env %s=%q is not an input", stepID, k, v)
			}
			val, ok := inputs[m[1]]
			if !ok {
				val = a.Inputs[m[1]].Default
			}
			env[k] = val
		}
		env["GITHUB_ACTION_PATH"] = filepath.Join(testenv.RepoRoot(t), "actions", "sign") // scripts source ../setup/lib.sh
		cmd := exec.Command("bash", "-c", s.Run)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		out, _ := os.ReadFile(env["GITHUB_OUTPUT"])
		return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}, map[string]string{"output": string(out)}
	}
	t.Fatalf("action has no step %q", stepID)
	return cliResult{}, nil
}

// TestSignVerifyActionsRunTheirScripts runs the sign and verify actions' shell
// steps with a real mlgate build: inputs arrive only through env, and a
// tampered model fails the verify step.
func TestSignVerifyActionsRunTheirScripts(t *testing.T) {
	for _, name := range []string{"sign", "verify"} {
		for _, s := range actionFile(t, name).Runs.Steps {
			if strings.Contains(s.Run, "${{") {
				t.Errorf("actions/%s step %q expands an expression inside run:", name, s.ID)
			}
		}
	}
	runnerTemp := t.TempDir()
	key, pub := testKey(t)
	model := writeModel(t)
	sign, verify := actionFile(t, "sign"), actionFile(t, "verify")

	r, files := runSignActionStep(t, sign, "sign", runnerTemp, map[string]string{"path": model, "key": key, "key-password": testKeyPassword, "ignore-paths": "  tokenizer  \n"})
	r.wantCode(t, 0)
	if !strings.Contains(files["output"], filepath.Join(model, "model.sig")) {
		t.Fatalf("sign outputs:\n%s", files["output"])
	}
	r, _ = runSignActionStep(t, verify, "verify", runnerTemp, map[string]string{"path": model, "key": pub})
	r.wantCode(t, 0)
	appendTo(t, filepath.Join(model, "config.json"), " ")
	r, files = runSignActionStep(t, verify, "verify", runnerTemp, map[string]string{"path": model, "key": pub})
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "::error") || !strings.Contains(r.stdout, "config.json") || !strings.Contains(files["output"], "fail") {
		t.Fatalf("verify did not annotate the modified file:\n%s\n%s", r.stdout, files["output"])
	}
	// Keyless with no identity to require cannot run.
	r, _ = runSignActionStep(t, verify, "verify", runnerTemp, map[string]string{"path": model})
	r.wantCode(t, 2)
}

func writeTestFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
