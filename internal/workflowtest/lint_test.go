package workflowtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/mlgate/mlgate/internal/testenv"
)

// actionFiles lists action.yml at the root and under actions/.
func actionFiles(t *testing.T) []string {
	t.Helper()
	root := testenv.RepoRoot(t)
	files := []string{filepath.Join(root, "action.yml")}
	more, _ := filepath.Glob(filepath.Join(root, "actions", "*", "action.yml"))
	return append(files, more...)
}

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), ".github", "workflows", "*.yml"))
	if len(files) == 0 {
		t.Fatal("no workflows found")
	}
	return files
}

func TestActionlintIsClean(t *testing.T) {
	actionlint := testenv.Tool(t, "actionlint")
	cmd := exec.Command(actionlint, "-color=false")
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint found problems:\n%s", out)
	}
}

// node is a YAML mapping walked generically.
type node = map[string]any

func loadYAML(t *testing.T, path string) node {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var n node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// steps returns every step of an action (runs.steps) or a workflow (jobs.*.steps).
func steps(n node) []node {
	var out []node
	collect := func(v any) {
		list, _ := v.([]any)
		for _, s := range list {
			if m, ok := s.(node); ok {
				out = append(out, m)
			}
		}
	}
	if runs, ok := n["runs"].(node); ok {
		collect(runs["steps"])
	}
	if jobs, ok := n["jobs"].(node); ok {
		for _, j := range jobs {
			if jm, ok := j.(node); ok {
				collect(jm["steps"])
			}
		}
	}
	return out
}

// TestNoExpressionsInScripts enforces that inputs and event data reach scripts
// only through env:, never as ${{ }} inside run:, where they would be pasted
// into the script before the shell parses it (script injection).
func TestNoExpressionsInScripts(t *testing.T) {
	for _, f := range append(actionFiles(t), workflowFiles(t)...) {
		for _, s := range steps(loadYAML(t, f)) {
			if run, ok := s["run"].(string); ok && strings.Contains(run, "${{") {
				t.Errorf("%s: step %v interpolates an expression inside run:\n%s", f, s["name"], run)
			}
		}
	}
}

var pinnedSHA = regexp.MustCompile(`^[^@]+@[0-9a-f]{40}$`)

// TestThirdPartyActionsPinnedBySHA: a tag can be moved, a commit cannot.
func TestThirdPartyActionsPinnedBySHA(t *testing.T) {
	for _, f := range append(actionFiles(t), workflowFiles(t)...) {
		data, _ := os.ReadFile(f)
		for _, s := range steps(loadYAML(t, f)) {
			uses, _ := s["uses"].(string)
			if uses == "" || strings.HasPrefix(uses, "./") || strings.HasPrefix(uses, "docker://") {
				continue
			}
			// The example workflows use mlgate's own actions by release tag, and
			// say in their header to pin them to that release's commit when copied.
			if strings.HasPrefix(uses, "mlgate/mlgate/") && strings.HasPrefix(filepath.Base(f), "example-") {
				continue
			}
			if !pinnedSHA.MatchString(uses) {
				t.Errorf("%s: %q is not pinned by commit SHA", f, uses)
				continue
			}
			// The version is kept readable in a comment beside the pin.
			if !regexp.MustCompile(regexp.QuoteMeta(uses) + ` # v\d`).Match(data) {
				t.Errorf("%s: %q has no '# vX.Y.Z' comment", f, uses)
			}
		}
	}
}

// TestWorkflowsDeclarePermissions: least privilege needs an explicit
// top-level or per-job permissions block.
func TestWorkflowsDeclarePermissions(t *testing.T) {
	for _, f := range workflowFiles(t) {
		n := loadYAML(t, f)
		if _, ok := n["permissions"]; ok {
			continue
		}
		jobs, _ := n["jobs"].(node)
		for name, j := range jobs {
			if jm, ok := j.(node); ok {
				if _, ok := jm["permissions"]; !ok {
					t.Errorf("%s: job %s has no permissions and the workflow sets none", f, name)
				}
			}
		}
	}
}
