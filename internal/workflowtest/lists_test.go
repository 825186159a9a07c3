package workflowtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// libSh runs a bash snippet with actions/setup/lib.sh sourced.
func libSh(t *testing.T, env []string, script string) string {
	t.Helper()
	lib := filepath.Join(testenv.RepoRoot(t), "actions", "setup", "lib.sh")
	cmd := exec.Command("bash", "-c", "set -euo pipefail; source \"$LIB\"; "+script)
	cmd.Env = append(append(os.Environ(), "LIB="+lib), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return string(out)
}

// TestListInputsOnePerLine: the one reader of list inputs keeps a line whole
// (paths with spaces), trims it and skips blank lines; "words" inputs, which
// once took spaces, still split a single line.
func TestListInputsOnePerLine(t *testing.T) {
	show := `printf '[%s]' "${list[@]}"; echo "${#list[@]}"`
	for _, c := range []struct{ value, mode, want string }{
		{"a b\n  c d  \n\n e\n", "", "[a b][c d][e]3"},
		{"a b\n", "words", "[a b]1"},
		{"a b  *.json", "words", "[a][b][*.json]3"},
		{"one path", "", "[one path]1"},
		{"", "words", "[]0"},
	} {
		got := strings.TrimSpace(libSh(t, []string{"V=" + c.value}, `mlgate_list "$V" `+c.mode+`; `+show))
		if got != c.want {
			t.Errorf("mlgate_list %q %s = %s, want %s", c.value, c.mode, got, c.want)
		}
	}
}

// TestEvidenceOutOneDefault: every action's evidence goes, unless out says
// otherwise, to a new file under RUNNER_TEMP, so two steps of a job (two
// verifications) never write one file.
func TestEvidenceOutOneDefault(t *testing.T) {
	tmp := t.TempDir()
	a := libSh(t, []string{"RUNNER_TEMP=" + tmp, "INPUT_OUT="}, `mlgate_out verification`)
	b := libSh(t, []string{"RUNNER_TEMP=" + tmp, "INPUT_OUT="}, `mlgate_out verification`)
	if a == b || !strings.HasPrefix(a, tmp+"/mlgate-") || !strings.HasSuffix(a, "/verification.json\n") {
		t.Errorf("defaults %q and %q: want two new files under %s", a, b, tmp)
	}
	if got := libSh(t, []string{"INPUT_OUT=e/v.json"}, `mlgate_out verification`); got != "e/v.json\n" {
		t.Errorf("with out set: %q", got)
	}
	for _, f := range actionFiles(t) {
		act := testenv.ReadAction(t, f)
		in, ok := act.Inputs["out"]
		name := filepath.Base(filepath.Dir(f))
		if !ok || name == "report" { // report's out is the markdown report
			continue
		}
		if in.Default != "" || !strings.Contains(in.Description, "default a new file under RUNNER_TEMP") {
			t.Errorf("%s: out defaults to %q (%q); want the one default", f, in.Default, in.Description)
		}
		if data, _ := os.ReadFile(f); !strings.Contains(string(data), "mlgate_out ") {
			t.Errorf("%s: the script does not take its evidence path from mlgate_out", f)
		}
	}
}

// TestListInputsDocumented: no input is documented as space-separated any
// more, and every action with a one-per-line input reads it with mlgate_list.
// The umbrella action passes its lines verbatim (an argument may begin with a
// space), so it is the one exception.
func TestListInputsDocumented(t *testing.T) {
	root := testenv.RepoRoot(t)
	for _, f := range actionFiles(t) {
		if filepath.Dir(f) == root {
			continue
		}
		act := testenv.ReadAction(t, f)
		data, _ := os.ReadFile(f)
		for name, in := range act.Inputs {
			d := strings.Join(strings.Fields(in.Description), " ")
			if strings.Contains(d, "separated by spaces") || strings.Contains(d, "space-separated") {
				t.Errorf("%s: input %s is documented as space-separated: %q", f, name, d)
			}
			if strings.Contains(d, "one per line") && !strings.Contains(string(data), "mlgate_list ") {
				t.Errorf("%s: input %s is one per line, but the script does not read it with mlgate_list", f, name)
			}
		}
	}
}
