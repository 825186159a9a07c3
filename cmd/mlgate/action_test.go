package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mlgate/mlgate/internal/testenv"
)

// compositeAction is the part of an action.yml the action tests read.
type compositeAction struct {
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

// readAction loads actions/NAME/action.yml and returns its path too.
func readAction(t *testing.T, name string) (string, compositeAction) {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(t), "actions", name, "action.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a compositeAction
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return path, a
}

// actionFile is readAction without the path.
func actionFile(t *testing.T, name string) compositeAction {
	t.Helper()
	_, a := readAction(t, name)
	return a
}

// stepScript returns the run: script of step id in actions/NAME.
func stepScript(t *testing.T, name, id string) string {
	t.Helper()
	for _, s := range actionFile(t, name).Runs.Steps {
		if s.ID == id {
			return s.Run
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

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mlgate-test-bin-")
	if err != nil {
		return "", err
	}
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
