// Package testenv finds what tests need outside the repository: the shared
// corpora beside the clone and the real third-party CLIs (cosign, opa,
// actionlint, act, node packages, SciPy). A test that needs one and does not find
// it is skipped with a clear message on a developer's machine, and fails in CI
// (CI=true), where .ci/run installs everything.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot is the repository's top folder, found from this source file.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testenv: cannot locate the repository root")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared returns a path under ../shared (the corpora beside the clone), skipping
// the test when it is absent outside CI.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(t), "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		missing(t, "shared corpus "+p+" is absent (it sits beside the clone in CI)")
	}
	return p
}

// Tool returns the path of an installed CLI, looking on PATH and in GOBIN.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range goBinDirs() {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	missing(t, name+" is not installed (run .ci/run or 'make tools' to install the pinned version)")
	return ""
}

// NodeModule returns the folder of an npm package installed by 'make tools'
// under scripts/npm/node_modules.
func NodeModule(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "scripts", "npm", "node_modules", filepath.FromSlash(name))
	if _, err := os.Stat(p); err != nil {
		missing(t, "npm package "+name+" is not installed (run 'make tools')")
	}
	return p
}

func goBinDirs() []string {
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		return []string{gobin}
	}
	var dirs []string
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		for _, p := range filepath.SplitList(gopath) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	return dirs
}

// InCI reports whether the tests run strictly (.ci/run), where nothing may be skipped.
func InCI() bool { return os.Getenv("MLGATE_STRICT_TESTS") == "1" }

func missing(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s; MLGATE_STRICT_TESTS=1 requires it", why)
	}
	t.Skipf("skipped: %s", why)
}
