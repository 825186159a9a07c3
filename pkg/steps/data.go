package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/table"
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
	// Table chooses the version of table arguments (table.Current if unset).
	Table  *table.Options
	tables map[string][]*evidence.TableVersion // live file -> the table versions it is live in
	live   map[string]*table.File              // live file -> its table metadata
	// snaps are the table versions resolved, in argument order; read
	// counts the files each gave as data.
	snaps []*table.Snapshot
	read  map[*evidence.TableVersion]int
	// snapOf is the table version whose deleted rows an opened live file
	// excludes (files are opened once per path).
	snapOf map[string]*table.Snapshot
	// local counts the reads of local live files, so the evidence says
	// what a run read of a table (nothing, when its metadata decided).
	local map[string]*countingFile
	// viewed are the opened live files read under columns other than
	// their own (table.File.AsIs).
	viewed map[string]bool
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
		if tpath, opts, ok := r.tableArg(arg); ok {
			var s *table.Snapshot
			if s, err = table.Open(tpath, opts); err == nil {
				paths, err = r.tableFiles(ctx, s)
			}
		} else if objstore.IsURL(arg) {
			if r == nil {
				return nil, fmt.Errorf("%s: this command reads local files only", arg)
			}
			var s *table.Snapshot
			if s, err = r.remoteTable(ctx, arg); s != nil {
				paths, err = r.tableFiles(ctx, s)
			} else if err == nil {
				paths, err = r.store.Expand(ctx, arg)
			}
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

// Open opens a local Parquet file or a remote object. A live file of a
// table argument is presented under the table's columns (table.File.View)
// without the rows the table deletes.
func (r *Remote) Open(ctx context.Context, path string) (*parquetx.File, error) {
	pf, err := r.open(ctx, path)
	if err != nil || r == nil {
		return pf, err
	}
	r.mu.Lock()
	tf := r.live[path]
	r.mu.Unlock()
	if tf != nil {
		asIs, err := tf.AsIs(pf) // applies the view
		if err != nil {
			pf.Close()
			return nil, err
		}
		if !asIs {
			r.mu.Lock()
			if r.viewed == nil {
				r.viewed = map[string]bool{}
			}
			r.viewed[path] = true
			r.mu.Unlock()
		}
	}
	if err := r.excludeDeleted(pf); err != nil {
		return nil, err // excludeDeleted closed it
	}
	return pf, nil
}

func (r *Remote) open(ctx context.Context, path string) (*parquetx.File, error) {
	if !objstore.IsURL(path) {
		if r.isTableFile(path) {
			return r.openCounted(path)
		}
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

// Handle is a data file for the contract engine: a table's live file the
// table's metadata describes (table.File.Described) is opened only when a
// check needs its footer or data; any other file is opened now.
func (r *Remote) Handle(ctx context.Context, path string) (*parquetx.Handle, error) {
	var tf *table.File
	if r != nil {
		r.mu.Lock()
		tf = r.live[path]
		r.mu.Unlock()
	}
	if cols, rows, ok := tf.Described(); ok {
		return parquetx.Deferred(path, cols, rows, func() (*parquetx.File, error) { return r.Open(ctx, path) }), nil
	}
	f, err := r.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return parquetx.Opened(f), nil
}

// Handles is Handle for every path, closing what it opened when one fails.
func (r *Remote) Handles(ctx context.Context, paths []string) ([]*parquetx.Handle, error) {
	out := make([]*parquetx.Handle, 0, len(paths))
	for _, p := range paths {
		h, err := r.Handle(ctx, p)
		if err != nil {
			parquetx.CloseHandles(out)
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Record completes the evidence of remote files with their size, the version
// every read was pinned to, and what reading them cost.
func (r *Remote) Record(files []evidence.File) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// A file live in two versions of a table (drift between versions) is
	// named with the version whose data are exactly the files recorded
	// together, else one all of them are live in.
	common := map[*evidence.TableVersion]int{}
	tabled := 0
	for _, f := range files {
		if tvs := r.tables[f.Path]; len(tvs) > 0 {
			tabled++
			for _, tv := range tvs {
				common[tv]++
			}
		}
	}
	pick := func(tvs []*evidence.TableVersion) *evidence.TableVersion {
		best := tvs[len(tvs)-1]
		for _, tv := range tvs {
			if common[tv] == tabled {
				if r.read[tv] == tabled {
					return tv
				}
				best = tv
			}
		}
		return best
	}
	for i := range files {
		if tvs := r.tables[files[i].Path]; len(tvs) > 0 {
			files[i].Table = pick(tvs)
		}
		if tf := r.live[files[i].Path]; tf != nil {
			files[i].Viewed = r.viewed[files[i].Path] || tf.DV != nil || tf.Deletes
		}
		if t := files[i].Table; t != nil && t.Since != nil && files[i].Scope == "" {
			files[i].Scope = evidence.ScopeAdded
		}
		if c := r.local[files[i].Path]; c != nil || len(r.tables[files[i].Path]) > 0 {
			files[i].IO = c.record() // a live file never opened read nothing
		}
		obj := r.objects[files[i].Path]
		if obj == nil {
			continue
		}
		rec := obj.Record()
		files[i].Size, files[i].Version = obj.Size(), obj.Version()
		files[i].IO = &evidence.IORecord{Requests: rec.Requests, BytesRead: rec.BytesRead}
	}
}

// tableFiles resolves a Delta or Iceberg table to its live data files at
// the chosen version, refusing by name what the Parquet scan would read
// wrong: it reads every row of every file by the files' own column names.
func (r *Remote) tableFiles(ctx context.Context, s *table.Snapshot) ([]string, error) {
	if err := scannable(s, r != nil); err != nil {
		return nil, err
	}
	if r == nil {
		if err := asIs(s); err != nil {
			return nil, err
		}
	}
	// An incremental check reads the files added since a version; the
	// others only when a whole-table rule needs their data (Validate).
	read := s.AddedFiles()
	if len(s.Files) == 0 {
		return nil, fmt.Errorf("%s: table version %d has no live data files", s.Location, s.Version)
	}
	tv := &evidence.TableVersion{Format: s.Format, Location: s.Location, Version: s.Version, Since: s.Since}
	out := make([]string, 0, len(read))
	for _, f := range read {
		out = append(out, f.Path)
	}
	if r != nil {
		r.mu.Lock()
		if r.tables == nil {
			r.tables, r.live, r.snapOf = map[string][]*evidence.TableVersion{}, map[string]*table.File{}, map[string]*table.Snapshot{}
		}
		for i, f := range s.Files {
			if old, prev := r.live[f.Path], r.snapOf[f.Path]; old != nil && prev.Version != s.Version && !sameDeletes(old, &s.Files[i]) {
				r.mu.Unlock()
				return nil, &table.UnsupportedError{Table: s.Location, Feature: "one file with different deleted rows in two versions",
					Detail: fmt.Sprintf("%s is live in versions %d and %d", f.Path, prev.Version, s.Version)}
			}
			if prev := r.live[f.Path]; prev != nil && !prev.SameColumns(&s.Files[i]) {
				r.mu.Unlock()
				// One open file has one view: two versions that read it under
				// different columns cannot both be compared yet.
				return nil, &table.UnsupportedError{Table: s.Location, Feature: "schema evolution between the versions compared", Detail: f.Path + " reads under different columns in each"}
			}
			r.tables[f.Path], r.live[f.Path], r.snapOf[f.Path] = append(r.tables[f.Path], tv), &s.Files[i], s
		}
		r.snaps = append(r.snaps, s)
		if r.read == nil {
			r.read = map[*evidence.TableVersion]int{}
		}
		r.read[tv] = len(read)
		r.mu.Unlock()
	}
	return out, nil
}

// remoteTable reads the table at an object-store URL (a folder URL, not a
// glob nor a .parquet object; URL@VERSION pins a version); nil when the
// URL holds no table.
func (r *Remote) remoteTable(ctx context.Context, arg string) (*table.Snapshot, error) {
	if strings.ContainsAny(arg, "*?[") || strings.HasSuffix(arg, ".parquet") {
		return nil, nil
	}
	opts := table.Current
	if r.Table != nil {
		opts = *r.Table
	}
	if i := strings.LastIndex(arg, "@"); i > 0 && !strings.Contains(arg[i:], "/") {
		v, err := strconv.ParseInt(arg[i+1:], 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s: want TABLE@VERSION with a version number", arg)
		}
		arg, opts = arg[:i], table.Options{Version: v, Since: opts.Since}
	}
	s, err := table.OpenRemote(ctx, r.store, arg, opts)
	if errors.Is(err, table.ErrNotTable) {
		return nil, nil
	}
	return s, err
}

// isTableFile reports whether path is a live file of a table argument.
func (r *Remote) isTableFile(path string) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tables[path]) > 0
}

// incremental are the table versions resolved for an incremental check
// (a since version set).
func (r *Remote) incremental() []*table.Snapshot {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*table.Snapshot
	for _, s := range r.snaps {
		if s.Since != nil {
			out = append(out, s)
		}
	}
	return out
}

// TableStats gives the table-metadata statistics of files that are live
// files of a table argument (the contract engine's first tier).
func (r *Remote) TableStats(files []*parquetx.Handle) func(int, *parquetx.Column) (parquetx.ChunkStats, bool) {
	if r == nil || len(r.live) == 0 {
		return nil
	}
	return func(i int, col *parquetx.Column) (parquetx.ChunkStats, bool) {
		r.mu.Lock()
		f := r.live[files[i].Path]
		r.mu.Unlock()
		return f.ChunkStats(col)
	}
}

// excludeDeleted excludes the rows a table deletes from an opened live
// file of a table argument.
func (r *Remote) excludeDeleted(f *parquetx.File) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	s, live := r.snapOf[f.Path], r.live[f.Path]
	r.mu.Unlock()
	if s == nil {
		return nil
	}
	rows, err := s.DeletedRows(live)
	if err == nil {
		if err = f.ExcludeRows(rows); err != nil {
			err = fmt.Errorf("%s: the rows the table deletes: %w", s.Location, err)
		}
	}
	if err != nil {
		f.Close()
		return err
	}
	return nil
}

// sameDeletes reports whether two versions of a table surely delete the
// same rows of a file: files are opened once per path, with one set of
// deleted rows.
func sameDeletes(a, b *table.File) bool {
	if a.Deletes || b.Deletes || (a.DV == nil) != (b.DV == nil) {
		return false
	}
	return a.DV == nil || a.DV.StorageType == b.DV.StorageType && a.DV.PathOrInlineDv == b.DV.PathOrInlineDv &&
		(a.DV.Offset == nil) == (b.DV.Offset == nil) && (a.DV.Offset == nil || *a.DV.Offset == *b.DV.Offset)
}

// asIs refuses a table whose files a reader without the table's columns
// would read wrong (partition values, renames, added columns).
func asIs(s *table.Snapshot) error {
	for i := range s.Files {
		pf, err := parquetx.Open(s.Files[i].Path)
		if err != nil {
			return err
		}
		ok, err := s.Files[i].AsIs(pf)
		pf.Close()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: %s is read under the table's columns, which this reader of local files does not apply", s.Location, s.Files[i].Path)
		}
	}
	return nil
}

// tableArg says whether a local argument is a table, and at which
// version: the run's (r.Table), or its own when it ends in @VERSION (so
// drift can compare two versions of one table). The run's since version
// applies to a pinned argument too: TABLE@V is then the data added after
// it up to V.
func (r *Remote) tableArg(arg string) (string, table.Options, bool) {
	opts := table.Current
	if r != nil && r.Table != nil {
		opts = *r.Table
	}
	if objstore.IsURL(arg) {
		return "", opts, false
	}
	if table.Detect(arg) != "" {
		return arg, opts, true
	}
	if i := strings.LastIndex(arg, "@"); i > 0 {
		if v, err := strconv.ParseInt(arg[i+1:], 10, 64); err == nil && v >= 0 && table.Detect(arg[:i]) != "" {
			return arg[:i], table.Options{Version: v, Since: opts.Since}, true
		}
	}
	return "", opts, false
}

// scannable refuses table features the file scan cannot honour yet:
// deleted rows when the opened files are not tracked (no Remote), and
// deletes other than Delta deletion vectors and Iceberg position and
// equality delete files and deletion vectors.
func scannable(s *table.Snapshot, tracked bool) error {
	refuse := func(feature, detail string) error {
		return &table.UnsupportedError{Table: s.Location, Feature: feature, Detail: detail}
	}
	for _, f := range s.Files {
		if f.DV != nil && !tracked {
			return refuse("deletionVectors", fmt.Sprintf("%s has %d deleted rows, which only a tracked scan skips", f.Path, f.DeletedRows))
		}
	}
	for _, d := range s.DeleteFiles {
		if !tracked || (d.Content != "position" && d.Content != "equality" && d.Content != "deletion-vector") {
			return refuse(d.Content+" deletes", fmt.Sprintf("%d delete files, e.g. %s", len(s.DeleteFiles), d.Path))
		}
	}
	return nil
}

// countingFile counts the reads of one local file over a run.
type countingFile struct {
	mu              sync.Mutex
	requests, bytes int64
}

type countedReader struct {
	f *os.File
	c *countingFile
}

func (r countedReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.ReadAt(p, off)
	r.c.mu.Lock()
	r.c.requests++
	r.c.bytes += int64(n)
	r.c.mu.Unlock()
	return n, err
}

// record is what the file's reads cost; nil c read nothing.
func (c *countingFile) record() *evidence.IORecord {
	if c == nil {
		return &evidence.IORecord{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return &evidence.IORecord{Requests: c.requests, BytesRead: c.bytes}
}

// openCounted opens a local live file of a table, counting its reads.
func (r *Remote) openCounted(path string) (*parquetx.File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file", path)
	}
	if err != nil {
		osf.Close()
		return nil, err
	}
	r.mu.Lock()
	if r.local == nil {
		r.local = map[string]*countingFile{}
	}
	c := r.local[path]
	if c == nil {
		c = &countingFile{}
		r.local[path] = c
	}
	r.mu.Unlock()
	return parquetx.OpenReadCloser(path, countedReader{osf, c}, osf, st.Size())
}
