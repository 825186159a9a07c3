package readlimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(small, 5, "a test file"); err != nil || string(data) != "12345" {
		t.Fatalf("a file at the limit: %q, %v", data, err)
	}
	_, err := ReadFile(small, 4, "a test file")
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Path != small || !strings.Contains(err.Error(), small+": larger than 4 bytes, not a test file") {
		t.Fatalf("a file over the limit: %v", err)
	}
	// /dev/zero reports size 0 and never ends: the limit stops it.
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadFile("/dev/zero", 1<<20, "")
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), "/dev/zero: larger than 1 MiB") {
			t.Fatalf("/dev/zero: %v", err)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 10, "a test file"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
}
