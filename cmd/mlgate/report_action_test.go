package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
)

// TestReportActionScript runs the action's Report step with bash and the real
// mlgate binary, as the runner would.
func TestReportActionScript(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	script := stepScript(t, "report", "report")
	bin := binaryDir(t)
	evidenceDir := filepath.Dir(writeReportEvidence(t, true)[0])
	f := githubfake.New(t)

	run := func(inputs map[string]string, extra ...string) (string, int) {
		t.Helper()
		env := []string{pathWith(bin), "HOME=" + t.TempDir()}
		for _, k := range []string{"INPUT_COMMENT", "INPUT_ISSUE", "INPUT_ID", "INPUT_TITLE", "INPUT_MODE", "INPUT_LABEL",
			"INPUT_PR_NUMBER", "INPUT_OUT", "INPUT_REQUIRE_POST", "INPUT_API_URL", "INPUT_EVIDENCE", "INPUT_FAIL_ON"} {
			env = append(env, k+"="+map[string]string{"INPUT_COMMENT": "auto", "INPUT_ISSUE": "false", "INPUT_ID": "mlgate",
				"INPUT_MODE": "update", "INPUT_LABEL": "mlgate", "INPUT_REQUIRE_POST": "false", "INPUT_FAIL_ON": "fail"}[k])
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
	if code != 1 || !strings.Contains(out, "FAIL: Do not merge or promote: 1 check failed") || strings.Count(out, "PASS Promotion decision") != 2 {
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
