package parquetx

import (
	"fmt"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// Handle is a data file as a run knows it before reading it: its path,
// columns and live row count. A lakehouse table's metadata states these
// for each live file (Deferred), so a check decided by them opens no file;
// the footer is read on first need (File). A file opened beforehand is a
// Handle too (Opened), so a run has one kind of file.
type Handle struct {
	Path string
	// Schema is the file's columns: the footer's once opened, else the
	// ones it was described with (flat leaves, none of them constant
	// unless the description says so).
	Schema *Schema
	// Rows is the live row count (rows the file holds and does not exclude).
	Rows int64

	open func() (*File, error)
	mu   sync.Mutex
	file *File
	err  error
}

// Opened is the handle of an open file.
func Opened(f *File) *Handle {
	return &Handle{Path: f.Path, Schema: f.Schema, Rows: f.LiveRows(), file: f}
}

// OpenedAll is Opened for each file.
func OpenedAll(files []*File) []*Handle {
	out := make([]*Handle, len(files))
	for i, f := range files {
		out[i] = Opened(f)
	}
	return out
}

// Deferred is the handle of a file not opened yet, described by its flat
// columns (leaves with a type, physical type and repetition; Const set for
// a column whose value the description knows) and live row count; open
// reads it when a check needs its footer or data.
func Deferred(path string, cols []*Column, rows int64, open func() (*File, error)) *Handle {
	s := &Schema{byPath: map[string]*Column{}}
	for i, c := range cols {
		c := *c
		c.Leaf, c.Index = true, i
		s.add(&c)
	}
	return &Handle{Path: path, Schema: s, Rows: rows, open: open}
}

// IsOpen reports whether the file was opened.
func (h *Handle) IsOpen() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.file != nil
}

// File opens the file on first call. A file whose columns are not the ones
// it was described with (other names, order, types, or physical types) or
// whose live row count differs is refused naming it: checks already
// decided from the description would not hold for it.
func (h *Handle) File() (*File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file != nil || h.err != nil {
		return h.file, h.err
	}
	f, err := h.open()
	if err == nil {
		if err = h.agrees(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		h.err = err
		return nil, err
	}
	h.file, h.Schema = f, f.Schema
	return f, nil
}

// agrees checks an opened file against its description.
func (h *Handle) agrees(f *File) error {
	differ := func(format string, args ...any) error {
		return &CorruptError{File: h.Path, RowGroup: -1, Reason: "the file does not match the table's description of it: " + fmt.Sprintf(format, args...)}
	}
	want, got := h.Schema.Columns, f.Schema.Columns
	if len(want) != len(got) {
		return differ("%d columns, described with %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		switch {
		case g.Path != w.Path:
			return differ("column %d is %q, described as %q", i+1, g.Path, w.Path)
		case !g.Leaf || g.Type != w.Type:
			return differ("column %q is %s, described as %s", g.Path, g.Type, w.Type)
		case g.Physical != w.Physical && !g.Type.Name.IsDecimal():
			return differ("column %q is stored as %s, described as %s", g.Path, g.Physical, w.Physical)
		case w.Const != nil && (g.Const == nil || !parquet.Equal(*g.Const, *w.Const)):
			return differ("column %q does not hold the value the table gives it", g.Path)
		}
	}
	if n := f.LiveRows(); n != h.Rows {
		return differ("%d live rows, described with %d", n, h.Rows)
	}
	return nil
}

// Close closes the file if it was opened.
func (h *Handle) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file == nil {
		return nil
	}
	return h.file.Close()
}

// CloseHandles closes handles whose files were only read.
func CloseHandles(hs []*Handle) {
	for _, h := range hs {
		h.Close()
	}
}
