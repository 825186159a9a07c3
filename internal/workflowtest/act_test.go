package workflowtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/testenv"
)

// actRun is what one workflow run under act printed, parsed.
type actRun struct {
	log     string
	outputs map[string]string // "job/step-output" as act logs them: name=value
	ok      bool
}

// snapshot copies the working tree (tracked and untracked, not ignored files)
// into a fresh git repository, so act runs exactly what is on disk.
func snapshot(t *testing.T) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a regular file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=mlgate-test", "-c", "user.email=test@mlgate.invalid", "commit", "-q", "-m", "snapshot"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dst
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dst
}

var setOutput = regexp.MustCompile(`\[([^\]]+)\]\s+⚙\s+::set-output:: ([A-Za-z0-9_-]+)=(.*)$`)

// runAct runs one workflow of the snapshot under act in host mode (the jobs run
// on this machine, as on a self-hosted runner), with an event payload and extra
// environment for the steps.
func runAct(t *testing.T, repo, workflow, event, eventJSON string, env map[string]string) actRun {
	t.Helper()
	act := testenv.Tool(t, "act")
	eventFile := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(eventFile, []byte(eventJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{event, "-W", filepath.Join(".github", "workflows", workflow), "-e", eventFile,
		"-P", "ubuntu-latest=-self-hosted", "--action-offline-mode"}
	for _, k := range sortedKeys(env) {
		args = append(args, "--env", k+"="+env[k])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, act, args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	run := actRun{log: string(out), outputs: map[string]string{}, ok: err == nil}
	sc := bufio.NewScanner(strings.NewReader(run.log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := setOutput.FindStringSubmatch(sc.Text()); m != nil {
			run.outputs[m[1]+"/"+m[2]] = m[3]
		}
	}
	return run
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestSelfTestWorkflowUnderAct(t *testing.T) {
	if testing.Short() {
		t.Skip("act runs are not short")
	}
	repo := snapshot(t)
	run := runAct(t, repo, "actions-selftest.yml", "workflow_dispatch", `{}`, nil)
	if !run.ok {
		t.Fatalf("workflow failed under act:\n%s", run.log)
	}
	if got := run.outputs["actions self-test/setup/source"]; got != "source" {
		t.Errorf("setup output source = %q, want source (outputs %v)", got, run.outputs)
	}
	if !strings.Contains(run.log, "mlgate devel (") {
		t.Errorf("the umbrella action did not run mlgate version:\n%s", run.log)
	}
}
