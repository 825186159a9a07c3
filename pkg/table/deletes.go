package table

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Deleted rows: a live file's rows the table deletes, as a set of row
// positions a scan excludes (parquetx.File.ExcludeRows). Delta deletion
// vectors (dv.go); Iceberg v2 positional and equality delete files, which
// apply to a data file by the spec's scan-planning rules. Delete files are
// untrusted input: their row counts are bounded and must match the
// manifest's.

// maxDeleteRows bounds the rows of one delete file mlgate reads (and the
// values of a row group matched against equality deletes); maxEqualityKeys
// the equality delete rows of a snapshot, which are held as keys.
const (
	maxDeleteRows   = 16 << 20
	maxEqualityKeys = 2 << 20
)

// deleteScope decides which Iceberg delete files apply to a data file: the
// data sequence number, the partition spec and the partition values.
type deleteScope struct {
	seq  int64
	spec int64
	part string // canonical partition values; "" when unpartitioned
}

// scope is an entry's: its own sequence number, or the manifest's, which
// added entries inherit.
func (m icebergManifest) scope(rec, df map[string]any) deleteScope {
	seq, ok := toInt(unwrap(rec["sequence_number"]))
	if !ok {
		seq = m.seq
	}
	return deleteScope{seq: seq, spec: m.spec, part: partitionKey(unwrap(df["partition"]))}
}

func partitionKey(v any) string {
	part, _ := v.(map[string]any)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(part)) {
		b.WriteString(strconv.Quote(k))
		if x := unwrap(part[k]); x == nil {
			b.WriteString("=null;")
		} else {
			b.WriteString("=" + strconv.Quote(partitionText(x)) + ";")
		}
	}
	return b.String()
}

func avroInts(v any) []int64 {
	arr, _ := v.([]any)
	var out []int64
	for _, e := range arr {
		if n, ok := toInt(unwrap(e)); ok {
			out = append(out, n)
		}
	}
	return out
}

// deletesOf lists the delete files that apply to data file f: a position
// delete committed with or after the file (its rows name the file), an
// equality delete committed after it, in its partition or unpartitioned,
// a deletion vector naming the file committed with or after it. With a
// deletion vector, position delete files do not apply (the spec: a vector
// holds every earlier position delete of its file).
func (s *Snapshot) deletesOf(f *File) []*DeleteFile {
	var out []*DeleteFile
	dv := false
	for i := range s.DeleteFiles {
		d := &s.DeleteFiles[i]
		switch d.Content {
		case "equality":
			if d.scope.seq > f.scope.seq && (d.scope.part == "" || d.scope.spec == f.scope.spec && d.scope.part == f.scope.part) {
				out = append(out, d)
			}
		case "deletion-vector":
			if d.scope.seq >= f.scope.seq && d.dv != nil && d.dv.data == f.Path {
				out, dv = append(out, d), true
			}
		default:
			if d.scope.seq >= f.scope.seq {
				out = append(out, d)
			}
		}
	}
	if dv {
		out = slices.DeleteFunc(out, func(d *DeleteFile) bool { return d.Content == "position" })
	}
	return out
}

type deleteCache struct {
	// open reads a file the deletes need (a delete file, a deletion
	// vector's file, a data file matched against equality deletes; also
	// a data file whose column types writtenAs looks up): a local file
	// when nil, else through the store that read the table (remote.go).
	open func(path string) (fileReader, int64, error)
	mu   sync.Mutex
	// position[delete file][data file] are the rows it deletes.
	position map[string]map[string]*roaring64.Bitmap
	// equality[delete file] are its rows' keys; keys counts them all.
	equality map[string]map[string]bool
	keys     int64
}

// DeletedRows is the set of row positions (0-based, in file order) of
// live file f the table deletes: its deletion vector (Delta), the rows
// the applicable delete files name or match (Iceberg).
func (s *Snapshot) DeletedRows(f *File) (*roaring64.Bitmap, error) {
	bm, err := s.DeletedRowSet(f)
	if err != nil {
		return nil, err
	}
	// Equality deletes on the same columns are matched in one read of the
	// data file.
	byColumns := map[string][]*DeleteFile{}
	vectors := 0
	for _, d := range s.deletesOf(f) {
		switch d.Content {
		case "deletion-vector":
			if vectors++; vectors > 1 {
				return nil, fmt.Errorf("%s: two deletion vectors apply to %s (%s and another)", s.Location, f.Path, d.Path)
			}
			rows, err := s.deletionVectorRows(d, f)
			if err != nil {
				return nil, err
			}
			bm.Or(rows)
		case "position":
			byFile, err := s.positionDeletes(d)
			if err != nil {
				return nil, err
			}
			if rows := byFile[f.Path]; rows != nil {
				bm.Or(rows)
			}
		case "equality":
			k := strings.Join(d.equality, "\x00")
			byColumns[k] = append(byColumns[k], d)
		default:
			return nil, &UnsupportedError{Table: s.Location, Feature: d.Content + " deletes", Detail: d.Path}
		}
	}
	for _, ds := range byColumns {
		var sets []map[string]bool
		for _, d := range ds {
			keys, err := s.equalityDeletes(d)
			if err != nil {
				return nil, err
			}
			sets = append(sets, keys)
		}
		err = s.readRows(f.Path, ds[0].equality, math.MaxInt64, func(row int64, vals []parquet.Value) error {
			key := rowKey(vals)
			for _, keys := range sets {
				if keys[key] {
					bm.Add(uint64(row))
					break
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: applying equality delete file %s: %w", s.Location, ds[0].Path, err)
		}
	}
	return bm, nil
}

// positionDeletes reads a position delete file: (file_path, pos) rows.
func (s *Snapshot) positionDeletes(d *DeleteFile) (map[string]*roaring64.Bitmap, error) {
	s.deletes.mu.Lock()
	defer s.deletes.mu.Unlock()
	if got, ok := s.deletes.position[d.Path]; ok {
		return got, nil
	}
	out := map[string]*roaring64.Bitmap{}
	resolved := map[string]string{}
	err := s.readRows(d.Path, []string{"file_path", "pos"}, d.Rows, func(_ int64, vals []parquet.Value) error {
		if vals[0].IsNull() || vals[1].IsNull() || vals[1].Kind() != parquet.Int64 || vals[1].Int64() < 0 {
			return fmt.Errorf("a row is not a file path and a row position")
		}
		raw := string(vals[0].ByteArray())
		p, ok := resolved[raw]
		if !ok {
			var err error
			if p, err = s.resolve(raw); err != nil {
				return err
			}
			resolved[raw] = p
		}
		bm := out[p]
		if bm == nil {
			bm = roaring64.New()
			out[p] = bm
		}
		bm.Add(uint64(vals[1].Int64()))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: position delete file %s: %w", s.Location, d.Path, err)
	}
	if s.deletes.position == nil {
		s.deletes.position = map[string]map[string]*roaring64.Bitmap{}
	}
	s.deletes.position[d.Path] = out
	return out, nil
}

// equalityDeletes reads the keys of an equality delete file.
func (s *Snapshot) equalityDeletes(d *DeleteFile) (map[string]bool, error) {
	s.deletes.mu.Lock()
	defer s.deletes.mu.Unlock()
	if got, ok := s.deletes.equality[d.Path]; ok {
		return got, nil
	}
	if s.deletes.keys+d.Rows > maxEqualityKeys {
		return nil, fmt.Errorf("%s: equality delete file %s: more than %d equality delete rows in the snapshot", s.Location, d.Path, maxEqualityKeys)
	}
	s.deletes.keys += d.Rows
	keys := map[string]bool{}
	err := s.readRows(d.Path, d.equality, d.Rows, func(_ int64, vals []parquet.Value) error {
		keys[rowKey(vals)] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: equality delete file %s: %w", s.Location, d.Path, err)
	}
	if s.deletes.equality == nil {
		s.deletes.equality = map[string]map[string]bool{}
	}
	s.deletes.equality[d.Path] = keys
	return keys, nil
}

// readRows reads the named flat columns of a Parquet file row by row, a
// row group at a time. A delete file (want: its manifest's row count) must
// have that many rows, at most maxDeleteRows; a row group holding more than
// maxDeleteRows values of the columns is refused, which bounds the memory.
func (s *Snapshot) readRows(path string, cols []string, want int64, fn func(row int64, vals []parquet.Value) error) error {
	r, size, err := s.deletes.openFile(path)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := parquetx.OpenReader(path, r, size)
	if err != nil {
		return err
	}
	if want != math.MaxInt64 && (f.NumRows != want || want > maxDeleteRows) {
		return fmt.Errorf("%d rows, the manifest says %d (at most %d are read)", f.NumRows, want, maxDeleteRows)
	}
	index := map[string]int{}
	for i, c := range cols {
		col := f.Schema.Lookup(c)
		if col == nil || !col.Leaf || col.MaxRepetitionLevel > 0 {
			return fmt.Errorf("%s: no flat column %q", path, c)
		}
		index[c] = i
	}
	values := make([][]parquet.Value, len(cols))
	vals := make([]parquet.Value, len(cols))
	for rg := range f.NumRowGroups() {
		n, first := f.RowGroupRows(rg), f.RowGroupStart[rg]
		if n*int64(len(cols)) > maxDeleteRows {
			return fmt.Errorf("%s: row group %d holds %d rows, more than the %d values matched against deletes at once", path, rg, n, maxDeleteRows)
		}
		for i := range values {
			values[i] = make([]parquet.Value, n)
		}
		err = parquetx.Scan(context.Background(), []*parquetx.File{f}, cols, parquetx.ScanOptions{Workers: 1}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			if c.RowGroup != rg {
				return nil, nil
			}
			return &rowCollector{into: values[index[c.Column.Path]], first: first}, nil
		})
		if err != nil {
			return err
		}
		for r := range n {
			for i := range cols {
				vals[i] = values[i][r]
			}
			if err := fn(first+r, vals); err != nil {
				return fmt.Errorf("row %d: %w", first+r, err)
			}
		}
	}
	return nil
}

// rowCollector keeps a copy of each value of a flat column at its row
// (counted from first).
type rowCollector struct {
	into  []parquet.Value
	first int64
}

func (c *rowCollector) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (c *rowCollector) Close() error                             { return nil }
func (c *rowCollector) Values(b parquetx.Batch) error {
	for i, v := range b.Values {
		c.into[b.Rows[i]-c.first] = v.Clone()
	}
	return nil
}

// rowKey encodes values so that equal values (an int32 and an int64, a
// float and a double of one number) give equal keys; null equals null, as
// Iceberg's equality deletes say.
func rowKey(vals []parquet.Value) string {
	var b []byte
	for _, v := range vals {
		switch {
		case v.IsNull():
			b = append(b, 'n')
		case v.Kind() == parquet.Int32:
			b = binary.AppendVarint(append(b, 'i'), int64(v.Int32()))
		case v.Kind() == parquet.Int64:
			b = binary.AppendVarint(append(b, 'i'), v.Int64())
		case v.Kind() == parquet.Float:
			b = binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(float64(v.Float())))
		case v.Kind() == parquet.Double:
			b = binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(v.Double()))
		case v.Kind() == parquet.Boolean:
			b = strconv.AppendBool(append(b, 'b'), v.Boolean())
		default:
			raw := v.Bytes()
			b = append(binary.AppendUvarint(append(b, 's'), uint64(len(raw))), raw...)
		}
	}
	return string(b)
}

// fileReader is an open local file or remote object.
type fileReader interface {
	io.ReaderAt
	io.Closer
}

// openFile opens path for reading, with its size.
func (c *deleteCache) openFile(path string) (fileReader, int64, error) {
	if c.open != nil {
		return c.open(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file", path)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}
