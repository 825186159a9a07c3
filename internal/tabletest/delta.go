// Package tabletest writes small Delta tables for tests and benchmarks:
// Parquet files of one int64 column "id" and a _delta_log of JSON commits
// whose add actions carry the files' statistics, as a Delta writer does.
// Tables are generated at run time, never committed.
package tabletest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Row is the tables' one column.
type Row struct {
	ID int64 `parquet:"id"`
}

// Delta is a Delta table being written, one commit at a time.
type Delta struct {
	Dir     string
	version int64
	files   int
}

// NewDelta starts a table in dir; its first commit (version 0) holds the
// protocol and metadata and no files.
func NewDelta(tb testing.TB, dir string) *Delta {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		tb.Fatal(err)
	}
	d := &Delta{Dir: dir, version: -1}
	schema := `{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}`
	d.commit(tb, []map[string]any{
		{"protocol": map[string]any{"minReaderVersion": 1, "minWriterVersion": 2}},
		{"metaData": map[string]any{"id": "tabletest", "format": map[string]any{"provider": "parquet"}, "schemaString": schema, "partitionColumns": []string{}, "configuration": map[string]string{}}},
	})
	return d
}

// Commit writes one Parquet file per slice of ids and a commit adding them;
// it returns the new version and the files' paths.
func (d *Delta) Commit(tb testing.TB, files ...[]int64) (int64, []string) {
	tb.Helper()
	var acts []map[string]any
	var paths []string
	for _, ids := range files {
		name := fmt.Sprintf("part-%05d.parquet", d.files)
		d.files++
		p := filepath.Join(d.Dir, name)
		rows := make([]Row, len(ids))
		for i, id := range ids {
			rows[i] = Row{ID: id}
		}
		if err := parquet.WriteFile(p, rows); err != nil {
			tb.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			tb.Fatal(err)
		}
		stats := map[string]any{"numRecords": len(ids), "nullCount": map[string]int{"id": 0}}
		if len(ids) > 0 {
			stats["minValues"] = map[string]int64{"id": slices.Min(ids)}
			stats["maxValues"] = map[string]int64{"id": slices.Max(ids)}
		}
		sj, _ := json.Marshal(stats)
		acts = append(acts, map[string]any{"add": map[string]any{"path": name, "partitionValues": map[string]string{}, "size": st.Size(),
			"modificationTime": 0, "dataChange": true, "stats": string(sj)}})
		paths = append(paths, p)
	}
	return d.commit(tb, acts), paths
}

func (d *Delta) commit(tb testing.TB, acts []map[string]any) int64 {
	tb.Helper()
	d.version++
	acts = append(acts, map[string]any{"commitInfo": map[string]any{"timestamp": 1_700_000_000_000 + d.version*1000, "operation": "WRITE"}})
	f, err := os.Create(filepath.Join(d.Dir, "_delta_log", fmt.Sprintf("%020d.json", d.version)))
	if err != nil {
		tb.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, a := range acts {
		if err := enc.Encode(a); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return d.version
}
