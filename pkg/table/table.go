// Package table resolves a lakehouse table (a Delta Lake table folder, an
// Iceberg metadata file or table folder) to its live data files at one
// version. The live set is what the table's log or manifests say, never the
// folder listing: a folder also holds removed, compacted and vacuum-pending
// files. A feature the reader cannot honour is refused by name
// (UnsupportedError), never read around.
//
// Remote tables (s3://, gs://, az://) are read by OpenRemote (remote.go),
// SQL catalogs by OpenCatalog (catalog.go).
package table

import (
	"fmt"
	"math"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Format names a table format.
const (
	FormatDelta   = "delta"
	FormatIceberg = "iceberg"
)

// Snapshot is one version of a table and its live data files.
type Snapshot struct {
	Format string `json:"format"`
	// Location is the table folder (or Iceberg metadata file) as given.
	Location string `json:"location"`
	// Version is the Delta version or the Iceberg snapshot id.
	Version int64 `json:"version"`
	// Timestamp is when the version was committed (zero when unknown).
	Timestamp time.Time `json:"timestamp,omitzero"`
	// PartitionColumns are columns whose values live in the table
	// metadata, not in the data files (Delta identity partitions).
	PartitionColumns []string `json:"partitionColumns,omitempty"`
	// ColumnMapping is the Delta column mapping mode (none, name, id); the
	// data files' column names are physical names then.
	ColumnMapping string `json:"columnMapping,omitempty"`
	// PhysicalNames maps a logical top-level column name to its name in
	// the data files when column mapping is on.
	PhysicalNames map[string]string `json:"-"`
	// Columns are the table schema's top-level column names (logical).
	Columns []string `json:"columns,omitempty"`
	Files   []File   `json:"files"`
	// DeleteFiles are Iceberg delete files (positional, equality, deletion
	// vectors) live in the snapshot.
	DeleteFiles []DeleteFile `json:"deleteFiles,omitempty"`

	// resolve turns a path in Iceberg metadata into a local one.
	resolve func(string) (string, error)
	// deletes caches the delete files read (deletes.go).
	deletes deleteCache
	// cols is the schema File.View presents; nameMapping is Iceberg's
	// schema.name-mapping.default (top-level name to field id).
	cols        []tableColumn
	nameMapping map[string]int
	// written caches writtenAs.
	mu      sync.Mutex
	written map[string]*parquetx.Column
	// Since is Options.Since: files added after it are marked Added.
	Since *int64 `json:"since,omitempty"`
}

// File is one live data file.
type File struct {
	// Path is the file's local path, resolved against the table folder.
	Path string `json:"path"`
	Size int64  `json:"size,omitempty"`
	// Partition holds the file's partition values from the table metadata
	// (nil value: null).
	Partition map[string]*string `json:"partition,omitempty"`
	// Stats are the file's statistics from the log or manifest; nil when
	// the writer left none.
	Stats *Stats `json:"-"`
	// DeletedRows is how many of the file's rows a deletion vector
	// removes (Delta); DV is its descriptor.
	DeletedRows int64           `json:"deletedRows,omitempty"`
	DV          *DeletionVector `json:"-"`
	// Deletes is true when delete files of the snapshot may remove rows
	// of this file (Iceberg).
	Deletes bool `json:"-"`
	// scope says which Iceberg delete files apply (deletes.go).
	scope deleteScope

	// snap is the file's table; consts its typed partition values by
	// logical column (a null Value for null), see View.
	snap   *Snapshot
	consts map[string]parquet.Value
	// Added is true when the file was added after Options.Since (by a
	// Delta commit after that version, or an Iceberg snapshot descending
	// from that one).
	Added bool `json:"added,omitempty"`
}

// Stats are file-level column statistics as the table metadata states them.
// Trust rules: NumRecords and NullCount count rows a deletion vector or
// delete file removed, so with deletes they are upper bounds; Min and Max
// stay valid bounds (a subset of rows lies within them) but may be loose;
// string bounds may be truncated by the writer (Delta truncates to a
// prefix; a truncated max is not an upper bound unless the writer says so),
// so only numeric, date and timestamp bounds are trusted. A column absent
// from a map has no statistic: nothing may be concluded from it.
type Stats struct {
	NumRecords int64            `json:"numRecords"`
	NullCount  map[string]int64 `json:"nullCount,omitempty"`
	Min        map[string]any   `json:"minValues,omitempty"`
	Max        map[string]any   `json:"maxValues,omitempty"`
	// TightBounds false means the writer says bounds may be loose (DVs).
	TightBounds *bool `json:"tightBounds,omitempty"`
}

// DeleteFile is an Iceberg delete file.
type DeleteFile struct {
	Path    string `json:"path"`
	Content string `json:"content"` // "position", "equality", "deletion-vector"
	Rows    int64  `json:"rows"`
	scope   deleteScope
	// equality names the columns of an equality delete file.
	equality []string
	// dv locates a deletion vector's blob (deletes.go).
	dv *puffinBlob
}

// UnsupportedError names a table feature mlgate does not honour.
type UnsupportedError struct {
	Table   string
	Feature string
	Detail  string
}

func (e *UnsupportedError) Error() string {
	s := fmt.Sprintf("%s: table feature %q is not supported", e.Table, e.Feature)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Options choose the table version. Zero values mean the current one.
type Options struct {
	// Version is a Delta version or an Iceberg snapshot id (-1: current).
	Version int64
	// AsOf picks the last version committed at or before it.
	AsOf time.Time
	// Since, when set, marks the live files added after this version or
	// snapshot (File.Added): an incremental check reads only those. It
	// must be at or before the chosen version (an ancestor snapshot).
	Since *int64
}

// Current is Options for the table's current version.
var Current = Options{Version: -1}

// Detect says whether path is a table and which format: a folder with a
// _delta_log folder is Delta; a *.metadata.json file, or a folder with a
// metadata folder holding one, or a SQL catalog reference
// (sqlite:PATH#NAMESPACE.TABLE, catalog.go), is Iceberg.
func Detect(path string) string {
	if strings.HasSuffix(path, ".metadata.json") || strings.HasPrefix(path, CatalogPrefix) {
		return FormatIceberg
	}
	if st, err := os.Stat(filepath.Join(path, "_delta_log")); err == nil && st.IsDir() {
		return FormatDelta
	}
	if m, _ := filepath.Glob(filepath.Join(path, "metadata", "*.metadata.json")); len(m) > 0 {
		return FormatIceberg
	}
	return ""
}

// Open resolves the table at path to its live files at the chosen version.
func Open(path string, opts Options) (*Snapshot, error) {
	switch Detect(path) {
	case FormatDelta:
		return OpenDelta(path, opts)
	case FormatIceberg:
		if strings.HasPrefix(path, CatalogPrefix) {
			return OpenCatalog(path, opts)
		}
		return OpenIceberg(path, opts)
	}
	return nil, fmt.Errorf("%s: not a Delta table (no _delta_log) nor an Iceberg table (no metadata/*.metadata.json)", path)
}

// AddedFiles are the live files added after Since (all of them when
// Since is unset).
func (s *Snapshot) AddedFiles() []File {
	if s.Since == nil {
		return s.Files
	}
	var out []File
	for _, f := range s.Files {
		if f.Added {
			out = append(out, f)
		}
	}
	return out
}

// Rows is the snapshot's live row count when every file's stats state it
// (deleted rows subtracted), and whether it is known.
func (s *Snapshot) Rows() (int64, bool) {
	var n int64
	for _, f := range s.Files {
		live := f.Stats.numLive(f.DeletedRows)
		if live < 0 || n > math.MaxInt64-live {
			return 0, false
		}
		n += live
	}
	// A deletion vector counts its rows exactly (its cardinality is checked
	// when it is read); position and equality deletes may match no live row.
	for _, d := range s.DeleteFiles {
		if d.Content != "" && d.Content != "deletion-vector" {
			return 0, false
		}
	}
	if len(s.DeleteFiles) > 0 {
		for i := range s.Files {
			// A count no file could have is known only by reading the vectors.
			live := s.Files[i].Stats.numLive(s.Files[i].DeletedRows)
			for _, d := range s.deletesOf(&s.Files[i]) {
				if d.Rows < 0 || d.Rows > live {
					return 0, false
				}
				live -= d.Rows
				n -= d.Rows
			}
		}
	}
	return n, true
}

// numLive is the rows a file's statistics count less those deleted, or
// -1 when unknown or when no file could have those counts.
func (st *Stats) numLive(deleted int64) int64 {
	if st == nil || st.NumRecords < 0 || deleted < 0 || deleted > st.NumRecords {
		return -1
	}
	return st.NumRecords - deleted
}

// within resolves a table-relative path, refusing one that leaves the table
// folder: the log is untrusted input.
func within(root, rel string) (string, error) {
	if filepath.IsAbs(rel) || strings.Contains(rel, "://") {
		return "", fmt.Errorf("%s: data file path %q is absolute; only paths inside the table are read", root, rel)
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	r, err := filepath.Rel(root, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: data file path %q leaves the table folder", root, rel)
	}
	return p, nil
}
