// Package readlimit reads files that arrive from outside the program with a
// bound on their size: a wrong path (/dev/zero, a FIFO, a huge file) or a file
// that grows while it is read is an error naming it, never an out-of-memory
// death. Stat-then-read is not enough: special files report size 0 and
// regular files can grow between the two calls.
package readlimit

import (
	"fmt"
	"io"
	"os"
)

// TooLargeError is a file longer than the limit its reader allows.
type TooLargeError struct {
	Path  string
	Limit int64
	// Kind is what the file should have been, with its article ("a
	// contract"); empty when the reader did not say.
	Kind string
}

func (e *TooLargeError) Error() string {
	if e.Kind == "" {
		return fmt.Sprintf("%s: larger than %s", e.Path, human(e.Limit))
	}
	return fmt.Sprintf("%s: larger than %s, not %s", e.Path, human(e.Limit), e.Kind)
}

// ReadFile reads path, refusing more than limit bytes; kind says what the
// file should be ("a contract") in the error.
func ReadFile(path string, limit int64, kind string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path, limit, kind)
}

// Read reads r to its end, refusing more than limit bytes; name and kind say
// what r is in the error.
func Read(r io.Reader, name string, limit int64, kind string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: name, Limit: limit, Kind: kind}
	}
	return data, nil
}

func human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
