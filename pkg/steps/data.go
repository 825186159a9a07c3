package steps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// DataFiles turns arguments into Parquet file paths: globs are expanded
// (for shells that pass them quoted, as GitHub Actions inputs do), folders
// contribute their *.parquet files, recursively. The result is sorted and
// without duplicates; a pattern that matches nothing is an error.
func DataFiles(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		matches, err := glob(arg)
		if err != nil {
			return nil, err
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("data file: %w", err)
			}
			if !st.IsDir() {
				add(p)
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(q, ".parquet") {
					found = append(found, q)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("folder %s holds no .parquet files", p)
			}
			sort.Strings(found)
			for _, q := range found {
				add(q)
			}
		}
	}
	return out, nil
}

// glob expands one argument that is a pattern; a pattern that matches
// nothing is an error, any other argument is itself.
func glob(arg string) ([]string, error) {
	if !strings.ContainsAny(arg, "*?[") {
		return []string{arg}, nil
	}
	m, err := filepath.Glob(arg)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", arg, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%q matches no files", arg)
	}
	return m, nil
}

// Globs expands file arguments that are patterns (quoted by the shell, as
// GitHub Actions inputs are), keeping the arguments' order: a file given
// twice is read twice, as the shell's expansion would.
func Globs(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		matches, err := glob(arg)
		if err != nil {
			return nil, err
		}
		out = append(out, matches...)
	}
	return out, nil
}

// Remote reaches data in object stores (s3://, gs://, az://, https://) beside
// local files. A nil *Remote reads local files only and refuses URLs. It
// remembers the objects it opened, so the evidence can name the version each
// read was pinned to and what reading it cost.
type Remote struct {
	store   *objstore.Store
	mu      sync.Mutex
	objects map[string]*objstore.Object
}

// NewRemote opens a client for remote data; Close it when the run ends.
func NewRemote(opts objstore.Options) *Remote {
	return &Remote{store: objstore.New(opts), objects: map[string]*objstore.Object{}}
}

// Close releases the clients.
func (r *Remote) Close() error {
	if r == nil {
		return nil
	}
	return r.store.Close()
}

// Files is DataFiles for arguments that may be object URLs, which are
// expanded by listing. The result keeps the arguments' order, without
// duplicates.
func (r *Remote) Files(ctx context.Context, args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, arg := range args {
		var (
			paths []string
			err   error
		)
		if objstore.IsURL(arg) {
			if r == nil {
				return nil, fmt.Errorf("%s: this command reads local files only", arg)
			}
			paths, err = r.store.Expand(ctx, arg)
		} else {
			paths, err = DataFiles([]string{arg})
		}
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// Open opens a local Parquet file or a remote object.
func (r *Remote) Open(ctx context.Context, path string) (*parquetx.File, error) {
	if !objstore.IsURL(path) {
		return parquetx.Open(path)
	}
	if r == nil {
		return nil, fmt.Errorf("%s: this command reads local files only", path)
	}
	obj, err := r.store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.objects[path] = obj
	r.mu.Unlock()
	return parquetx.OpenReader(path, obj, obj.Size())
}

// OpenAll opens every path, closing what it opened when one fails.
func (r *Remote) OpenAll(ctx context.Context, paths []string) ([]*parquetx.File, error) {
	files := make([]*parquetx.File, 0, len(paths))
	for _, p := range paths {
		f, err := r.Open(ctx, p)
		if err != nil {
			parquetx.CloseAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// Record completes the evidence of remote files with their size, the version
// every read was pinned to, and what reading them cost.
func (r *Remote) Record(files []evidence.File) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range files {
		obj := r.objects[files[i].Path]
		if obj == nil {
			continue
		}
		rec := obj.Record()
		files[i].Size, files[i].Version = obj.Size(), obj.Version()
		files[i].IO = &evidence.IORecord{Requests: rec.Requests, BytesRead: rec.BytesRead}
	}
}
