package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// actionFile loads actions/NAME/action.yml.
func actionFile(t *testing.T, name string) testenv.Action {
	t.Helper()
	return testenv.ReadAction(t, filepath.Join(testenv.RepoRoot(t), "actions", name, "action.yml"))
}

// stepScript returns the run: script of step id in actions/NAME.
func stepScript(t *testing.T, name, id string) string {
	t.Helper()
	for _, s := range actionFile(t, name).Runs.Steps {
		if s.ID == id {
			// The runner always sets the action's folder; scripts source
			// ../setup/lib.sh from it.
			dir := filepath.Join(testenv.RepoRoot(t), "actions", name)
			return "export GITHUB_ACTION_PATH=\"${GITHUB_ACTION_PATH:-" + dir + "}\"\n" + s.Run
		}
	}
	t.Fatalf("actions/%s has no step %q", name, id)
	return ""
}

// binaryDir builds mlgate once per test run and returns the folder holding it,
// for tests that run an action's script with the real binary on PATH.
func binaryDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// builtDir is the folder buildOnce made, removed by TestMain (a binary of
// about 100 MB would otherwise be left in the temporary folder by every run).
var builtDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mlgate-test-bin-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "mlgate"), ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, nil
})

// pathWith puts dir first on PATH, as the setup action does.
func pathWith(dir string) string {
	return "PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")
}
