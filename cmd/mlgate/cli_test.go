package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// cliResult is what one in-process run of the CLI produced.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs mlgate in-process with args and an environment of its own (nothing
// is read from the test process's environment), as a user would from a shell.
func runCLI(t *testing.T, environ map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return environ[k] }
	e := &env{stdout: &stdout, stderr: &stderr, getenv: getenv, now: time.Now}
	e.actions = actions.New(getenv, stepLog{e})
	code := run(args, e)
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// wantCode fails the test unless the run exited with code.
func (r cliResult) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// readEvidence reads an --out file and checks it against the evidence JSON Schema.
func readEvidence(t *testing.T, path string) *evidence.Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("evidence not written: %v", err)
	}
	if err := evidence.ValidateSchema(data); err != nil {
		t.Fatalf("%s does not validate against the evidence schema: %v\n%s", path, err, data)
	}
	doc, err := evidence.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// actionsEnv is an environment that looks like a GitHub Actions step, with its
// output and summary files in a temporary folder.
func actionsEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"GITHUB_ACTIONS": "true"}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"} {
		p := filepath.Join(dir, strings.ToLower(k))
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		env[k] = p
	}
	return env
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "version")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "mlgate ") {
		t.Fatalf("version output %q", r.stdout)
	}
	flag := runCLI(t, nil, "--version")
	flag.wantCode(t, 0)
	if flag.stdout != r.stdout {
		t.Fatalf("--version prints %q, version prints %q", flag.stdout, r.stdout)
	}
}

func TestUnknownFlagIsExit2(t *testing.T) {
	r := runCLI(t, nil, "version", "--no-such-flag")
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "unknown flag") {
		t.Fatalf("stderr %q does not name the flag", r.stderr)
	}
}

// A mistyped subcommand of a group is an error naming it, not help with
// exit 0 (which would pass a CI step that did nothing); the group alone
// prints its help.
func TestUnknownSubcommandIsExit2(t *testing.T) {
	for _, g := range []string{"contract", "policy"} {
		r := runCLI(t, nil, g, "tset", "policies/")
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, `unknown command "tset"`) {
			t.Errorf("mlgate %s tset: stderr %q does not name the command", g, r.stderr)
		}
		r = runCLI(t, nil, g)
		r.wantCode(t, 0)
		if !strings.Contains(r.stdout, "Available Commands:") {
			t.Errorf("mlgate %s: no help:\n%s", g, r.stdout)
		}
	}
	runCLI(t, nil, "tset").wantCode(t, 2)
}

// Boolean flags show as "--flag" in help (not "--flag[=true|false]") and
// still parse as before.
func TestBoolFlagsHelp(t *testing.T) {
	r := runCLI(t, nil, "drift", "--help")
	r.wantCode(t, 0)
	if strings.Contains(r.stdout, "[=true|false]") || !strings.Contains(r.stdout, "--fail-on-drift ") {
		t.Fatalf("help:\n%s", r.stdout)
	}
	// "--flag" alone is true, "--flag=false" false (drift and binding
	// tests run --fail-on-drift=false and --digest for real).
	r = runCLI(t, nil, "version", "--help=false")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "mlgate ") {
		t.Fatalf("--help=false printed help:\n%s", r.stdout)
	}
}

// TestFormatEverywhere: every command that prints a result takes --format,
// and its json is JSON.
func TestFormatEverywhere(t *testing.T) {
	root := testenv.RepoRoot(t)
	for _, args := range [][]string{
		{"version"},
		{"policy", "test", filepath.Join(root, "policies")},
		{"policy", "eval", "--library", "--metrics", filepath.Join(root, "testdata", "gate", "metrics.json")},
		{"contract", "convert", "--to", "odcs", filepath.Join(root, "testdata", "contracts", "features.yaml")},
	} {
		r := runCLI(t, nil, append(args, "--format", "json")...)
		out := r.stdout
		if args[0] == "contract" {
			out = r.stderr // the contract is on stdout; the result beside it
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%v --format json: %v\n%s", args, err, out)
		}
		if r := runCLI(t, nil, append(args, "--format", "markdown")...); r.code > 1 {
			t.Errorf("%v --format markdown: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	root2 := runCLI(t, nil, "--help")
	for _, line := range strings.Split(root2.stdout, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasSuffix(line, ":") || !strings.HasPrefix(line, "  ") {
			continue
		}
		switch fields[0] {
		case "help", "completion":
			continue
		}
		if h := runCLI(t, nil, fields[0], "--help"); h.code == 0 && !strings.Contains(h.stdout, "--format") && !strings.Contains(h.stdout, "Available Commands") {
			t.Errorf("mlgate %s has no --format", fields[0])
		}
	}
}
