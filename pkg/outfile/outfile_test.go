package outfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func content(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// wantRefused checks that the plan fails naming every one of names.
func wantRefused(t *testing.T, p *Plan, names ...string) error {
	t.Helper()
	err := p.Check()
	if err == nil {
		t.Fatalf("plan accepted, want it refused naming %v", names)
	}
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Fatalf("error %q does not name %s", err, n)
		}
	}
	return err
}

func TestOutputIsAnInput(t *testing.T) {
	dir := t.TempDir()
	key := write(t, filepath.Join(dir, "cosign.key"), "KEY")
	if err := os.Mkdir(filepath.Join(dir, "linked"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "linked", "hard.key")
	if err := os.Link(key, hard); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		key, // the same path
		filepath.Join(dir, ".", "x", "..", "cosign.key"), // a path that cleans to it
		filepath.Join(dir, "alias", "cosign.key"),        // through a symlinked folder
		hard, // a hard link
	} {
		p := NewPlan(nil)
		p.Input("--key", key)
		p.Output("--out", out)
		wantRefused(t, p, "--key", key, "--out", out)
	}
	if content(t, key) != "KEY" {
		t.Fatal("key changed")
	}
}

func TestOutputInsideInputFolder(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	write(t, filepath.Join(model, "weights.bin"), "W")
	for _, out := range []string{filepath.Join(model, "weights.bin"), filepath.Join(model, "new", "evidence.json")} {
		p := NewPlan(nil)
		p.Input("model", model)
		p.Output("--out", out)
		wantRefused(t, p, "model", model, out)
	}
	// The bundle may lie in the folder it signs (hashing leaves it out).
	p := NewPlan(nil)
	p.Input("model", model)
	b := p.Output("the bundle", filepath.Join(model, "model.sig"))
	b.Within = model
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	// A sibling folder whose name starts with the model's is not inside it.
	p = NewPlan(nil)
	p.Input("model", model)
	p.Output("--out", model+"-evidence.json")
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestOutputsAndRunnerFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.json")
	p := NewPlan(nil)
	p.Output("--out", out)
	p.Output("--evidence", filepath.Join(dir, "sub", "..", "x.json"))
	wantRefused(t, p, "--out", "--evidence", out)

	p = NewPlan(nil)
	p.Output("--out", "-")
	p.Output("--sarif", "-")
	wantRefused(t, p, "--out", "--sarif", "standard output")

	ghOut := write(t, filepath.Join(dir, "github_output"), "")
	p = NewPlan(nil)
	p.Reserve("GITHUB_OUTPUT", ghOut)
	p.Output("--out", ghOut)
	wantRefused(t, p, "GITHUB_OUTPUT", ghOut)
}

func TestStdout(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlan(&buf)
	o := p.Output("--out", Stdout)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("doc")); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "doc" {
		t.Fatalf("stdout %q", buf.String())
	}
	if _, err := os.Stat(Stdout); err == nil {
		t.Fatal("a file named - was created")
	}
}

func TestReplaceKeepsMode(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "out.json"), "old")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewPlan(nil)
	o := p.Output("--out", path)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if content(t, path) != "new" || st.Mode().Perm() != 0o600 {
		t.Fatalf("content %q mode %v", content(t, path), st.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestNewFileInNewFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence", "drift.json")
	p := NewPlan(nil)
	o := p.Output("--out", path)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if content(t, path) != "x" {
		t.Fatal("not written")
	}
}

func TestProtected(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "contract.yaml"), "hand-edited")
	p := NewPlan(nil)
	o := p.Output("--out", path)
	o.Protected = true
	if err := wantRefused(t, p, "--out", path, "already exists"); !errors.Is(err, ErrExists) {
		t.Errorf("refusal %v is not ErrExists, which a CLI names its flag by", err)
	}

	p = NewPlan(nil)
	o = p.Output("--out", path)
	o.Protected, o.Overwrite = true, true
	o.Replaces = func(string) error { return errors.New("not a bundle") }
	wantRefused(t, p, path, "not a bundle")

	o.Replaces = func(string) error { return nil }
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("inferred")); err != nil {
		t.Fatal(err)
	}
	if content(t, path) != "inferred" {
		t.Fatal("not replaced")
	}
}

func TestProtectedAppearedMeanwhile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.sig")
	p := NewPlan(nil)
	o := p.Output("the bundle", path)
	o.Protected = true
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	write(t, path, "someone else's")
	if err := o.Write([]byte("ours")); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want a refusal", err)
	}
	if content(t, path) != "someone else's" {
		t.Fatal("replaced a file that appeared after the check")
	}
}

func TestSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	target := write(t, filepath.Join(dir, "target.json"), "T")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	p := NewPlan(nil)
	p.Output("--out", link)
	wantRefused(t, p, link, "symlink")
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 || content(t, target) != "T" {
		t.Fatal("the link or its target changed")
	}
}

func TestFolderRefused(t *testing.T) {
	dir := t.TempDir()
	p := NewPlan(nil)
	p.Output("--out", dir)
	wantRefused(t, p, dir, "folder")
}

func TestWriteBeforeCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x")
	o := NewPlan(nil).Output("--out", path)
	if err := o.Write([]byte("x")); err == nil {
		t.Fatal("written without a check")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("file created")
	}
}

// A FIFO is written through to the process reading it, not replaced.
func TestFIFOWrittenThrough(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		data, _ := io.ReadAll(f)
		got <- string(data)
	}()
	p := NewPlan(nil)
	o := p.Output("--out", fifo)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Fatalf("reader got %q", s)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
}

// A device node (a copy of /dev/null made with mknod) is written through,
// not replaced by a regular file: the attack of --out /dev/null as root.
func TestDeviceWrittenThrough(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "null")
	if err := mknodNull(dev); err != nil {
		t.Skipf("SKIP: cannot make a device node with mknod (needs root and a file system allowing devices): %v", err)
	}
	p := NewPlan(nil)
	o := p.Output("--out", dev)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("discarded")); err != nil {
		if errors.Is(err, os.ErrPermission) {
			t.Skipf("SKIP: the file system refuses opening device nodes (nodev): %v", err)
		}
		t.Fatal(err)
	}
	st, err := os.Lstat(dev)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("the device was replaced: mode %v, %v", st.Mode(), err)
	}
}

// A failed write names the output, never the temporary file beside it
// (a full disk cannot be arranged here: the error is built as the os
// package builds it).
func TestFailedWriteNamesNoTempFile(t *testing.T) {
	for _, err := range []error{
		&fs.PathError{Op: "write", Path: "/data/.out.json.123.tmp", Err: syscall.ENOSPC},
		&os.LinkError{Op: "rename", Old: "/data/.out.json.123.tmp", New: "/data/out.json", Err: syscall.EXDEV},
	} {
		if got := bare(err).Error(); strings.Contains(got, ".tmp") || got != err.(interface{ Unwrap() error }).Unwrap().Error() {
			t.Errorf("bare(%v) = %q", err, got)
		}
	}
}
