//go:build linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// --out /dev/null as root replaced the device with a JSON file. A device
// node with /dev/null's numbers, made with mknod, stays a device.
func TestOutputDeviceWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("SKIP: cannot make a device node with mknod (needs root): %v", err)
	}
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	r := runCLI(t, nil, "profile", "--evidence", dev, data)
	r.wantCode(t, 0)
	st, err := os.Lstat(dev)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("the device was replaced: %v %v", st.Mode(), err)
	}
}
