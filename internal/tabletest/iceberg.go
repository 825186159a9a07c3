package tabletest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/hamba/avro/v2/ocf"
	"github.com/parquet-go/parquet-go"
)

// Iceberg is an Iceberg table being written, one snapshot at a time, as a
// writer lays it out: Parquet data files of one long column "id" (field
// id 1), position delete files (v2), deletion vectors in Puffin files
// (v3), manifests and manifest lists in Avro, numbered metadata files
// and version-hint.text. Paths are recorded under Location, a folder of
// another machine, as moved tables have them.
type Iceberg struct {
	Dir      string
	Location string
	version  int
	seq      int64
	files    int
	list     []map[string]any
	snaps    []map[string]any
}

type icebergRow struct {
	ID int64 `parquet:"id,id(1)"`
}

type positionDelete struct {
	FilePath string `parquet:"file_path,id(2147483546)"`
	Pos      int64  `parquet:"pos,id(2147483545)"`
}

// NewIceberg starts a table of the format version in dir.
func NewIceberg(tb testing.TB, dir string, formatVersion int) *Iceberg {
	tb.Helper()
	for _, sub := range []string{"data", "metadata"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return &Iceberg{Dir: dir, Location: "/elsewhere/warehouse/" + filepath.Base(dir), version: formatVersion}
}

// recorded is the path a writer records for a file of the table.
func (ic *Iceberg) recorded(local string) string {
	rel, err := filepath.Rel(ic.Dir, local)
	if err != nil {
		panic(err)
	}
	return ic.Location + "/" + filepath.ToSlash(rel)
}

func (ic *Iceberg) name(ext string) string {
	ic.files++
	return filepath.Join(ic.Dir, "data", fmt.Sprintf("%05d.%s", ic.files, ext))
}

func size(tb testing.TB, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// Append commits one data file per slice of ids; it returns their paths.
func (ic *Iceberg) Append(tb testing.TB, files ...[]int64) []string {
	tb.Helper()
	var paths []string
	var entries []map[string]any
	for _, ids := range files {
		p := ic.name("parquet")
		rows := make([]icebergRow, len(ids))
		for i, id := range ids {
			rows[i] = icebergRow{id}
		}
		if err := parquet.WriteFile(p, rows); err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, p)
		entries = append(entries, ic.entry(0, p, "PARQUET", int64(len(ids)), size(tb, p), nil, nil, nil))
	}
	ic.commit(tb, 0, "append", entries)
	return paths
}

// DeletePositions commits one position delete file deleting the rows of
// each data file (by its path from Append).
func (ic *Iceberg) DeletePositions(tb testing.TB, rows map[string][]int64) {
	tb.Helper()
	var recs []positionDelete
	for _, file := range slices.Sorted(maps.Keys(rows)) {
		for _, r := range rows[file] {
			recs = append(recs, positionDelete{ic.recorded(file), r})
		}
	}
	p := ic.name("parquet")
	if err := parquet.WriteFile(p, recs); err != nil {
		tb.Fatal(err)
	}
	ic.commit(tb, 1, "delete", []map[string]any{ic.entry(1, p, "PARQUET", int64(len(recs)), size(tb, p), nil, nil, nil)})
}

// DeletionVectors commits one Puffin file holding a deletion-vector-v1
// blob for each data file (by its path from Append).
func (ic *Iceberg) DeletionVectors(tb testing.TB, rows map[string][]uint64) {
	tb.Helper()
	p := ic.name("puffin")
	out := []byte("PFA1")
	var blobs, entries []map[string]any
	for _, file := range slices.Sorted(maps.Keys(rows)) {
		blob := DeletionVectorBlob(tb, rows[file]...)
		ref, off, n := ic.recorded(file), int64(len(out)), int64(len(blob))
		out = append(out, blob...)
		card := int64(len(rows[file]))
		blobs = append(blobs, map[string]any{"type": "deletion-vector-v1", "fields": []int{2147483645}, "snapshot-id": -1, "sequence-number": -1,
			"offset": off, "length": n, "properties": map[string]string{"referenced-data-file": ref, "cardinality": strconv.FormatInt(card, 10)}})
		entries = append(entries, ic.entry(1, p, "PUFFIN", card, 0, &ref, &off, &n))
	}
	footer, _ := json.Marshal(map[string]any{"blobs": blobs})
	out = append(out, "PFA1"...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	out = append(out, 0, 0, 0, 0)
	out = append(out, "PFA1"...)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		e["data_file"].(map[string]any)["file_size_in_bytes"] = int64(len(out))
	}
	ic.commit(tb, 1, "delete", entries)
}

// DeletionVectorBlob is a deletion-vector-v1 blob: a big-endian length,
// the magic and a portable 64-bit Roaring bitmap, a CRC-32 of both.
func DeletionVectorBlob(tb testing.TB, rows ...uint64) []byte {
	vec, err := roaring64.BitmapOf(rows...).ToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	body := append([]byte{0xD1, 0xD3, 0x39, 0x64}, vec...)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

func (ic *Iceberg) entry(content int, local, format string, rows, size int64, ref *string, off, n *int64) map[string]any {
	df := map[string]any{"content": content, "file_path": ic.recorded(local), "file_format": format, "partition": map[string]any{},
		"record_count": rows, "file_size_in_bytes": size, "referenced_data_file": nil, "content_offset": nil, "content_size_in_bytes": nil}
	if ref != nil {
		df["referenced_data_file"], df["content_offset"], df["content_size_in_bytes"] = *ref, *off, *n
	}
	return map[string]any{"status": 1, "data_file": df}
}

const manifestSchema = `{"type":"record","name":"manifest_entry","fields":[
 {"name":"status","type":"int"},
 {"name":"snapshot_id","type":"long"},
 {"name":"sequence_number","type":"long"},
 {"name":"file_sequence_number","type":"long"},
 {"name":"data_file","type":{"type":"record","name":"r2","fields":[
  {"name":"content","type":"int"},
  {"name":"file_path","type":"string"},
  {"name":"file_format","type":"string"},
  {"name":"partition","type":{"type":"record","name":"r102","fields":[]}},
  {"name":"record_count","type":"long"},
  {"name":"file_size_in_bytes","type":"long"},
  {"name":"referenced_data_file","type":["null","string"]},
  {"name":"content_offset","type":["null","long"]},
  {"name":"content_size_in_bytes","type":["null","long"]}]}}]}`

const manifestListSchema = `{"type":"record","name":"manifest_file","fields":[
 {"name":"manifest_path","type":"string"},
 {"name":"manifest_length","type":"long"},
 {"name":"partition_spec_id","type":"int"},
 {"name":"content","type":"int"},
 {"name":"sequence_number","type":"long"},
 {"name":"min_sequence_number","type":"long"},
 {"name":"added_snapshot_id","type":"long"}]}`

func writeAvro(tb testing.TB, p, schema string, recs []map[string]any) {
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(schema, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// commit writes a manifest of the entries, a manifest list of every
// manifest so far, and the next metadata file.
func (ic *Iceberg) commit(tb testing.TB, content int, op string, entries []map[string]any) {
	tb.Helper()
	ic.seq++
	id := 1000 + ic.seq
	for _, e := range entries {
		e["snapshot_id"], e["sequence_number"], e["file_sequence_number"] = id, ic.seq, ic.seq
	}
	m := filepath.Join(ic.Dir, "metadata", fmt.Sprintf("m%d.avro", ic.seq))
	writeAvro(tb, m, manifestSchema, entries)
	ic.list = append(ic.list, map[string]any{"manifest_path": ic.recorded(m), "manifest_length": size(tb, m), "partition_spec_id": 0,
		"content": content, "sequence_number": ic.seq, "min_sequence_number": ic.seq, "added_snapshot_id": id})
	l := filepath.Join(ic.Dir, "metadata", fmt.Sprintf("snap-%d.avro", id))
	writeAvro(tb, l, manifestListSchema, ic.list)
	snap := map[string]any{"snapshot-id": id, "sequence-number": ic.seq, "timestamp-ms": 1700000000000 + ic.seq*1000,
		"manifest-list": ic.recorded(l), "summary": map[string]string{"operation": op}, "schema-id": 0}
	if len(ic.snaps) > 0 {
		snap["parent-snapshot-id"] = id - 1
	}
	ic.snaps = append(ic.snaps, snap)
	md := map[string]any{"format-version": ic.version, "table-uuid": "00000000-0000-0000-0000-000000000001", "location": ic.Location,
		"last-sequence-number": ic.seq, "last-updated-ms": 1700000000000 + ic.seq*1000, "last-column-id": 1, "current-schema-id": 0,
		"schemas":         []any{map[string]any{"type": "struct", "schema-id": 0, "fields": []any{map[string]any{"id": 1, "name": "id", "required": true, "type": "long"}}}},
		"default-spec-id": 0, "partition-specs": []any{map[string]any{"spec-id": 0, "fields": []any{}}}, "last-partition-id": 999,
		"properties": map[string]string{}, "current-snapshot-id": id, "snapshots": ic.snaps}
	if ic.version >= 3 {
		md["next-row-id"] = 0
	}
	b, _ := json.MarshalIndent(md, "", " ")
	if err := os.WriteFile(filepath.Join(ic.Dir, "metadata", fmt.Sprintf("v%d.metadata.json", ic.seq)), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ic.Dir, "metadata", "version-hint.text"), []byte(strconv.FormatInt(ic.seq, 10)), 0o644); err != nil {
		tb.Fatal(err)
	}
}
