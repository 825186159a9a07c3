package display

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/mlgate/mlgate/pkg/progress"
)

// TestBarOnATerminal draws a bar on a real pseudo-terminal.
func TestBarOnATerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	_ = pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100})
	r := For(tty, func(string) string { return "" })
	if _, ok := r.(Terminal); !ok {
		t.Fatalf("For(a terminal) = %T, want a Terminal", r)
	}
	task := r.Start("hashing model", progress.Bytes, 8<<20)
	task.Add(4 << 20)
	task.Done()
	tty.Close()
	got := readAll(t, ptmx)
	if !strings.Contains(got, "hashing model") || !strings.Contains(got, "MiB") || !strings.Contains(got, "%") {
		t.Fatalf("no bar on the terminal: %q", got)
	}
	if !strings.Contains(got, "\x1b[") && !strings.Contains(got, "\r") {
		t.Fatalf("the bar is not redrawn in place: %q", got)
	}
}

// TestLinesOffATerminal: a pipe (a log) gets plain lines, and so does a
// terminal inside GitHub Actions; never an escape code.
func TestLinesOffATerminal(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	check := func(f *os.File, getenv func(string) string) {
		l, ok := For(f, getenv).(*Log)
		if !ok {
			t.Fatalf("For(%s) = %T, want a Log", f.Name(), For(f, getenv))
		}
		clock := &fakeClock{t: time.Unix(0, 0)}
		l.Now = clock.Now
		task := l.Start("reading Parquet", progress.Bytes, 100<<20)
		clock.advance(DefaultEvery)
		task.Add(50 << 20)
		task.Done()
	}
	check(pw, func(string) string { return "" })
	pw.Close()
	got := readAll(t, pr)
	want := "mlgate: reading Parquet: 50 MiB of 100 MiB (50%), 10 MiB/s, 5s\nmlgate: reading Parquet: done, 50 MiB, 10 MiB/s, 5s\n"
	if got != want {
		t.Fatalf("log: %q, want %q", got, want)
	}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	check(tty, func(k string) string {
		if k == "GITHUB_ACTIONS" {
			return "true"
		}
		return ""
	})
	tty.Close()
	if got := readAll(t, ptmx); strings.ContainsAny(got, "\x1b") || !strings.Contains(got, "reading Parquet: 50 MiB of 100 MiB") {
		t.Fatalf("in Actions: %q", got)
	}
}

// readAll reads until EOF or, on a pty master, until the slave side is
// closed (Linux reports EIO then).
func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	var b bytes.Buffer
	_, _ = io.Copy(&b, r)
	return b.String()
}
