package workflowtest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/mlgate/mlgate/internal/testenv"
)

// signCmd is mlgate signing a new 16 MiB model with the test key.
func signCmd(t *testing.T) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	os.MkdirAll(model, 0o755)
	os.WriteFile(filepath.Join(model, "weights.bin"), bytes.Repeat([]byte("w"), 16<<20), 0o644)
	key := filepath.Join(testenv.RepoRoot(t), "testdata", "signing", "test.key")
	cmd := exec.CommandContext(testenv.Context(t), mlgateBinary(t), "sign", "--key", key, "--out", filepath.Join(dir, "sig.json"), model)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=mlgate-test", "GITHUB_ACTIONS=", "TERM=xterm-256color")
	return cmd
}

// TestProgressBarOnATerminal: mlgate on a terminal draws a bar on stderr while
// it hashes the model (the bar is drawn at the start, so the test does not
// depend on how long hashing takes).
func TestProgressBarOnATerminal(t *testing.T) {
	cmd := signCmd(t)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer f.Close()
	var out bytes.Buffer
	io.Copy(&out, f) // until the child exits (EIO)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "hashing model") || !strings.Contains(out.String(), "\x1b[") {
		t.Errorf("no progress bar on the terminal:\n%q", out.String())
	}
}

// TestNoEscapeCodesInALog: with stderr and stdout a pipe (a CI log), mlgate
// writes no escape code at all; progress there is a plain line every few
// seconds (pkg/progress tests its lines with a fake clock).
func TestNoEscapeCodesInALog(t *testing.T) {
	cmd := signCmd(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sign: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "\x1b") || strings.Contains(stderr.String(), "\r") {
		t.Errorf("escape codes in a log:\nstdout %q\nstderr %q", stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "signed") {
		t.Errorf("no summary:\n%s", stdout.String())
	}
}
