package workflowtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/mlgate/mlgate/internal/testenv"
)

// TestTmuxCaptureFits runs scripts/tmux-capture.sh, the report of the demo's
// evidence in a real terminal (tmux) at 80 and 200 columns, and reads the
// screens as a reader would: no line wider than the terminal (the capture
// joins the lines tmux wrapped) and the verdict first. The captures are kept
// in $MLGATE_ARTIFACTS when it is set.
func TestTmuxCaptureFits(t *testing.T) {
	testenv.Tool(t, "tmux")
	bin := mlgateBinary(t)
	root := testenv.RepoRoot(t)
	demo := t.TempDir()
	evidence := filepath.Join(demo, "evidence")
	os.MkdirAll(evidence, 0o755)
	src, _ := filepath.Glob(filepath.Join(root, "testdata", "report", "demo", "*.json"))
	if len(src) == 0 {
		t.Fatal("no demo evidence in testdata/report/demo")
	}
	for _, f := range src {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(evidence, filepath.Base(f)), data, 0o644)
	}
	artifacts := os.Getenv("MLGATE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else {
		artifacts = filepath.Join(artifacts, "tmux")
	}
	cmd := exec.CommandContext(testenv.Context(t), "bash", filepath.Join(root, "scripts", "tmux-capture.sh"), demo, artifacts, bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux-capture.sh: %v\n%s", err, out)
	}
	for _, width := range []int{80, 200} {
		data, err := os.ReadFile(filepath.Join(artifacts, "report-"+strconv.Itoa(width)+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		screen := strings.TrimSpace(string(data))
		lines := strings.Split(screen, "\n")
		if len(lines) < 20 {
			t.Fatalf("%d columns: the capture has %d lines:\n%s", width, len(lines), screen)
		}
		for i, line := range lines {
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("%d columns: line %d is %d wide: %s", width, i+1, w, line)
			}
		}
		if !strings.HasPrefix(lines[0], "WARN: Can merge and promote") {
			t.Errorf("%d columns: the first line is not the verdict: %q", width, lines[0])
		}
		// Each section once: the demo prints each summary once.
		for _, title := range []string{"Promotion decision", "Data validation", "Drift", "Signature", "Signature verification", "Attestation verification"} {
			heading := regexp.MustCompile(`(?m)^(PASS|WARN|FAIL|ERROR) ` + title + `: `)
			if n := len(heading.FindAllString(screen, -1)); n != 1 {
				t.Errorf("%d columns: the section %q appears %d times, want once", width, title, n)
			}
		}
	}
}
