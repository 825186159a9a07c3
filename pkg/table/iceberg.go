package table

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlgate/mlgate/internal/readlimit"
	"github.com/parquet-go/parquet-go"
)

// Iceberg: metadata JSON, manifest lists and manifests read with
// github.com/hamba/avro (Avro OCF only, a few small dependencies) rather
// than apache/iceberg-go: iceberg-go pulls Arrow and its own cloud I/O
// stacks, megabytes the binary-size work of #13 has to pay for, while
// mlgate only needs the file list and manifest stats. Catalogs (REST,
// SQL) are not read yet.

// maxMetadata bounds a metadata JSON file, maxVersionHint a
// version-hint.text.
const (
	maxMetadata    = 64 << 20
	maxVersionHint = 4 << 10
)

type icebergField struct {
	ID             int             `json:"id"`
	Name           string          `json:"name"`
	Required       bool            `json:"required"`
	Type           json.RawMessage `json:"type"`
	InitialDefault json.RawMessage `json:"initial-default"`
	WriteDefault   json.RawMessage `json:"write-default"`
}

type icebergSchema struct {
	SchemaID int            `json:"schema-id"`
	Fields   []icebergField `json:"fields"`
}

type icebergSnapshot struct {
	SnapshotID   int64    `json:"snapshot-id"`
	ParentID     *int64   `json:"parent-snapshot-id"`
	TimestampMs  int64    `json:"timestamp-ms"`
	ManifestList string   `json:"manifest-list"`
	Manifests    []string `json:"manifests"`
	SchemaID     *int     `json:"schema-id"`
}

type icebergPartitionField struct {
	Name      string `json:"name"`
	Transform string `json:"transform"`
	SourceID  int    `json:"source-id"`
	// SourceIDs are a v3 multi-argument transform's sources; mlgate reads
	// partition values, never computes transforms, so only a single
	// source (an identity partition's column) is used.
	SourceIDs []int `json:"source-ids"`
}

type icebergSpec struct {
	SpecID int                     `json:"spec-id"`
	Fields []icebergPartitionField `json:"fields"`
}

type icebergMetadata struct {
	PartitionSpec     []icebergPartitionField `json:"partition-spec"` // v1
	PartitionSpecs    []icebergSpec           `json:"partition-specs"`
	DefaultSpecID     int                     `json:"default-spec-id"`
	FormatVersion     int                     `json:"format-version"`
	Location          string                  `json:"location"`
	CurrentSnapshotID *int64                  `json:"current-snapshot-id"`
	CurrentSchemaID   int                     `json:"current-schema-id"`
	Schema            *icebergSchema          `json:"schema"`
	Schemas           []icebergSchema         `json:"schemas"`
	Snapshots         []icebergSnapshot       `json:"snapshots"`
	Properties        map[string]string       `json:"properties"`
}

var reMetadataVersion = regexp.MustCompile(`^(?:v(\d+)|(\d+)-[^.]*)(?:\.gz)?\.metadata\.json$`)

// icebergMetadataFile finds the metadata file of a table folder: the one
// version-hint.text names, else the newest by version number.
func icebergMetadataFile(dir string) (string, error) {
	md := filepath.Join(dir, "metadata")
	// The hint is a version number; bounded, a hint that is a link to
	// /dev/zero is an error, not the whole memory.
	b, err := readlimit.ReadFile(filepath.Join(md, "version-hint.text"), maxVersionHint, "an Iceberg version hint")
	var tooLarge *readlimit.TooLargeError
	if errors.As(err, &tooLarge) {
		return "", err
	}
	if err == nil {
		hint := strings.TrimSpace(string(b))
		for _, name := range []string{"v" + hint + ".metadata.json", "v" + hint + ".gz.metadata.json", hint} {
			if name == "" || strings.ContainsAny(name, `/\`) {
				continue
			}
			if st, err := os.Stat(filepath.Join(md, name)); err == nil && st.Mode().IsRegular() {
				return filepath.Join(md, name), nil
			}
		}
	}
	ents, err := os.ReadDir(md)
	if err != nil {
		return "", err
	}
	best, bestV := "", int64(-1)
	var unversioned []string
	for _, e := range ents {
		m := reMetadataVersion.FindStringSubmatch(e.Name())
		if m == nil {
			if strings.HasSuffix(e.Name(), ".metadata.json") {
				unversioned = append(unversioned, e.Name())
			}
			continue
		}
		v, _ := strconv.ParseInt(m[1]+m[2], 10, 64)
		if v > bestV {
			best, bestV = e.Name(), v
		}
	}
	if best == "" && len(unversioned) == 1 {
		best = unversioned[0] // the only one: no choice to make
	}
	if best == "" {
		return "", fmt.Errorf("%s: no metadata file with a version number in %s, and no version-hint.text", dir, md)
	}
	return filepath.Join(md, best), nil
}

// readMaybeGzip reads a bounded file, gunzipping it when it is gzip.
func readMaybeGzip(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	return readlimit.Read(r, path, limit, "an Iceberg metadata file")
}

type icebergTable struct {
	root     string // local table folder
	location string // the location the writer recorded
}

// resolve maps a path the writer recorded (absolute, file://, or under
// its own location) into the local table folder, as DuckDB's
// allow_moved_paths does; a path that would leave the folder is refused.
func (t *icebergTable) resolve(p string) (string, error) {
	norm := func(s string) string {
		s = strings.TrimPrefix(s, "file://")
		s = strings.TrimPrefix(s, "./")
		return strings.TrimSuffix(s, "/")
	}
	np, loc := norm(p), norm(t.location)
	if loc != "" && strings.HasPrefix(np, loc+"/") {
		return within(t.root, np[len(loc)+1:])
	}
	// The location may be relative to another working directory: match
	// on the table folder's name as a path segment.
	for _, name := range []string{filepath.Base(loc), filepath.Base(t.root)} {
		seg := "/" + name + "/"
		if i := strings.LastIndex("/"+np, seg); name != "." && name != "" && i >= 0 {
			return within(t.root, ("/" + np)[i+len(seg):])
		}
	}
	if strings.Contains(p, "://") {
		return "", fmt.Errorf("%s: %s is not under the table location %s", t.root, p, t.location)
	}
	return within(t.root, np)
}

// OpenIceberg reads the Iceberg table at path (a metadata file, or a table
// folder) at the chosen snapshot.
func OpenIceberg(path string, opts Options) (*Snapshot, error) {
	metaPath := path
	var root string
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if metaPath, err = icebergMetadataFile(path); err != nil {
			return nil, err
		}
		root = path
	} else {
		root = filepath.Dir(filepath.Dir(path)) // <table>/metadata/x.metadata.json
	}
	b, err := readMaybeGzip(metaPath, maxMetadata)
	if err != nil {
		return nil, err
	}
	var md icebergMetadata
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("%s: not Iceberg table metadata: %w", metaPath, err)
	}
	if md.FormatVersion < 1 || md.FormatVersion > 3 {
		return nil, &UnsupportedError{Table: metaPath, Feature: fmt.Sprintf("format-version %d", md.FormatVersion)}
	}
	md.singleSources()
	t := &icebergTable{root: root, location: md.Location}
	snap := &Snapshot{Format: FormatIceberg, Location: metaPath, Version: -1}
	s, err := md.pick(metaPath, opts)
	if err != nil || s == nil {
		return snap, err // no snapshot: an empty table
	}
	snap.Version, snap.Timestamp = s.SnapshotID, time.UnixMilli(s.TimestampMs).UTC()
	schema, err := md.schemaOf(s, opts.Version < 0 && opts.AsOf.IsZero())
	if err != nil {
		return nil, err
	}
	if err := md.columns(metaPath, schema, snap); err != nil {
		return nil, err
	}
	names := map[int]icebergField{}
	for _, f := range schema.Fields {
		names[f.ID] = f
		snap.Columns = append(snap.Columns, f.Name)
	}
	manifests, err := t.manifests(s)
	if err != nil {
		return nil, err
	}
	var after map[int64]bool
	if opts.Since != nil {
		if after, err = md.after(metaPath, *opts.Since, s); err != nil {
			return nil, err
		}
		snap.Since = opts.Since
	}
	for _, m := range manifests {
		if err := t.readManifest(m, names, md.spec(int(m.spec)), snap, after); err != nil {
			return nil, err
		}
	}
	sort.Slice(snap.Files, func(i, j int) bool { return snap.Files[i].Path < snap.Files[j].Path })
	for i := 1; i < len(snap.Files); i++ {
		// An engine reads its rows twice; the checks open each path once.
		if snap.Files[i].Path == snap.Files[i-1].Path {
			return nil, fmt.Errorf("%s: data file %s is live twice in snapshot %d (listed by two manifest entries)", snap.Location, snap.Files[i].Path, snap.Version)
		}
	}
	snap.resolve = t.resolve
	for i := range snap.Files {
		snap.Files[i].Deletes = len(snap.deletesOf(&snap.Files[i])) > 0
		snap.Files[i].snap = snap
	}
	return snap, nil
}

// singleSources gives a v3 partition field with one source in
// source-ids that source as its source-id.
func (md *icebergMetadata) singleSources() {
	fix := func(fs []icebergPartitionField) {
		for i := range fs {
			if fs[i].SourceID == 0 && len(fs[i].SourceIDs) == 1 {
				fs[i].SourceID = fs[i].SourceIDs[0]
			}
		}
	}
	fix(md.PartitionSpec)
	for _, s := range md.PartitionSpecs {
		fix(s.Fields)
	}
}

// spec is the partition spec with the id (v1 tables have one, unnumbered).
func (md *icebergMetadata) spec(id int) []icebergPartitionField {
	for _, s := range md.PartitionSpecs {
		if s.SpecID == id {
			return s.Fields
		}
	}
	return md.PartitionSpec
}

func (md *icebergMetadata) pick(metaPath string, opts Options) (*icebergSnapshot, error) {
	var want int64 = -1
	switch {
	case opts.Version >= 0:
		want = opts.Version
	case !opts.AsOf.IsZero():
		var best *icebergSnapshot
		for i := range md.Snapshots {
			s := &md.Snapshots[i]
			if !time.UnixMilli(s.TimestampMs).After(opts.AsOf) && (best == nil || s.TimestampMs >= best.TimestampMs) {
				best = s
			}
		}
		if best == nil {
			return nil, fmt.Errorf("%s: no snapshot was committed at or before %s", metaPath, opts.AsOf.Format(time.RFC3339))
		}
		return best, nil
	case md.CurrentSnapshotID != nil && *md.CurrentSnapshotID >= 0:
		want = *md.CurrentSnapshotID
	default:
		return nil, nil
	}
	for i := range md.Snapshots {
		if md.Snapshots[i].SnapshotID == want {
			return &md.Snapshots[i], nil
		}
	}
	return nil, fmt.Errorf("%s: snapshot %d does not exist", metaPath, want)
}

// after are the snapshots from since (excluded) to s (included) along
// s's ancestry: a data file added by one of them is new since since.
func (md *icebergMetadata) after(metaPath string, since int64, s *icebergSnapshot) (map[int64]bool, error) {
	byID := map[int64]*icebergSnapshot{}
	for i := range md.Snapshots {
		byID[md.Snapshots[i].SnapshotID] = &md.Snapshots[i]
	}
	out := map[int64]bool{}
	for cur := s; cur != nil; {
		if cur.SnapshotID == since {
			return out, nil
		}
		if out[cur.SnapshotID] {
			break // a cycle in untrusted metadata
		}
		out[cur.SnapshotID] = true
		if cur.ParentID == nil {
			break
		}
		cur = byID[*cur.ParentID]
	}
	return nil, fmt.Errorf("%s: since snapshot %d is not an ancestor of snapshot %d (expired, or on another branch)", metaPath, since, s.SnapshotID)
}

// schemaOf is the schema that reads snapshot s: the table's current one
// for the current snapshot (a column renamed or added since the last write
// reads under its new name), the snapshot's own for time travel.
func (md *icebergMetadata) schemaOf(s *icebergSnapshot, current bool) (*icebergSchema, error) {
	id := md.CurrentSchemaID
	if s.SchemaID != nil && !current {
		id = *s.SchemaID
	}
	for i := range md.Schemas {
		if md.Schemas[i].SchemaID == id {
			return &md.Schemas[i], nil
		}
	}
	if md.Schema != nil {
		return md.Schema, nil
	}
	return nil, fmt.Errorf("schema %d not found in the table metadata", id)
}

// columns gives the snapshot the schema's columns, their initial defaults
// (the value of a column in files written before it was added) and the
// table's name mapping (field ids for files written without them). A
// default inside a nested type is refused: only top-level constants are
// read.
func (md *icebergMetadata) columns(metaPath string, cur *icebergSchema, snap *Snapshot) error {
	for _, f := range cur.Fields {
		if name, err := unreadType(f.Type); err != nil || name != "" {
			if err != nil {
				return fmt.Errorf("%s: column %s: %w", metaPath, f.Name, err)
			}
			return &UnsupportedError{Table: metaPath, Feature: "type " + name, Detail: "column " + f.Name}
		}
		tc := tableColumn{name: f.Name, physical: f.Name, id: f.ID, required: f.Required}
		var typ string
		if json.Unmarshal(f.Type, &typ) == nil {
			tc.typ = typ
		} else if strings.Contains(string(f.Type), `"initial-default"`) {
			return &UnsupportedError{Table: metaPath, Feature: "column default", Detail: "a field nested in column " + f.Name + " has an initial-default"}
		}
		if len(f.InitialDefault) > 0 && string(f.InitialDefault) != "null" {
			ct, ok := snap.typeOf(typ)
			text, ok2 := jsonText(f.InitialDefault)
			if !ok || !ok2 {
				return &UnsupportedError{Table: metaPath, Feature: "column default", Detail: fmt.Sprintf("column %s of type %s has an initial-default", f.Name, cmpOr(typ, "nested"))}
			}
			v, err := parseText(ct, text, true)
			if err != nil {
				return fmt.Errorf("%s: initial-default of column %s: %w", metaPath, f.Name, err)
			}
			tc.def = &v
		}
		snap.cols = append(snap.cols, tc)
	}
	if nm, ok := md.Properties["schema.name-mapping.default"]; ok {
		var mapping []struct {
			FieldID *int     `json:"field-id"`
			Names   []string `json:"names"`
		}
		if err := json.Unmarshal([]byte(nm), &mapping); err != nil {
			return fmt.Errorf("%s: schema.name-mapping.default: %w", metaPath, err)
		}
		snap.nameMapping = map[string]int{}
		for _, m := range mapping {
			for _, n := range m.Names {
				if m.FieldID != nil {
					snap.nameMapping[n] = *m.FieldID
				}
			}
		}
	}
	return nil
}

// unreadType is the first type in an Iceberg field type (a primitive, or
// a struct, list or map) that mlgate does not read: a v3 variant,
// geometry, geography or unknown, or a name no version defines. Its
// parameters are left out of the name (geometry, not geometry(srid:4326)).
func unreadType(raw json.RawMessage) (string, error) {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		if _, ok := timestampType(name, FormatIceberg); ok {
			return "", nil
		}
		if _, ok := typeOf(name); ok && name != "integer" && name != "byte" && name != "short" && name != "timestamp_ntz" {
			return "", nil // the Delta-only names are not Iceberg's
		}
		if i := strings.IndexByte(name, '('); i > 0 {
			name = name[:i]
		}
		return cmpOr(name, `""`), nil
	}
	var nested struct {
		Type   string `json:"type"`
		Fields []struct {
			Type json.RawMessage `json:"type"`
		} `json:"fields"`
		Element json.RawMessage `json:"element"`
		Key     json.RawMessage `json:"key"`
		Value   json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &nested); err != nil {
		return "", fmt.Errorf("not an Iceberg type: %w", err)
	}
	var parts []json.RawMessage
	switch nested.Type {
	case "struct":
		for _, f := range nested.Fields {
			parts = append(parts, f.Type)
		}
	case "list":
		parts = append(parts, nested.Element)
	case "map":
		parts = append(parts, nested.Key, nested.Value)
	default:
		return cmpOr(nested.Type, "without a name"), nil
	}
	for _, p := range parts {
		if name, err := unreadType(p); err != nil || name != "" {
			return name, err
		}
	}
	return "", nil
}

type icebergManifest struct {
	path    string
	content int64 // 0 data, 1 deletes
	// seq is the manifest's sequence number, which its added entries
	// inherit; spec its partition spec id; addedBy the snapshot that added
	// it: its entries' snapshot id when they inherit it (-1: unknown).
	seq, spec, addedBy int64
}

func (t *icebergTable) manifests(s *icebergSnapshot) ([]icebergManifest, error) {
	if s.ManifestList == "" { // v1 may list manifests inline
		var out []icebergManifest
		for _, m := range s.Manifests {
			p, err := t.resolve(m)
			if err != nil {
				return nil, err
			}
			out = append(out, icebergManifest{path: p, addedBy: -1})
		}
		return out, nil
	}
	p, err := t.resolve(s.ManifestList)
	if err != nil {
		return nil, err
	}
	var out []icebergManifest
	err = readAvro(p, func(rec map[string]any) error {
		mp, _ := unwrap(rec["manifest_path"]).(string)
		if mp == "" {
			return fmt.Errorf("%s: a manifest entry has no manifest_path", p)
		}
		local, err := t.resolve(mp)
		if err != nil {
			return err
		}
		c, _ := toInt(unwrap(rec["content"]))
		seq, _ := toInt(unwrap(rec["sequence_number"]))
		spec, _ := toInt(unwrap(rec["partition_spec_id"]))
		by, ok := toInt(unwrap(rec["added_snapshot_id"]))
		if !ok {
			by = -1
		}
		out = append(out, icebergManifest{path: local, content: c, seq: seq, spec: spec, addedBy: by})
		return nil
	})
	return out, err
}

// readManifest adds the manifest's live files to snap; after, when set,
// are the snapshots whose added files are marked Added.
func (t *icebergTable) readManifest(m icebergManifest, names map[int]icebergField, spec []icebergPartitionField, snap *Snapshot, after map[int64]bool) error {
	return readAvro(m.path, func(rec map[string]any) error {
		status, _ := toInt(unwrap(rec["status"]))
		if status == 2 { // DELETED: not live
			return nil
		}
		df, _ := unwrap(rec["data_file"], "data_file").(map[string]any)
		if df == nil {
			return fmt.Errorf("%s: a manifest entry has no data_file", m.path)
		}
		fp, _ := unwrap(df["file_path"]).(string)
		local, err := t.resolve(fp)
		if err != nil {
			return err
		}
		content, _ := toInt(unwrap(df["content"]))
		rows, _ := toInt(unwrap(df["record_count"]))
		format, _ := unwrap(df["file_format"]).(string)
		scope := m.scope(rec, df)
		switch {
		case content == 1 && strings.EqualFold(format, "puffin"):
			dv, err := t.deletionVector(df)
			if err != nil {
				return fmt.Errorf("%s: deletion vector %s: %w", m.path, fp, err)
			}
			snap.DeleteFiles = append(snap.DeleteFiles, DeleteFile{Path: local, Content: "deletion-vector", Rows: rows, scope: scope, dv: dv})
			return nil
		case content == 1:
			snap.DeleteFiles = append(snap.DeleteFiles, DeleteFile{Path: local, Content: "position", Rows: rows, scope: scope})
			return nil
		case content == 2:
			d := DeleteFile{Path: local, Content: "equality", Rows: rows, scope: scope}
			for _, id := range avroInts(unwrap(df["equality_ids"])) {
				field, ok := names[int(id)]
				if !ok {
					return fmt.Errorf("%s: equality delete file %s names field id %d, not in the schema", m.path, fp, id)
				}
				d.equality = append(d.equality, field.Name)
			}
			if len(d.equality) == 0 {
				return fmt.Errorf("%s: equality delete file %s names no equality fields", m.path, fp)
			}
			snap.DeleteFiles = append(snap.DeleteFiles, d)
			return nil
		case m.content == 1:
			return fmt.Errorf("%s: a delete manifest lists a data file", m.path)
		}
		if km := unwrap(df["key_metadata"]); km != nil {
			return &UnsupportedError{Table: snap.Location, Feature: "encrypted data files", Detail: fp}
		}
		if !strings.EqualFold(format, "parquet") {
			return &UnsupportedError{Table: snap.Location, Feature: "file format " + format, Detail: fp}
		}
		size, _ := toInt(unwrap(df["file_size_in_bytes"]))
		f := File{Path: local, Size: size, Stats: &Stats{NumRecords: rows}, scope: scope}
		if after != nil {
			by, ok := toInt(unwrap(rec["snapshot_id"]))
			if !ok { // inherited from the manifest
				by = m.addedBy
			}
			if by < 0 {
				return fmt.Errorf("%s: an entry names no snapshot that added %s, so whether it is new is not known", m.path, fp)
			}
			f.Added = after[by]
		}
		if nc := avroIntMap(unwrap(df["null_value_counts"])); len(nc) > 0 {
			f.Stats.NullCount = map[string]int64{}
			for id, n := range nc {
				if field, ok := names[id]; ok {
					f.Stats.NullCount[field.Name] = n
				}
			}
		}
		f.Stats.Min = icebergBounds(unwrap(df["lower_bounds"]), names)
		f.Stats.Max = icebergBounds(unwrap(df["upper_bounds"]), names)
		if part, ok := unwrap(df["partition"]).(map[string]any); ok && len(part) > 0 {
			f.Partition = map[string]*string{}
			for k, v := range part {
				v = unwrap(v)
				if v == nil {
					f.Partition[k] = nil
					continue
				}
				s := partitionText(v)
				f.Partition[k] = &s
			}
			if err := f.identityValues(part, spec, names); err != nil {
				return fmt.Errorf("%s: %s: %w", m.path, fp, err)
			}
		}
		snap.Files = append(snap.Files, f)
		return nil
	})
}

// identityValues keeps the source column values of identity partition
// fields: a file may be written without its partition columns
// (write.data.partition-columns false), and a reader takes them from here.
func (f *File) identityValues(part map[string]any, spec []icebergPartitionField, names map[int]icebergField) error {
	for _, pf := range spec {
		src, ok := names[pf.SourceID]
		raw, present := part[pf.Name]
		if pf.Transform != "identity" || !ok || !present {
			continue
		}
		var typ string
		if json.Unmarshal(src.Type, &typ) != nil {
			continue
		}
		ct, ok := f.snapType(typ)
		if !ok {
			continue
		}
		v := parquet.Value{}
		if raw = unwrap(raw); raw != nil {
			var err error
			if v, err = avroValue(ct, raw); err != nil {
				return fmt.Errorf("partition %s: %w", pf.Name, err)
			}
		}
		if f.consts == nil {
			f.consts = map[string]parquet.Value{}
		}
		f.consts[src.Name] = v
	}
	return nil
}

// snapType is typeOf for an Iceberg type name.
func (f *File) snapType(name string) (colType, bool) {
	if ct, ok := timestampType(name, FormatIceberg); ok {
		return ct, true
	}
	return typeOf(name)
}

// avroTypeNames are the union branch names hamba/avro wraps a non-null
// union value in when decoding into map[string]any.
var avroTypeNames = map[string]bool{"int": true, "long": true, "string": true, "bytes": true, "boolean": true,
	"float": true, "double": true, "array": true, "map": true, "fixed": true}

// names are record names the caller expects a union to wrap (some writers
// make data_file itself nullable).
func unwrap(v any, names ...string) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k, inner := range m {
			if avroTypeNames[k] || strings.Contains(k, ".") || slices.Contains(names, k) {
				return inner
			}
		}
	}
	return v
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// avroPairs reads an Iceberg map (an array of key/value records, which
// some writers make nullable).
func avroPairs(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		kv, _ := e.(map[string]any)
		if _, ok := kv["key"]; !ok && len(kv) == 1 {
			for _, inner := range kv {
				kv, _ = inner.(map[string]any)
			}
		}
		out = append(out, kv)
	}
	return out
}

// avroIntMap reads an Iceberg map<int, long> (an array of key/value records).
func avroIntMap(v any) map[int]int64 {
	out := map[int]int64{}
	for _, kv := range avroPairs(v) {
		k, ok1 := toInt(kv["key"])
		n, ok2 := toInt(unwrap(kv["value"]))
		if ok1 && ok2 {
			out[int(k)] = n
		}
	}
	return out
}

// partitionDatum is a manifest's partition datum as a plain Go value: a
// union's branch (named by its type, as decimal_3_2) unwrapped, an Avro
// fixed as []byte.
func partitionDatum(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for _, inner := range m { // a union branch named by its type (decimal_3_2)
			v = inner
		}
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, rv.Len()) // an Avro fixed
		reflect.Copy(reflect.ValueOf(b), rv)
		v = b
	}
	return v
}

func partitionText(v any) string {
	v = partitionDatum(v)
	switch x := v.(type) {
	case []byte:
		return fmt.Sprintf("%x", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case time.Duration: // time of day
		return time.Unix(0, 0).UTC().Add(x).Format("15:04:05.999999")
	case *big.Rat: // a decimal: as many places as it has
		places, ten := 0, big.NewInt(10)
		for p := big.NewInt(1); places < 80 && new(big.Int).Mod(p, x.Denom()).Sign() != 0; places++ {
			p.Mul(p, ten)
		}
		return x.FloatString(places)
	}
	return fmt.Sprint(v)
}

// icebergBounds decodes the bounds of top-level int and long columns
// (Iceberg's single-value serialization: little-endian); other types are
// left out, as ChunkStats would not use them.
func icebergBounds(v any, fields map[int]icebergField) map[string]any {
	out := map[string]any{}
	for _, kv := range avroPairs(v) {
		id, ok := toInt(kv["key"])
		b, _ := unwrap(kv["value"]).([]byte)
		field, known := fields[int(id)]
		if !ok || !known {
			continue
		}
		switch string(field.Type) {
		case `"int"`:
			if len(b) == 4 {
				out[field.Name] = json.Number(strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(b))), 10))
			}
		case `"long"`:
			if len(b) == 8 {
				out[field.Name] = json.Number(strconv.FormatInt(int64(binary.LittleEndian.Uint64(b)), 10))
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
