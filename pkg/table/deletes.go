package table

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
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

// maxDeleteRows bounds the rows of one delete file mlgate reads.
const maxDeleteRows = 16 << 20

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
	keys := make([]string, 0, len(part))
	for k := range part {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
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
// equality delete committed after it, in its partition or unpartitioned.
func (s *Snapshot) deletesOf(f *File) []*DeleteFile {
	var out []*DeleteFile
	for i := range s.DeleteFiles {
		d := &s.DeleteFiles[i]
		switch d.Content {
		case "equality":
			if d.scope.seq > f.scope.seq && (d.scope.part == "" || d.scope.spec == f.scope.spec && d.scope.part == f.scope.part) {
				out = append(out, d)
			}
		default:
			if d.scope.seq >= f.scope.seq {
				out = append(out, d)
			}
		}
	}
	return out
}

type deleteCache struct {
	mu sync.Mutex
	// position[delete file][data file] are the rows it deletes.
	position map[string]map[string]*roaring64.Bitmap
	// equality[delete file] are its rows' keys.
	equality map[string]map[string]bool
}

// DeletedRows is the set of row positions (0-based, in file order) of
// live file f the table deletes: its deletion vector (Delta), the rows
// the applicable delete files name or match (Iceberg).
func (s *Snapshot) DeletedRows(f *File) (*roaring64.Bitmap, error) {
	bm, err := s.DeletedRowSet(f)
	if err != nil {
		return nil, err
	}
	for _, d := range s.deletesOf(f) {
		switch d.Content {
		case "position":
			byFile, err := s.positionDeletes(d)
			if err != nil {
				return nil, err
			}
			if rows := byFile[f.Path]; rows != nil {
				bm.Or(rows)
			}
		case "equality":
			keys, err := s.equalityDeletes(d)
			if err != nil {
				return nil, err
			}
			err = readRows(f.Path, d.equality, math.MaxInt64, func(row int64, vals []parquet.Value) error {
				if keys[rowKey(vals)] {
					bm.Add(uint64(row))
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: applying equality delete file %s: %w", s.Location, d.Path, err)
			}
		default:
			return nil, &UnsupportedError{Table: s.Location, Feature: d.Content + " deletes", Detail: d.Path}
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
	err := readRows(d.Path, []string{"file_path", "pos"}, d.Rows, func(_ int64, vals []parquet.Value) error {
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
	keys := map[string]bool{}
	err := readRows(d.Path, d.equality, d.Rows, func(_ int64, vals []parquet.Value) error {
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

// readRows reads the named flat columns of a Parquet file row by row. A
// file with more rows than want (when want is below maxDeleteRows: a delete
// file's manifest count), or with more than maxDeleteRows when reading a
// delete file, is refused.
func readRows(path string, cols []string, want int64, fn func(row int64, vals []parquet.Value) error) error {
	f, err := parquetx.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if want != math.MaxInt64 && (f.NumRows != want || want > maxDeleteRows) {
		return fmt.Errorf("%d rows, the manifest says %d (at most %d are read)", f.NumRows, want, maxDeleteRows)
	}
	for _, c := range cols {
		col := f.Schema.Lookup(c)
		if col == nil || !col.Leaf || col.MaxRepetitionLevel > 0 {
			return fmt.Errorf("%s: no flat column %q", path, c)
		}
	}
	values := make([][]parquet.Value, len(cols))
	for i := range values {
		values[i] = make([]parquet.Value, f.NumRows)
	}
	index := map[string]int{}
	for i, c := range cols {
		index[c] = i
	}
	err = parquetx.Scan(context.Background(), []*parquetx.File{f}, cols, parquetx.ScanOptions{Workers: 1}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
		return &rowCollector{into: values[index[c.Column.Path]]}, nil
	})
	if err != nil {
		return err
	}
	vals := make([]parquet.Value, len(cols))
	for r := range f.NumRows {
		for i := range cols {
			vals[i] = values[i][r]
		}
		if err := fn(r, vals); err != nil {
			return fmt.Errorf("row %d: %w", r, err)
		}
	}
	return nil
}

// rowCollector keeps a copy of each value of a flat column at its row.
type rowCollector struct{ into []parquet.Value }

func (c *rowCollector) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (c *rowCollector) Close() error                             { return nil }
func (c *rowCollector) Values(b parquetx.Batch) error {
	for i, v := range b.Values {
		c.into[b.Rows[i]] = v.Clone()
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
