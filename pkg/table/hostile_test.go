package table

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// writeLog writes a Delta log of the given commits (one string per commit,
// lines of JSON actions) under a new table folder.
func writeLog(t testing.TB, commits ...string) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "_delta_log")
	if err := os.MkdirAll(log, 0o755); err != nil {
		t.Fatal(err)
	}
	for v, c := range commits {
		if err := os.WriteFile(filepath.Join(log, fmt.Sprintf("%020d.json", v)), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const header = `{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"x","schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{}}}
`

// The log is untrusted: a path leaving the table folder, an absolute path
// or URL, a gap in the commits, a feature nobody honours and malformed
// JSON are refused with the reason, never followed or read around.
func TestHostileDeltaLogs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		commits []string
		want    string
	}{
		{"traversal", []string{header + `{"add":{"path":"../../etc/passwd","size":1}}`}, "leaves the table folder"},
		{"escaped traversal", []string{header + `{"add":{"path":"%2E%2E/%2E%2E/secret","size":1}}`}, "leaves the table folder"},
		{"absolute", []string{header + `{"add":{"path":"/etc/passwd","size":1}}`}, "is absolute"},
		{"url", []string{header + `{"add":{"path":"s3://bucket/x.parquet","size":1}}`}, "is absolute"},
		{"unknown reader feature", []string{`{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["fancyFeature"]}}` + "\n" + header[strings.Index(header, "\n")+1:]}, `"fancyFeature"`},
		{"reader version", []string{`{"protocol":{"minReaderVersion":4}}` + "\n" + header[strings.Index(header, "\n")+1:]}, "minReaderVersion 4"},
		{"bad json", []string{header + `{"add":{"path":`}, "00000000000000000000.json:3"},
		{"no protocol", []string{`{"add":{"path":"a.parquet"}}`}, "no protocol or metaData"},
		{"bad stats", []string{header + `{"add":{"path":"a.parquet","stats":"{nope"}}`}, "stats of a.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenDelta(writeLog(t, tc.commits...), Current)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
	// A gap: commit 1 is missing and there is no checkpoint.
	dir := writeLog(t, header, `{"add":{"path":"a.parquet"}}`, `{"add":{"path":"b.parquet"}}`)
	if err := os.Remove(filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.json", 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDelta(dir, Current); err == nil || !strings.Contains(err.Error(), "commit 1 is missing") {
		t.Fatalf("gap: %v", err)
	}
	var ue *UnsupportedError
	_, err := OpenDelta(writeLog(t, `{"protocol":{"minReaderVersion":3,"readerFeatures":["typeWidening"]}}`+"\n"+header[strings.Index(header, "\n")+1:]), Current)
	if !errors.As(err, &ue) || ue.Feature != "typeWidening" {
		t.Fatalf("typeWidening: %v", err)
	}
}

// Replay semantics: a remove takes the file out, a re-add with a deletion
// vector replaces the plain add (the key is path and vector), and
// versions and times pick the right state.
func TestDeltaReplay(t *testing.T) {
	dir := writeLog(t,
		header+`{"commitInfo":{"timestamp":1000}}`+"\n"+`{"add":{"path":"a.parquet","size":1,"stats":"{\"numRecords\":3}"}}`+"\n"+`{"add":{"path":"b%20c.parquet","size":2,"stats":"{\"numRecords\":4}"}}`,
		`{"commitInfo":{"timestamp":2000}}`+"\n"+`{"remove":{"path":"a.parquet"}}`,
		`{"commitInfo":{"timestamp":3000}}`+"\n"+`{"remove":{"path":"b%20c.parquet"}}`+"\n"+`{"add":{"path":"b%20c.parquet","size":2,"stats":"{\"numRecords\":4}","deletionVector":{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L","sizeInBytes":40,"cardinality":1}}}`,
	)
	for _, tc := range []struct {
		opts  Options
		files string
		rows  int64
	}{
		{Current, "b c.parquet", 3},
		{Options{Version: 0}, "a.parquet,b c.parquet", 7},
		{Options{Version: 1}, "b c.parquet", 4},
		{Options{Version: -1, AsOf: timeMs(2500)}, "b c.parquet", 4},
		{Options{Version: -1, AsOf: timeMs(1000)}, "a.parquet,b c.parquet", 7},
	} {
		s, err := OpenDelta(dir, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range s.Files {
			names = append(names, filepath.Base(f.Path))
		}
		n, ok := s.Rows()
		if strings.Join(names, ",") != tc.files || !ok || n != tc.rows {
			t.Errorf("%+v: files %v, rows %d (%v); want %s, %d", tc.opts, names, n, ok, tc.files, tc.rows)
		}
	}
	if _, err := OpenDelta(dir, Options{Version: -1, AsOf: timeMs(999)}); err == nil {
		t.Error("a time before the first commit must be refused")
	}
	if _, err := OpenDelta(dir, Options{Version: 3}); err == nil || !strings.Contains(err.Error(), "latest is 2") {
		t.Errorf("version 3: %v", err)
	}
}

func timeMs(ms int64) time.Time { return time.UnixMilli(ms) }

// Iceberg metadata is untrusted too: a manifest list outside the table
// folder is refused, not read.
func TestHostileIcebergMetadata(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "metadata")
	if err := os.MkdirAll(md, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"format-version":2,"location":"/elsewhere/t","current-snapshot-id":1,"current-schema-id":0,
"schemas":[{"schema-id":0,"fields":[{"id":1,"name":"a","type":"int"}]}],
"snapshots":[{"snapshot-id":1,"timestamp-ms":1,"manifest-list":"/elsewhere/t/../../../etc/snap.avro"}]}`
	if err := os.WriteFile(filepath.Join(md, "v1.metadata.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Current); err == nil || !strings.Contains(err.Error(), "leaves the table folder") {
		t.Fatalf("want refused, got %v", err)
	}
	if _, err := Open(dir, Options{Version: 2}); err == nil || !strings.Contains(err.Error(), "snapshot 2 does not exist") {
		t.Fatalf("snapshot 2: %v", err)
	}
}

// BenchmarkDeltaLog1000Files replays a log of 100 commits adding 10 files
// each, with stats: resolving a 1,000-file table opens no data file.
func BenchmarkDeltaLog1000Files(b *testing.B) {
	var commits []string
	for c := 0; c < 100; c++ {
		var sb strings.Builder
		if c == 0 {
			sb.WriteString(header)
		}
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&sb, `{"add":{"path":"part-%05d-%05d.parquet","size":1000,"stats":"{\"numRecords\":100,\"minValues\":{\"x\":0},\"maxValues\":{\"x\":99},\"nullCount\":{\"x\":0}}"}}`+"\n", c, i)
		}
		commits = append(commits, sb.String())
	}
	dir := writeLog(b, commits...)
	b.ResetTimer()
	for b.Loop() {
		s, err := OpenDelta(dir, Current)
		if err != nil || len(s.Files) != 1000 {
			b.Fatal(err)
		}
	}
}

// A checkpoint that is not Parquet is refused naming it; parquetx checks
// the footer and page sizes before parquet-go decodes a checkpoint.
func TestHostileCheckpoint(t *testing.T) {
	dir := writeLog(t, header)
	cp := filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.checkpoint.parquet", 0))
	if err := os.WriteFile(cp, []byte("PAR1 not really PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDelta(dir, Current); err == nil || !strings.Contains(err.Error(), cp) {
		t.Fatalf("want an error naming %s, got %v", cp, err)
	}
}

// A checkpoint's action count is its row groups' (not the footer's claim),
// and bounded: a row of nulls costs its writer nothing.
func TestCheckpointRowsBounded(t *testing.T) {
	type row struct {
		X *int64 `parquet:"x,optional"`
	}
	p := filepath.Join(t.TempDir(), "cp.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f)
	if _, err := w.Write(make([]row, 11)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n, err := checkCheckpoint(p, 11); err != nil || n != 11 {
		t.Fatalf("11 rows under a bound of 11: %d, %v", n, err)
	}
	if _, err := checkCheckpoint(p, 10); err == nil || !strings.Contains(err.Error(), "a checkpoint of 11 actions, more than 10") || !strings.Contains(err.Error(), p) {
		t.Fatalf("11 rows under a bound of 10: %v", err)
	}
}

// A version hint that is a link to /dev/zero (a pull request can commit
// one) was read whole, without end; it is refused, naming the file.
func TestIcebergVersionHintBounded(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "metadata")
	if err := os.MkdirAll(md, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"format-version":2,"location":"t","schemas":[{"schema-id":0,"fields":[]}]}`
	if err := os.WriteFile(filepath.Join(md, "v1.metadata.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	hint := filepath.Join(md, "version-hint.text")
	if err := os.Symlink("/dev/zero", hint); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Current); err == nil || !strings.Contains(err.Error(), hint+": larger than 4 KiB, not an Iceberg version hint") {
		t.Fatalf("want the hint refused, got %v", err)
	}
	// A hint of a version number still picks the file.
	if err := os.Remove(hint); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hint, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Current); err != nil {
		t.Fatal(err)
	}
}
