package workflowtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// runScript runs the run: script of an action's step with bash in dir, the
// mlgate built from this checkout on PATH and the runner's files in temp
// folders (no act: the script is what is tested). It returns the exit code,
// the log and the step's GITHUB_OUTPUT.
func runScript(t *testing.T, action, id, dir string, env ...string) (int, string, string) {
	t.Helper()
	bin := mlgateBinary(t)
	temp := t.TempDir()
	output := filepath.Join(temp, "output")
	cmd := exec.Command("bash", "-c", stepScript(t, action, id))
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+output, "GITHUB_STEP_SUMMARY="+filepath.Join(temp, "summary"),
		"RUNNER_TEMP="+temp, "GITHUB_BASE_REF=",
		"GITHUB_ACTION_PATH="+filepath.Join(testenv.RepoRoot(t), "actions", action)), env...)
	log, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(output)
	return code, string(log), string(out)
}

// TestContractDiffActionReadsTheBase: with no old input, the contract-diff
// action compares the contract with its version at the base revision, read
// with git, and says a removed column breaks consumers.
func TestContractDiffActionReadsTheBase(t *testing.T) {
	dir := t.TempDir()
	contract := filepath.Join(dir, "contracts", "features.yaml")
	os.MkdirAll(filepath.Dir(contract), 0o755)
	head := "apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: amount\n    type: double\n"
	os.WriteFile(contract, []byte(head+"  - name: id\n    type: int64\n"), 0o644)
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
	run(t, dir, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
	os.WriteFile(contract, []byte(head), 0o644) // the pull request removes id

	inputs := []string{"INPUT_CONTRACT=contracts/features.yaml", "INPUT_OLD=", "INPUT_FORMAT=text", "INPUT_OUT="}
	code, log, out := runScript(t, "contract-diff", "diff", dir, append(inputs, "INPUT_BASE_REF=main")...)
	if code != 1 || !strings.Contains(out, "breaking<<") || !strings.Contains(out, "\n1\n") || !strings.Contains(log, "id") {
		t.Errorf("a removed column: exit %d, outputs:\n%s\nlog:\n%s", code, out, log)
	}
	if code, log, _ := runScript(t, "contract-diff", "diff", dir, append(inputs, "INPUT_BASE_REF=")...); code != 2 || !strings.Contains(log, "base-ref") {
		t.Errorf("no base to compare with: exit %d, want 2 naming base-ref:\n%s", code, log)
	}
}

// TestProfileActionWritesProfileAndEvidence: the profile action writes the
// profile where asked and its evidence to the one default place.
func TestProfileActionWritesProfileAndEvidence(t *testing.T) {
	dir := t.TempDir()
	run(t, testenv.RepoRoot(t), "go", "run", "./internal/demogen", "-out", dir, "-password", "demo")
	code, log, out := runScript(t, "profile", "profile", dir,
		"INPUT_FILES=data/reference/*.parquet\n", "INPUT_PROFILE=reference.profile.json", "INPUT_SHARD=",
		"INPUT_COLUMNS=income\ncountry\n", "INPUT_DIGEST=false", "INPUT_FORMAT=text", "INPUT_OUT=")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	data, err := os.ReadFile(filepath.Join(dir, "reference.profile.json"))
	if err != nil || !strings.Contains(string(data), "income") || strings.Contains(string(data), "credit_score") {
		t.Errorf("profile of the two columns asked for: %v\n%.300s", err, data)
	}
	if !strings.Contains(out, "evidence<<") || !strings.Contains(out, "/profile.json") {
		t.Errorf("outputs:\n%s", out)
	}
}
