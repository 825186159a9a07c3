package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Delta Lake: mlgate's own log reader (there is no maintained Go one). It
// replays _delta_log: the newest complete checkpoint at or before the
// version (classic single-file, multi-part, or v2 with sidecars), then the
// JSON commits after it; adds minus removes, keyed by path and deletion
// vector as the protocol says.

// deltaReaderFeatures are the reader features this reader honours. Deletion
// vectors are resolved (the deleted row counts are known); a consumer that
// reads rows must still apply or refuse them (File.DV).
var deltaReaderFeatures = map[string]bool{
	"columnMapping":       true,
	"deletionVectors":     true,
	"timestampNtz":        true,
	"v2Checkpoint":        true,
	"vacuumProtocolCheck": true,
}

// maxLogLine bounds one line of a commit file (stats of wide tables are
// long, but not this long).
const maxLogLine = 64 << 20

type deltaDV struct {
	StorageType    string `json:"storageType" parquet:"storageType,optional"`
	PathOrInlineDv string `json:"pathOrInlineDv" parquet:"pathOrInlineDv,optional"`
	Offset         *int32 `json:"offset" parquet:"offset,optional"`
	SizeInBytes    int32  `json:"sizeInBytes" parquet:"sizeInBytes,optional"`
	Cardinality    int64  `json:"cardinality" parquet:"cardinality,optional"`
}

// DeletionVector is a Delta deletion vector descriptor, as the log states it.
type DeletionVector = deltaDV

func (d *deltaDV) id() string {
	if d == nil || d.StorageType == "" {
		return ""
	}
	s := d.StorageType + d.PathOrInlineDv
	if d.Offset != nil {
		s += "@" + strconv.Itoa(int(*d.Offset))
	}
	return s
}

type deltaAdd struct {
	Path            string             `json:"path" parquet:"path,optional"`
	PartitionValues map[string]*string `json:"partitionValues" parquet:"partitionValues,optional"`
	Size            int64              `json:"size" parquet:"size,optional"`
	Stats           *string            `json:"stats" parquet:"stats,optional"`
	DV              *deltaDV           `json:"deletionVector" parquet:"deletionVector,optional"`
}

type deltaRemove struct {
	Path string   `json:"path" parquet:"path,optional"`
	DV   *deltaDV `json:"deletionVector" parquet:"deletionVector,optional"`
}

type deltaMeta struct {
	ID               string            `json:"id" parquet:"id,optional"`
	SchemaString     string            `json:"schemaString" parquet:"schemaString,optional"`
	PartitionColumns []string          `json:"partitionColumns" parquet:"partitionColumns,optional,list"`
	Configuration    map[string]string `json:"configuration" parquet:"configuration,optional"`
}

type deltaProtocol struct {
	MinReaderVersion int32    `json:"minReaderVersion" parquet:"minReaderVersion,optional"`
	ReaderFeatures   []string `json:"readerFeatures" parquet:"readerFeatures,optional,list"`
}

type deltaSidecar struct {
	Path string `json:"path" parquet:"path,optional"`
}

type deltaCommitInfo struct {
	Timestamp         *int64 `json:"timestamp"`
	InCommitTimestamp *int64 `json:"inCommitTimestamp"`
}

type deltaAction struct {
	Add        *deltaAdd        `json:"add" parquet:"add,optional"`
	Remove     *deltaRemove     `json:"remove" parquet:"remove,optional"`
	MetaData   *deltaMeta       `json:"metaData" parquet:"metaData,optional"`
	Protocol   *deltaProtocol   `json:"protocol" parquet:"protocol,optional"`
	Sidecar    *deltaSidecar    `json:"sidecar" parquet:"sidecar,optional"`
	CommitInfo *deltaCommitInfo `json:"commitInfo" parquet:"-"`
}

var (
	reCommit     = regexp.MustCompile(`^(\d{20})\.json$`)
	reCheckpoint = regexp.MustCompile(`^(\d{20})\.checkpoint(?:\.(\d{10})\.(\d{10}))?(?:\.([0-9a-fA-F-]{36}))?\.(parquet|json)$`)
)

type deltaCheckpoint struct {
	version int64
	parts   []string // in part order
}

type deltaLog struct {
	root        string
	commits     map[int64]string
	checkpoints []deltaCheckpoint // complete ones, oldest first
}

func listDeltaLog(root string) (*deltaLog, error) {
	dir := filepath.Join(root, "_delta_log")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &deltaLog{root: root, commits: map[int64]string{}}
	type multi struct {
		n     int
		parts map[int]string
	}
	multis := map[string]*multi{}
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		if m := reCommit.FindStringSubmatch(name); m != nil {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			l.commits[v] = filepath.Join(dir, name)
			continue
		}
		m := reCheckpoint.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		switch {
		case m[2] != "": // multi-part: all parts must be present
			part, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			key := m[1] + "." + m[3]
			mm := multis[key]
			if mm == nil {
				mm = &multi{n: n, parts: map[int]string{}}
				multis[key] = mm
			}
			mm.parts[part] = filepath.Join(dir, name)
		default: // classic single file, or v2 (json or parquet) top file
			l.checkpoints = append(l.checkpoints, deltaCheckpoint{version: v, parts: []string{filepath.Join(dir, name)}})
		}
	}
	for key, mm := range multis {
		if len(mm.parts) != mm.n {
			continue // incomplete: a writer died; not a checkpoint
		}
		v, _ := strconv.ParseInt(key[:20], 10, 64)
		cp := deltaCheckpoint{version: v}
		for i := 1; i <= mm.n; i++ {
			p, ok := mm.parts[i]
			if !ok {
				cp.parts = nil
				break
			}
			cp.parts = append(cp.parts, p)
		}
		if cp.parts != nil {
			l.checkpoints = append(l.checkpoints, cp)
		}
	}
	sort.SliceStable(l.checkpoints, func(i, j int) bool { return l.checkpoints[i].version < l.checkpoints[j].version })
	return l, nil
}

func (l *deltaLog) latest() int64 {
	v := int64(-1)
	for c := range l.commits {
		v = max(v, c)
	}
	for _, c := range l.checkpoints {
		v = max(v, c.version)
	}
	return v
}

// OpenDelta replays the Delta table at root to the chosen version.
func OpenDelta(root string, opts Options) (*Snapshot, error) {
	l, err := listDeltaLog(root)
	if err != nil {
		return nil, fmt.Errorf("%s: not a Delta table: %w", root, err)
	}
	target := l.latest()
	if target < 0 {
		return nil, fmt.Errorf("%s: _delta_log holds no commits", root)
	}
	if opts.Version >= 0 {
		if opts.Version > target {
			return nil, fmt.Errorf("%s: version %d does not exist (latest is %d)", root, opts.Version, target)
		}
		target = opts.Version
	}
	if !opts.AsOf.IsZero() {
		if target, err = l.versionAsOf(opts.AsOf, target); err != nil {
			return nil, err
		}
	}
	st := &deltaState{root: root, live: map[string]deltaAdd{}}
	start := int64(0)
	var cp *deltaCheckpoint
	for i := len(l.checkpoints) - 1; i >= 0; i-- {
		if l.checkpoints[i].version <= target {
			cp = &l.checkpoints[i]
			break
		}
	}
	if cp != nil {
		if err := st.readCheckpoint(cp); err != nil {
			return nil, err
		}
		start = cp.version + 1
	}
	var ts time.Time
	for v := start; v <= target; v++ {
		p, ok := l.commits[v]
		if !ok {
			return nil, fmt.Errorf("%s: commit %d is missing from _delta_log (the log was cleaned up past version %d)", root, v, target)
		}
		acts, err := readJSONActions(p)
		if err != nil {
			return nil, err
		}
		for _, a := range acts {
			st.apply(a, false)
			if a.CommitInfo != nil && v == target {
				ts = a.CommitInfo.time()
			}
		}
	}
	if opts.Since != nil {
		if st.added, err = l.addedSince(*opts.Since, target); err != nil {
			return nil, err
		}
		st.since = *opts.Since
	}
	if ts.IsZero() {
		if p, ok := l.commits[target]; ok {
			if fi, err := os.Stat(p); err == nil {
				ts = fi.ModTime().UTC()
			}
		}
	}
	return st.snapshot(target, ts)
}

// addedSince are the keys (path and deletion vector) of the files the
// commits after since, up to target, added. A file re-added with a new
// deletion vector counts as added: its rows are checked again.
func (l *deltaLog) addedSince(since, target int64) (map[string]bool, error) {
	if since < 0 || since > target {
		return nil, fmt.Errorf("%s: since version %d: want a version from 0 to %d", l.root, since, target)
	}
	added := map[string]bool{}
	for v := since + 1; v <= target; v++ {
		p, ok := l.commits[v]
		if !ok {
			return nil, fmt.Errorf("%s: commit %d is missing from _delta_log (the log was cleaned up): the files added since version %d are not known", l.root, v, since)
		}
		acts, err := readJSONActions(p)
		if err != nil {
			return nil, err
		}
		for _, a := range acts {
			if a.Add != nil && a.Add.Path != "" {
				if a.Add.DV != nil && a.Add.DV.StorageType == "" {
					a.Add.DV = nil
				}
				added[key(a.Add.Path, a.Add.DV)] = true
			}
		}
	}
	return added, nil
}

func (c *deltaCommitInfo) time() time.Time {
	switch {
	case c.InCommitTimestamp != nil:
		return time.UnixMilli(*c.InCommitTimestamp).UTC()
	case c.Timestamp != nil:
		return time.UnixMilli(*c.Timestamp).UTC()
	}
	return time.Time{}
}

// versionAsOf is the last version committed at or before t. A commit's
// time is its in-commit timestamp, else its commitInfo timestamp, else the
// commit file's modification time (copied logs lose mtimes, so the log's
// own record comes first).
func (l *deltaLog) versionAsOf(t time.Time, latest int64) (int64, error) {
	best := int64(-1)
	for v := int64(0); v <= latest; v++ {
		p, ok := l.commits[v]
		if !ok {
			continue
		}
		acts, err := readJSONActions(p)
		if err != nil {
			return 0, err
		}
		var ct time.Time
		for _, a := range acts {
			if a.CommitInfo != nil {
				ct = a.CommitInfo.time()
			}
		}
		if ct.IsZero() {
			if fi, err := os.Stat(p); err == nil {
				ct = fi.ModTime()
			}
		}
		if !ct.After(t) {
			best = v
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("%s: no version was committed at or before %s", l.root, t.Format(time.RFC3339))
	}
	return best, nil
}

func readJSONActions(path string) ([]deltaAction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeJSONActions(path, f)
}

func decodeJSONActions(path string, r io.Reader) ([]deltaAction, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLogLine)
	var out []deltaAction
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a deltaAction
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, fmt.Errorf("%s:%d: not a Delta action: %w", path, n, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// maxCheckpointPage bounds one page of a Parquet checkpoint, compressed
// or not, before parquet-go decodes it (a checkpoint is untrusted input).
const maxCheckpointPage = 64 << 20

// maxCheckpointRows bounds the actions of one checkpoint file: a row of
// nulls costs the writer nothing, and each row read costs an action.
const maxCheckpointRows = 64 << 20

// checkCheckpoint validates a Parquet checkpoint's footer and page headers
// with parquetx's bounds, so a decompression bomb is refused by name
// before parquet-go reads it, and returns its rows (the row groups' sum:
// the footer's own count is not trusted).
func checkCheckpoint(path string, maxRows int64) (int64, error) {
	pf, err := parquetx.Open(path)
	if err != nil {
		return 0, err
	}
	defer pf.Close()
	if pf.NumRows > maxRows {
		return 0, fmt.Errorf("%s: a checkpoint of %d actions, more than %d", path, pf.NumRows, maxRows)
	}
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		for _, col := range pf.Schema.Leaves {
			if err := pf.CheckPages(rg, col, maxCheckpointPage); err != nil {
				return 0, err
			}
		}
	}
	return pf.NumRows, nil
}

func readParquetActions(path string) ([]deltaAction, error) {
	rows, err := checkCheckpoint(path, maxCheckpointRows)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a Parquet checkpoint: %w", path, err)
	}
	r := parquet.NewGenericReader[deltaAction](pf)
	defer r.Close()
	out := make([]deltaAction, 0, rows)
	buf := make([]deltaAction, 256)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		clear(buf)
	}
}

type deltaState struct {
	root     string
	live     map[string]deltaAdd
	added    map[string]bool // nil: no since version asked
	since    int64
	meta     *deltaMeta
	protocol *deltaProtocol
}

func key(path string, dv *deltaDV) string { return path + "\x00" + dv.id() }

func (s *deltaState) apply(a deltaAction, checkpoint bool) {
	switch {
	case a.Add != nil && a.Add.Path != "":
		if a.Add.DV != nil && a.Add.DV.StorageType == "" {
			a.Add.DV = nil // a null struct read from Parquet
		}
		s.live[key(a.Add.Path, a.Add.DV)] = *a.Add
	case a.Remove != nil && a.Remove.Path != "" && !checkpoint:
		if a.Remove.DV != nil && a.Remove.DV.StorageType == "" {
			a.Remove.DV = nil
		}
		delete(s.live, key(a.Remove.Path, a.Remove.DV))
	case a.MetaData != nil && (a.MetaData.ID != "" || a.MetaData.SchemaString != ""):
		s.meta = a.MetaData
	case a.Protocol != nil && a.Protocol.MinReaderVersion > 0:
		s.protocol = a.Protocol
	}
}

func (s *deltaState) readCheckpoint(cp *deltaCheckpoint) error {
	for _, p := range cp.parts {
		var acts []deltaAction
		var err error
		if strings.HasSuffix(p, ".json") {
			acts, err = readJSONActions(p)
		} else {
			acts, err = readParquetActions(p)
		}
		if err != nil {
			return err
		}
		for _, a := range acts {
			if a.Sidecar != nil && a.Sidecar.Path != "" {
				// v2 checkpoint: the file actions live in sidecar files.
				sp, err := within(filepath.Join(s.root, "_delta_log", "_sidecars"), unescapePath(a.Sidecar.Path))
				if err != nil {
					return err
				}
				side, err := readParquetActions(sp)
				if err != nil {
					return err
				}
				for _, b := range side {
					s.apply(b, true)
				}
				continue
			}
			s.apply(a, true)
		}
	}
	return nil
}

func unescapePath(p string) string {
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}

func (s *deltaState) snapshot(version int64, ts time.Time) (*Snapshot, error) {
	if s.protocol == nil || s.meta == nil {
		return nil, fmt.Errorf("%s: the log at version %d has no protocol or metaData action", s.root, version)
	}
	if err := s.checkProtocol(); err != nil {
		return nil, err
	}
	snap := &Snapshot{Format: FormatDelta, Location: s.root, Version: version, Timestamp: ts}
	if s.added != nil {
		snap.Since = &s.since
	}
	physical, logical, cols, err := deltaColumnMapping(s.meta)
	if err != nil {
		return nil, &UnsupportedError{Table: s.root, Feature: "columnMapping", Detail: err.Error()}
	}
	types := map[string]colType{}
	for _, c := range cols {
		snap.Columns = append(snap.Columns, c.name)
		if c.partition {
			ct, ok := snap.typeOf(c.typ)
			if !ok {
				return nil, &UnsupportedError{Table: s.root, Feature: "partition column type", Detail: fmt.Sprintf("%q is %s", c.name, c.typ)}
			}
			types[c.name] = ct
		}
	}
	snap.cols = cols
	if mode := s.meta.Configuration["delta.columnMapping.mode"]; mode != "" && mode != "none" {
		snap.ColumnMapping = mode
		snap.PhysicalNames = physical
	}
	snap.PartitionColumns = s.meta.PartitionColumns
	keys := make([]string, 0, len(s.live))
	for k := range s.live {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]string{} // resolved path -> the log's path
	for _, k := range keys {
		a := s.live[k]
		p, err := within(s.root, unescapePath(a.Path))
		if err != nil {
			return nil, err
		}
		// Two log paths of one file: an engine may read its rows twice,
		// the checks open it once.
		if prev, ok := seen[p]; ok {
			return nil, fmt.Errorf("%s: data file %s is live twice in version %d, as %q and %q", s.root, p, snap.Version, prev, a.Path)
		}
		seen[p] = a.Path
		f := File{Path: p, Size: a.Size, Added: s.added[k]}
		if len(a.PartitionValues) > 0 {
			f.Partition, f.consts = map[string]*string{}, map[string]parquet.Value{}
			for name, v := range a.PartitionValues {
				if l, ok := logical[name]; ok {
					name = l
				}
				f.Partition[name] = v
				ct, ok := types[name]
				if !ok {
					continue
				}
				if f.consts[name], err = deltaPartitionValue(ct, v); err != nil {
					return nil, fmt.Errorf("%s: partition value of %q in %s: %w", s.root, name, a.Path, err)
				}
			}
		}
		if a.Stats != nil && *a.Stats != "" {
			st, err := parseDeltaStats(*a.Stats, logical)
			if err != nil {
				return nil, fmt.Errorf("%s: stats of %s: %w", s.root, a.Path, err)
			}
			f.Stats = st
		}
		if a.DV != nil {
			dv := *a.DV
			// The live row count subtracts it before the vector is read.
			if dv.Cardinality < 0 {
				return nil, fmt.Errorf("%s: the deletion vector of %s deletes %d rows", s.root, a.Path, dv.Cardinality)
			}
			if f.Stats != nil && f.Stats.NumRecords >= 0 && dv.Cardinality > f.Stats.NumRecords {
				return nil, fmt.Errorf("%s: the deletion vector of %s deletes %d rows of %s, which holds %d", s.root, a.Path, dv.Cardinality, a.Path, f.Stats.NumRecords)
			}
			f.DV = &dv
			f.DeletedRows = dv.Cardinality
		}
		snap.Files = append(snap.Files, f)
	}
	for i := range snap.Files {
		snap.Files[i].snap = snap
	}
	return snap, nil
}

// deltaPartitionValue reads a partition value as the log writes it: text,
// null or empty for null (for any type: the protocol's rule).
func deltaPartitionValue(ct colType, v *string) (parquet.Value, error) {
	if v == nil || *v == "" || *v == "__HIVE_DEFAULT_PARTITION__" && ct.t.Name != parquetx.TypeString {
		return parquet.Value{}, nil
	}
	return parseText(ct, *v, false)
}

func (s *deltaState) checkProtocol() error {
	p := s.protocol
	switch {
	case p.MinReaderVersion > 3:
		return &UnsupportedError{Table: s.root, Feature: fmt.Sprintf("minReaderVersion %d", p.MinReaderVersion)}
	case p.MinReaderVersion == 3:
		for _, f := range p.ReaderFeatures {
			if !deltaReaderFeatures[f] {
				return &UnsupportedError{Table: s.root, Feature: f, Detail: "Delta reader feature"}
			}
		}
	}
	return nil
}

type deltaField struct {
	Name     string          `json:"name"`
	Type     json.RawMessage `json:"type"`
	Metadata map[string]any  `json:"metadata"`
}

// deltaColumnMapping maps top-level logical names to physical names (and
// back) from the schema's column-mapping metadata, and gives the table's
// columns. Physical names of nested fields are not mapped: such a table
// is refused.
func deltaColumnMapping(m *deltaMeta) (physical, logical map[string]string, cols []tableColumn, err error) {
	var schema struct {
		Fields []deltaField `json:"fields"`
	}
	if m.SchemaString == "" {
		return nil, nil, nil, nil
	}
	if err := json.Unmarshal([]byte(m.SchemaString), &schema); err != nil {
		return nil, nil, nil, fmt.Errorf("schemaString: %w", err)
	}
	physical, logical = map[string]string{}, map[string]string{}
	mapped := m.Configuration["delta.columnMapping.mode"]
	mapped = map[string]string{"name": "name", "id": "id"}[mapped]
	for _, f := range schema.Fields {
		tc := tableColumn{name: f.Name, physical: f.Name}
		var typ string
		if json.Unmarshal(f.Type, &typ) == nil {
			tc.typ = typ
		} else if mapped != "" && strings.Contains(string(f.Type), "delta.columnMapping.physicalName") {
			return nil, nil, nil, fmt.Errorf("nested field of %q has a physical name; nested column mapping is not read", f.Name)
		}
		if pn, ok := f.Metadata["delta.columnMapping.physicalName"].(string); ok && pn != "" {
			physical[f.Name] = pn
			logical[pn] = f.Name
			if mapped != "" {
				tc.physical = pn
			}
		}
		if id, ok := f.Metadata["delta.columnMapping.id"].(float64); ok && mapped == "id" && id > 0 && id < math.MaxInt32 {
			tc.id = int(id)
		}
		tc.partition = slices.Contains(m.PartitionColumns, f.Name)
		cols = append(cols, tc)
	}
	for _, p := range m.PartitionColumns {
		if !slices.ContainsFunc(cols, func(c tableColumn) bool { return c.name == p }) {
			return nil, nil, nil, fmt.Errorf("partition column %q is not in the schema", p)
		}
	}
	return physical, logical, cols, nil
}

func parseDeltaStats(s string, logical map[string]string) (*Stats, error) {
	var raw struct {
		NumRecords  *int64         `json:"numRecords"`
		NullCount   map[string]any `json:"nullCount"`
		MinValues   map[string]any `json:"minValues"`
		MaxValues   map[string]any `json:"maxValues"`
		TightBounds *bool          `json:"tightBounds"`
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	st := &Stats{NumRecords: -1, TightBounds: raw.TightBounds}
	if raw.NumRecords != nil {
		st.NumRecords = *raw.NumRecords
	}
	rename := func(k string) string {
		if l, ok := logical[k]; ok {
			return l
		}
		return k
	}
	if len(raw.NullCount) > 0 {
		st.NullCount = map[string]int64{}
		for k, v := range raw.NullCount {
			if n, ok := v.(json.Number); ok { // nested structs: not counted here
				if i, err := n.Int64(); err == nil {
					st.NullCount[rename(k)] = i
				}
			}
		}
	}
	conv := func(m map[string]any) map[string]any {
		if len(m) == 0 {
			return nil
		}
		out := map[string]any{}
		for k, v := range m {
			if _, nested := v.(map[string]any); !nested {
				out[rename(k)] = v
			}
		}
		return out
	}
	st.Min, st.Max = conv(raw.MinValues), conv(raw.MaxValues)
	return st, nil
}
