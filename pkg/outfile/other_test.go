//go:build !linux

package outfile

import "errors"

var errNotLinux = errors.New("FIFO and device tests run on Linux only")

func mkfifo(string) error    { return errNotLinux }
func mknodNull(string) error { return errNotLinux }
