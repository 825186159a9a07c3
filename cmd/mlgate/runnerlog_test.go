package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/runnercmd"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// logAttacks are untrusted strings that the runner takes for commands when
// they reach the log raw (issue #11).
var logAttacks = []string{
	"##[set-output name=status;]pass",
	"##[stop-commands]zzz",
	"\u2003::warning::from the summary",
	"ok\r::error::after a carriage return",
	"#\u200b#[add-mask]x",
	"\u00ad::notice::soft hyphen",
}

// ownCommands are the workflow commands mlgate itself writes.
var ownCommands = map[string]bool{"error": true, "warning": true, "notice": true, "group": true, "endgroup": true, "add-mask": true}

// checkOwnCommandsOnly fails when the runner would find in out a command
// mlgate did not write.
func checkOwnCommandsOnly(t *testing.T, out string) {
	t.Helper()
	for _, c := range runnercmd.Commands(out) {
		if c.Legacy || !ownCommands[c.Name] {
			t.Errorf("the runner would run %+v from the output:\n%s", c, out)
		}
	}
}

// tokenEnv is a step environment with a token that a stop-commands
// smuggled into the log would unmask.
func tokenEnv(t *testing.T) map[string]string {
	env := actionsEnv(t)
	env["GITHUB_TOKEN"] = "ghs_secret_token"
	return env
}

func TestReportLogsAreRunnerSafe(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, a := range logAttacks {
		d := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: a}, evidence.Tool{Name: "mlgate"}, time.Now())
		d.Add(evidence.Check{ID: "column." + a, Status: evidence.StatusFail, Message: a, Location: &evidence.Location{Column: a}})
		d.Details = evidence.ValidationDetails{Contract: a}
		d.Finish(time.Now())
		d.Summary = a
		p := filepath.Join(dir, "e"+string(rune('a'+i))+".json")
		if err := evidence.Write(p, d); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	for _, format := range []string{"text", "markdown"} {
		r := runCLI(t, tokenEnv(t), append([]string{"report", "--format", format}, files...)...)
		r.wantCode(t, 1)
		checkOwnCommandsOnly(t, r.stdout+r.stderr)
	}
	// Posting: the token is masked before any evidence text is printed. The
	// post is refused as GitHub refuses a token without issues: write (403,
	// which is not retried; an unreachable API is, with backoff for seconds).
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message": "Resource not accessible by integration"}`))
	}))
	defer api.Close()
	env := tokenEnv(t)
	env["GITHUB_REPOSITORY"] = "o/r"
	r := runCLI(t, env, append([]string{"report", "--issue", "--api-url", api.URL}, files...)...)
	checkOwnCommandsOnly(t, r.stdout+r.stderr)
	mask := strings.Index(r.stdout, "::add-mask::ghs_secret_token")
	if first := strings.Index(r.stdout, "set-output name=status"); mask < 0 || first < mask {
		t.Fatalf("the token is not masked before evidence text is printed:\n%s", r.stdout)
	}
	if out, _ := os.ReadFile(env["GITHUB_OUTPUT"]); !strings.Contains(string(out), "status<<") {
		t.Fatal("a failed post set no status output")
	}
}

func TestPolicyTestOutputIsRunnerSafe(t *testing.T) {
	dir := t.TempDir()
	var prints []string
	for _, a := range logAttacks {
		prints = append(prints, "\tprint("+jsonQuote(a)+")")
	}
	os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\nallow if input.ok\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte("package p_test\n\nimport data.p\n\ntest_prints if {\n"+
		strings.Join(prints, "\n")+"\n\tnot p.allow with input as {\"ok\": true}\n}\n"), 0o644)
	r := runCLI(t, tokenEnv(t), "policy", "test", "-v", dir)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "set-output name=status") {
		t.Fatalf("print() output is missing:\n%s", r.stdout)
	}
	checkOwnCommandsOnly(t, r.stdout+r.stderr)
}

func TestPolicyEvalOutputIsRunnerSafe(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "input.json")
	var b strings.Builder
	b.WriteString(`{"names": [`)
	for i, a := range logAttacks {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(jsonQuote(a))
	}
	b.WriteString("]}")
	os.WriteFile(in, []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\ndeny contains n if some n in "+b.String()[len(`{"names": `):b.Len()-1]+"\n"), 0o644)
	r := runCLI(t, tokenEnv(t), "policy", "eval", "--policy", filepath.Join(dir, "p.rego"), "--input", in)
	checkOwnCommandsOnly(t, r.stdout+r.stderr)
	if !strings.Contains(r.stdout, `"input"`) {
		t.Fatalf("no JSON:\n%s\n%s", r.stdout, r.stderr)
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
