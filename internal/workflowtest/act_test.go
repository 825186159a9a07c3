package workflowtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/testenv"
)

// actRun is what one workflow run under act printed, parsed from act's JSON log.
type actRun struct {
	log       string            // the messages, one a line
	outputs   map[string]string // "jobID/stepID/name" (outer step of a composite) -> value
	steps     map[string]string // "jobID/step name" -> success or failure, for the steps that ran
	summaries map[string]string // jobID -> the job summary, every step's in order
	ok        bool
}

// actOptions is what a run gets beyond its workflow and event.
type actOptions struct {
	env     map[string]string // --env, for the steps
	secrets map[string]string // -s
	local   map[string]string // --local-repository: "owner/repo@ref" -> folder
	// mlgate, when set, is put first on PATH with MLGATE_USE_PATH=true, so
	// that the actions take it instead of building mlgate from source.
	mlgate string
}

// snapshot copies the working tree (tracked and untracked, not ignored files)
// into a fresh git repository, so act runs exactly what is on disk.
func snapshot(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := snapshotTo(testenv.RepoRoot(t), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// snapshotTo makes the snapshot of root in the empty folder dst.
func snapshotTo(root, dst string) error {
	out, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a regular file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		p := filepath.Join(dst, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, st.Mode().Perm()); err != nil {
			return err
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
			return fmt.Errorf("git %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

// runAct runs one workflow of repo under act in host mode (the jobs run on
// this machine, as on a self-hosted runner), offline, with an event payload,
// and its own action cache and tool cache.
func runAct(t *testing.T, repo, workflow, event, eventJSON string, o actOptions) actRun {
	t.Helper()
	act := testenv.Tool(t, "act")
	tmp := t.TempDir()
	eventFile := filepath.Join(tmp, "event.json")
	if err := os.WriteFile(eventFile, []byte(eventJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{event, "-W", filepath.Join(".github", "workflows", workflow), "-e", eventFile,
		"-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--json",
		"--action-cache-path", filepath.Join(tmp, "act-cache")}
	for _, k := range slices.Sorted(maps.Keys(o.env)) {
		args = append(args, "--env", k+"="+o.env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(o.local)) {
		args = append(args, "--local-repository", k+"="+o.local[k])
	}
	env := os.Environ()
	if o.mlgate != "" {
		args = append(args, "--env", "MLGATE_USE_PATH=true")
		env = append(env, "PATH="+filepath.Dir(o.mlgate)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	for _, k := range slices.Sorted(maps.Keys(o.secrets)) {
		// -s NAME takes the value from act's environment, off the command line.
		args = append(args, "-s", k)
		env = append(env, k+"="+o.secrets[k])
	}
	// act gets the test's own deadline; WaitDelay stops waiting for steps that
	// act leaves behind holding its output open.
	cmd := exec.CommandContext(testenv.Context(t), act, args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = repo, env, 30*time.Second
	out, err := cmd.CombinedOutput()
	run := actRun{outputs: map[string]string{}, steps: map[string]string{}, summaries: map[string]string{}, ok: err == nil}
	var log strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		var e struct {
			JobID, Msg, Command, Name, Arg, Content, Step, Stage, StepResult string
			StepID                                                           []string
		}
		if json.Unmarshal([]byte(line), &e) != nil {
			log.WriteString(line + "\n") // not act's JSON: act's own error output
			continue
		}
		log.WriteString(strings.TrimSuffix(e.Msg, "\n") + "\n")
		switch {
		case e.Command == "set-output":
			run.outputs[e.JobID+"/"+strings.Join(e.StepID, "/")+"/"+e.Name] = e.Arg
		case e.Command == "summary" && len(e.StepID) == 1:
			// act resets SUMMARY.md before every step, composite inner steps
			// included, and reports it after each: the outer step of a
			// composite action reports its inner step's summary a second time.
			// The job summary is the top-level steps' (as GitHub shows it).
			run.summaries[e.JobID] += e.Content
		case e.StepResult != "" && e.Stage == "Main" && len(e.StepID) == 1:
			run.steps[e.JobID+"/"+e.Step] = e.StepResult
		}
	}
	run.log = log.String()
	return run
}

func TestSelfTestWorkflowUnderAct(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("act runs are not short")
	}
	repo := snapshot(t)
	run := runAct(t, repo, "actions-selftest.yml", "workflow_dispatch", `{}`, actOptions{})
	if !run.ok {
		t.Fatalf("workflow failed under act:\n%s", run.log)
	}
	if got := run.outputs["setup/setup/source"]; got != "source" {
		t.Errorf("setup output source = %q, want source (outputs %v)", got, run.outputs)
	}
	// The version is "devel" or, built inside a git checkout, a pseudo-version.
	if got := run.steps["setup/The umbrella action runs a command"]; got != "success" ||
		len(regexp.MustCompile(`mlgate \S+ \(go1\.`).FindAllString(run.log, -1)) < 3 {
		t.Errorf("the umbrella action did not run mlgate version (step result %q):\n%s", got, run.log)
	}
}
