package workflowtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain removes what the tests built once for the package when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	for _, dir := range shared.dirs {
		os.RemoveAll(dir)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// shared holds the folders of what is built once for the package.
var shared struct {
	mu   sync.Mutex
	dirs []string
}

// sharedTemp is a new folder removed when the package's tests end.
func sharedTemp(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	shared.mu.Lock()
	shared.dirs = append(shared.dirs, dir)
	shared.mu.Unlock()
	return dir, nil
}

// sharedBuild builds mlgate from this checkout once for the whole package.
var sharedBuild = sync.OnceValues(func() (string, error) {
	dir, err := sharedTemp("workflowtest-mlgate-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mlgate")
	out, err := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/mlgate/mlgate/cmd/mlgate").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/mlgate: %v\n%s", err, out)
	}
	return bin, nil
})

// mlgateBinary is an mlgate built from this checkout, shared by every test of
// the package: the act runs take it from PATH (MLGATE_USE_PATH=true) instead
// of each building mlgate again, which under load beside other packages' tests
// is what made them slow. Only TestSelfTestWorkflowUnderAct and
// TestSetupBuildsFromSourceWhenNotPinned build from source, as they test that.
func mlgateBinary(t *testing.T) string {
	t.Helper()
	bin, err := sharedBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
