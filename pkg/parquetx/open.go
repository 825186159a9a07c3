package parquetx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// CorruptError says that a file is malformed or its data contradicts its own
// metadata. RowGroup is -1 and Column empty when the problem is file-wide.
type CorruptError struct {
	File     string
	RowGroup int
	Column   string
	Reason   string
}

func (e *CorruptError) Error() string {
	switch {
	case e.Column != "" && e.RowGroup >= 0:
		return fmt.Sprintf("%s: row group %d, column %q: %s", e.File, e.RowGroup, e.Column, e.Reason)
	case e.RowGroup >= 0:
		return fmt.Sprintf("%s: row group %d: %s", e.File, e.RowGroup, e.Reason)
	case e.Column != "":
		return fmt.Sprintf("%s: column %q: %s", e.File, e.Column, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// File is an open Parquet file whose footer has been checked.
type File struct {
	Path   string
	Size   int64
	Schema *Schema
	// NumRows is the sum of the row groups' row counts (the file-level
	// num_rows is only compared with it, see Warnings).
	NumRows int64
	// RowGroupStart[i] is the absolute row number of row group i's first row.
	RowGroupStart []int64
	// Warnings lists inconsistencies that do not make the data unreadable.
	Warnings []string

	meta   *format.FileMetaData
	mirror *mirrorFileMetaData
	file   io.ReaderAt
	closer io.Closer
	pq     *parquet.File
	// stats caches Stats by row group and leaf index, since reading the
	// page index costs I/O.
	statsMu sync.Mutex
	stats   map[[2]int]ChunkStats
	// pagesChecked records the chunks CheckPages passed, by row group,
	// leaf index and limit.
	pagesChecked map[[3]int64]bool
	// excluded are the rows not part of the data (mask.go); replaced,
	// never modified, under statsMu.
	excluded *roaring64.Bitmap
}

// Metadata returns the decoded footer. Callers must not modify it.
func (f *File) Metadata() *format.FileMetaData { return f.meta }

// NumRowGroups is the number of row groups.
func (f *File) NumRowGroups() int { return len(f.meta.RowGroups) }

// RowGroupRows is the row count of row group rg.
func (f *File) RowGroupRows(rg int) int64 { return f.meta.RowGroups[rg].NumRows }

// Stats returns the trusted statistics of leaf column col in row group rg:
// the footer's, completed from the chunk's page index where the footer lacks
// a bound or the null count. The error is a *CorruptError when the page
// index crashes the decoder.
func (f *File) Stats(rg int, col *Column) (ChunkStats, error) {
	key := [2]int{rg, col.Index}
	f.statsMu.Lock()
	defer f.statsMu.Unlock()
	if st, ok := f.stats[key]; ok {
		return st, nil
	}
	if col.Const != nil {
		return f.constStats(rg, col), nil
	}
	st, err := f.withPageIndex(chunkStats(f.meta, f.mirror, col, rg, col.Index), col)
	if err != nil {
		return ChunkStats{}, err
	}
	if f.stats == nil {
		f.stats = map[[2]int]ChunkStats{}
	}
	f.stats[key] = st
	return st, nil
}

// Close releases the file.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// OpenAll opens the files of a dataset. On an error it closes those it had
// opened; otherwise the caller closes them with CloseAll.
func OpenAll(paths []string) ([]*File, error) {
	files := make([]*File, 0, len(paths))
	for _, p := range paths {
		f, err := Open(p)
		if err != nil {
			CloseAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// CloseAll closes files that were only read, so their close errors say nothing.
func CloseAll(files []*File) {
	for _, f := range files {
		f.Close()
	}
}

// Open opens path and validates its footer. Every error names the file; a
// *CorruptError means the file is malformed.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	if st.IsDir() {
		osf.Close()
		return nil, fmt.Errorf("%s: is a directory, not a Parquet file", path)
	}
	f, err := OpenReader(path, osf, st.Size())
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf
	return f, nil
}

// OpenReadCloser is OpenReader for a reader the File's Close closes (a
// file read through a wrapper, e.g. one counting the reads).
func OpenReadCloser(name string, r io.ReaderAt, c io.Closer, size int64) (*File, error) {
	f, err := OpenReader(name, r, size)
	if err != nil {
		c.Close()
		return nil, err
	}
	f.closer = c
	return f, nil
}

// OpenReader is Open for data already at hand; name is used in errors.
func OpenReader(name string, r io.ReaderAt, size int64) (file *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			file, err = nil, &CorruptError{File: name, RowGroup: -1, Reason: fmt.Sprintf("the Parquet reader crashed on it (%v)", p)}
		}
	}()
	path := name
	f := &File{Path: name, Size: size, file: r}
	footer, err := readFooter(r, size)
	if err != nil {
		return nil, &CorruptError{File: path, RowGroup: -1, Reason: err.Error()}
	}
	info, err := checkFooter(footer)
	if err != nil {
		return nil, &CorruptError{File: path, RowGroup: -1, Reason: err.Error()}
	}
	pr, psize := r, size
	if info.patched != nil {
		// parquet-go reads the data through a file whose footer is the
		// patched one.
		dataEnd := size - 8 - int64(len(footer))
		footer = info.patched
		tail := binary.LittleEndian.AppendUint32(slices.Clone(footer), uint32(len(footer)))
		p := &patchedFile{r: r, dataEnd: dataEnd, tail: append(tail, "PAR1"...)}
		pr, psize = p, p.size()
	}
	pq, err := parquet.OpenFile(pr, psize, &parquet.FileConfig{SkipPageIndex: true, SkipBloomFilters: true})
	if err != nil {
		return nil, openError(path, err)
	}
	f.pq = pq
	f.meta = pq.Metadata()
	if f.mirror, err = decodeMirror(footer); err != nil {
		return nil, &CorruptError{File: path, RowGroup: -1, Reason: "decoding the footer: " + err.Error()}
	}
	if f.Schema, err = buildSchema(f.meta.Schema); err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) {
			ce.File = path
			return nil, ce
		}
		return nil, &CorruptError{File: path, RowGroup: -1, Reason: err.Error()}
	}
	if err := f.checkMetadata(); err != nil {
		return nil, err
	}
	return f, nil
}

// openError classifies parquet-go's open errors: a file it cannot decode is
// malformed (or uses a feature it lacks), an I/O error is passed through.
func openError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return &CorruptError{File: path, RowGroup: -1, Reason: "reading the footer: " + err.Error()}
}

// readFooter returns the Thrift footer bytes after checking both magic numbers.
func readFooter(r io.ReaderAt, size int64) ([]byte, error) {
	if size < 12 {
		return nil, fmt.Errorf("too small to be a Parquet file (%d bytes)", size)
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	switch {
	case bytes.Equal(tail[4:], []byte("PARE")):
		return nil, fmt.Errorf("the footer is encrypted (Parquet modular encryption is not supported)")
	case !bytes.Equal(head[:], []byte("PAR1")) || !bytes.Equal(tail[4:], []byte("PAR1")):
		return nil, fmt.Errorf("not a Parquet file (missing PAR1 magic bytes)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-12 {
		return nil, fmt.Errorf("footer length %d does not fit in a %d-byte file", n, size)
	}
	if n > MaxFooterSize {
		return nil, fmt.Errorf("the footer is %d MiB, more than %d MiB", n>>20, MaxFooterSize>>20)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return nil, err
	}
	return footer, nil
}

// checkMetadata cross-checks the footer against itself: one chunk per leaf
// with the schema's physical type, chunks inside the file, non-negative
// counts, value counts that fit the row counts, and no nulls counted in a
// column that cannot hold them.
func (f *File) checkMetadata() error {
	corrupt := func(rg int, col, format string, args ...any) error {
		return &CorruptError{File: f.Path, RowGroup: rg, Column: col, Reason: fmt.Sprintf(format, args...)}
	}
	leaves := f.Schema.Leaves
	f.RowGroupStart = make([]int64, len(f.meta.RowGroups))
	var total int64
	for rg := range f.meta.RowGroups {
		g := &f.meta.RowGroups[rg]
		if g.NumRows < 0 {
			return corrupt(rg, "", "negative row count %d", g.NumRows)
		}
		if len(g.Columns) != len(leaves) {
			return corrupt(rg, "", "%d column chunks for %d leaf columns", len(g.Columns), len(leaves))
		}
		f.RowGroupStart[rg] = total
		total += g.NumRows
		for ci, col := range leaves {
			cc := &g.Columns[ci]
			cm := &cc.MetaData
			if cc.FilePath != "" {
				return corrupt(rg, col.Path, "column data in another file (%q) is not supported", cc.FilePath)
			}
			if cm.Type != col.Physical {
				return corrupt(rg, col.Path, "chunk physical type %s differs from the schema's %s", cm.Type, col.Physical)
			}
			if cm.NumValues < 0 {
				return corrupt(rg, col.Path, "negative value count %d", cm.NumValues)
			}
			start := chunkStart(cm)
			if start < 4 || cm.TotalCompressedSize < 0 || start+cm.TotalCompressedSize > f.Size-8 {
				return corrupt(rg, col.Path, "chunk bytes [%d, %d) lie outside the file's data", start, start+cm.TotalCompressedSize)
			}
			if col.MaxRepetitionLevel == 0 && cm.NumValues != g.NumRows {
				return corrupt(rg, col.Path, "%d values for %d rows in a non-repeated column", cm.NumValues, g.NumRows)
			}
			st := chunkStats(f.meta, f.mirror, col, rg, ci)
			if st.HasNullCount && col.MaxDefinitionLevel == 0 && st.NullCount > 0 {
				return corrupt(rg, col.Path, "the statistics count %d nulls in a REQUIRED column", st.NullCount)
			}
			if st.HasNullCount && st.NullCount > cm.NumValues {
				return corrupt(rg, col.Path, "null count %d exceeds the value count %d", st.NullCount, cm.NumValues)
			}
		}
	}
	f.NumRows = total
	if f.meta.NumRows != total {
		f.Warnings = append(f.Warnings, fmt.Sprintf("the footer's num_rows is %d but the row groups hold %d rows; mlgate uses the row groups", f.meta.NumRows, total))
	}
	return nil
}
