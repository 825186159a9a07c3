package actions

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stepEnv is a GitHub Actions step environment with its files in a temporary folder.
func stepEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"GITHUB_ACTIONS": "true"}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
		p := filepath.Join(dir, strings.ToLower(k))
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		env[k] = p
	}
	return env
}

func newRuntime(env map[string]string) (*Runtime, *bytes.Buffer) {
	var out bytes.Buffer
	return New(func(k string) string { return env[k] }, &out), &out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseFileCommands reads name<<DELIM blocks the way the runner does.
func parseFileCommands(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("line %q is not a heredoc", lines[i])
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("heredoc %s not closed", delim)
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func TestSetOutputAndEnv(t *testing.T) {
	env := stepEnv(t)
	rt, _ := newRuntime(env)
	hostile := "line1\nEOF\nghadelimiter_x\ninjected=1"
	if err := rt.SetOutput("status", "fail"); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetOutput("message", hostile); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetEnv("MLGATE_STATUS", "fail"); err != nil {
		t.Fatal(err)
	}
	got := parseFileCommands(t, read(t, env["GITHUB_OUTPUT"]))
	if len(got) != 2 || got["status"] != "fail" || got["message"] != hostile {
		t.Fatalf("outputs = %q", got)
	}
	if e := parseFileCommands(t, read(t, env["GITHUB_ENV"])); e["MLGATE_STATUS"] != "fail" {
		t.Fatalf("env = %q", e)
	}
}

func TestDelimitersDiffer(t *testing.T) {
	env := stepEnv(t)
	rt, _ := newRuntime(env)
	rt.SetOutput("a", "1")
	rt.SetOutput("b", "2")
	text := read(t, env["GITHUB_OUTPUT"])
	first := strings.SplitN(strings.Split(text, "\n")[0], "<<", 2)[1]
	if strings.Count(text, first) != 2 {
		t.Fatalf("delimiter %q reused:\n%s", first, text)
	}
}

func TestValueContainingDelimiterIsRefused(t *testing.T) {
	env := stepEnv(t)
	rt, _ := newRuntime(env)
	// A fixed random source makes the delimiter known, as an attacker would wish.
	rt.random = bytes.NewReader(make([]byte, 64))
	delim := "ghadelimiter_" + strings.Repeat("00", 16)
	err := rt.SetOutput("x", "a\n"+delim+"\nevil<<E\npwned\nE")
	if err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if read(t, env["GITHUB_OUTPUT"]) != "" {
		t.Fatal("a refused value was written")
	}
}

func TestInvalidNamesAreRefused(t *testing.T) {
	rt, _ := newRuntime(stepEnv(t))
	for _, name := range []string{"", "a\nb", "a=b", "a<<b"} {
		if err := rt.SetOutput(name, "v"); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

func TestMissingFilesDoNotPanic(t *testing.T) {
	rt, out := newRuntime(map[string]string{"GITHUB_ACTIONS": "true"})
	if err := rt.SetOutput("a", "1"); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT") {
		t.Errorf("SetOutput without GITHUB_OUTPUT: %v", err)
	}
	if err := rt.SetEnv("a", "1"); err == nil {
		t.Error("SetEnv without GITHUB_ENV should say so")
	}
	if err := rt.AddSummary("# hi"); err == nil {
		t.Error("AddSummary without GITHUB_STEP_SUMMARY should say so")
	}
	rt.Annotate(Annotation{Level: LevelError, Message: "m"})
	rt.Group("g", func() {})
	if out.Len() == 0 {
		t.Error("annotations and groups should still reach the log")
	}
	unwritable := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(t.TempDir(), "no", "such", "dir")}
	rt, _ = newRuntime(unwritable)
	if err := rt.SetOutput("a", "1"); err == nil {
		t.Error("an unwritable GITHUB_OUTPUT should be an error")
	}
}

func TestOutsideActionsEverythingIsQuiet(t *testing.T) {
	rt, out := newRuntime(map[string]string{})
	if rt.Enabled() {
		t.Fatal("enabled without GITHUB_ACTIONS")
	}
	if err := rt.SetOutput("a", "1"); err != nil {
		t.Error(err)
	}
	if err := rt.AddSummary("x"); err != nil {
		t.Error(err)
	}
	rt.Annotate(Annotation{Level: LevelError, Message: "m"})
	rt.Mask("secret")
	ran := false
	rt.Group("g", func() { ran = true })
	if !ran || out.Len() != 0 {
		t.Fatalf("ran=%v out=%q", ran, out.String())
	}
}

func TestAnnotationsAreEscaped(t *testing.T) {
	rt, out := newRuntime(stepEnv(t))
	rt.Annotate(Annotation{Level: LevelError, Title: "col::a,b", Message: "bad\n::error::pwned\r\n%0A",
		File: "data/x,y.parquet", Line: 3, Column: 2})
	rt.Annotate(Annotation{Level: LevelWarning, Message: "w"})
	rt.Annotate(Annotation{Level: LevelNotice, Message: "n"})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 command lines, got %d:\n%s", len(lines), out.String())
	}
	want := "::error col=2,file=data/x%2Cy.parquet,line=3,title=col%3A%3Aa%2Cb::bad%0A::error::pwned%0A%250A"
	if lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "::warning::w") || !strings.HasPrefix(lines[2], "::notice::n") {
		t.Errorf("levels: %q", lines[1:])
	}
}

func TestGroupAndMask(t *testing.T) {
	rt, out := newRuntime(stepEnv(t))
	rt.Group("evidence\n::error::x", func() { out.WriteString("inside\n") })
	rt.Mask("s3cret\nline2")
	want := "::group::evidence%0A::error::x\ninside\n::endgroup::\n::add-mask::s3cret\n::add-mask::line2\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWriteFailureDoesNotPanic(t *testing.T) {
	env := stepEnv(t)
	rt := New(func(k string) string { return env[k] }, failingWriter{})
	rt.Annotate(Annotation{Level: LevelError, Message: "m"})
	rt.Group("g", func() {})
	rt.Mask("x")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestSummarySizeGuard(t *testing.T) {
	env := stepEnv(t)
	rt, _ := newRuntime(env)
	if err := rt.AddSummary("# first\n"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("| row | of | a | table |\n", MaxSummaryBytes/20)
	err := rt.AddSummary(big)
	if !errors.Is(err, ErrSummaryTooLarge) {
		t.Fatalf("err = %v, want ErrSummaryTooLarge", err)
	}
	got := read(t, env["GITHUB_STEP_SUMMARY"])
	if len(got) > MaxSummaryBytes {
		t.Fatalf("summary is %d bytes, over the limit", len(got))
	}
	if !strings.HasPrefix(got, "# first\n") || !strings.Contains(got, "limited to 1 MiB") {
		t.Fatal("the summary should keep what was there and say it was cut")
	}
	if err := rt.AddSummary(strings.Repeat("more\n", 20000)); !errors.Is(err, ErrSummaryTooLarge) {
		t.Fatalf("a full summary should refuse more: %v", err)
	}
	if got := read(t, env["GITHUB_STEP_SUMMARY"]); len(got) > MaxSummaryBytes {
		t.Fatalf("summary grew to %d bytes", len(got))
	}
}

func TestInput(t *testing.T) {
	rt, _ := newRuntime(map[string]string{"INPUT_EVIDENCE_FILES": "  a.json b.json \n", "INPUT_MODE": "update"})
	if got := rt.Input("evidence files"); got != "a.json b.json" {
		t.Errorf("Input(evidence files) = %q", got)
	}
	if got := rt.Input("mode"); got != "update" {
		t.Errorf("Input(mode) = %q", got)
	}
	if got := rt.Input("missing"); got != "" {
		t.Errorf("Input(missing) = %q", got)
	}
}
