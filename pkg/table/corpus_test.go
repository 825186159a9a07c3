package table

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// corpusTables finds every table in the two corpora: folders with a
// _delta_log, and Iceberg table folders (a metadata folder with a
// *.metadata.json).
func corpusTables(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range []string{"delta", "iceberg"} {
		root := testenv.Shared(t, "corpora", c, "tables")
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if Detect(p) != "" {
				rel, _ := filepath.Rel(root, p)
				out[c+"/"+filepath.ToSlash(rel)] = p
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 80 {
		t.Fatalf("found %d tables in the corpora; the layout changed", len(out))
	}
	return out
}

// refused are the corpus tables mlgate refuses, with the feature it must
// name. Every other table must read.
var refused = map[string]string{
	"delta/simple_table_features":                                                                "minReaderVersion 5",
	"delta/spark-shredded-variant-preview-delta":                                                 "variantShredding-preview",
	"delta/spark-variant-checkpoint":                                                             "variantType-preview",
	"delta/spark-variant-stable-feature-checkpoint":                                              "variantType",
	"iceberg/add_columns_with_defaults_in_struct/default.db/add_columns_with_defaults_in_struct": "column default",
}

// broken are tables whose metadata is not readable as written, with the
// reason the error must give.
var broken = map[string]string{
	// a snapshot id beyond the range of Iceberg's long
	"iceberg/equality_delete_cross_partition/warehouse/ns/t": "cannot unmarshal number 9876543210123456789",
	// data files on a bucket, not in the table folder
	"iceberg/generated_bounds": "s3://fake-bucket/d/0000000000/t.parquet is not under the table location",
}

// logOnly are tables the corpus ships without their data files (delta-rs
// reads only their logs); validating them fails on the first missing file.
var logOnly = map[string]bool{
	"delta/checkpoint_with_partitions":         true,
	"delta/checkpoints":                        true,
	"delta/checkpoints_vacuumed":               true,
	"delta/latest_not_checkpointed":            true,
	"delta/table-with-domain-metadata":         true,
	"delta/with_checkpoint_no_last_checkpoint": true,
	// its one data file lies outside the table folder (warehouse/example)
	"iceberg/column_mapping/warehouse/default.db/my_table": true,
}

// TestCorpusTables opens every corpus table at its current version: it is
// refused naming its feature, or it reads, every live file exists, and
// DuckDB counts as many rows in the live files as the table metadata says.
func TestCorpusTables(t *testing.T) {
	tables := corpusTables(t)
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	sort.Strings(names)
	type counted struct {
		name string
		rows int64
	}
	var lists [][]string
	var want []counted
	for _, name := range names {
		s, err := Open(tables[name], Current)
		var ue *UnsupportedError
		if feat, ok := refused[name]; ok {
			if !errors.As(err, &ue) || ue.Feature != feat {
				t.Errorf("%s: want refused naming %q, got %v", name, feat, err)
			}
			continue
		}
		if why, ok := broken[name]; ok {
			if err == nil || !strings.Contains(err.Error(), why) {
				t.Errorf("%s: want an error saying %q, got %v", name, why, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var paths []string
		missing := 0
		for _, f := range s.Files {
			if _, err := os.Stat(f.Path); err != nil {
				missing++
			}
			paths = append(paths, f.Path)
		}
		if (missing > 0) != logOnly[name] {
			t.Errorf("%s: %d of %d live files are missing", name, missing, len(paths))
		}
		if missing > 0 {
			continue
		}
		if n, ok := s.Rows(); ok && len(paths) > 0 {
			lists = append(lists, paths)
			want = append(want, counted{name, n + deleted(s)})
		}
	}
	if len(want) < 50 {
		t.Errorf("only %d tables have row counts to compare", len(want))
	}
	got := duckCount(t, lists)
	for i, w := range want {
		if got[i] != strconv.FormatInt(w.rows, 10) {
			t.Errorf("%s: table metadata says %d rows in the live files, DuckDB counts %s", w.name, w.rows, got[i])
		}
	}
}

// deleted is the number of rows deletion vectors (Delta's, Iceberg's)
// remove: DuckDB reads the files whole.
func deleted(s *Snapshot) int64 {
	var n int64
	for i := range s.Files {
		n += s.Files[i].DeletedRows
		for _, d := range s.deletesOf(&s.Files[i]) {
			if d.Content == "deletion-vector" {
				n += d.Rows
			}
		}
	}
	return n
}

// duckCount asks DuckDB for the row count of each file list.
func duckCount(t *testing.T, lists [][]string) []string {
	t.Helper()
	out := duckRun(t, "count.mjs", lists)
	var raw []json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil || len(raw) != len(lists) {
		t.Fatalf("count.mjs answered %d of %d (%v)", len(raw), len(lists), err)
	}
	res := make([]string, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &res[i]); err != nil {
			res[i] = string(r)
		}
	}
	return res
}

// duckRun runs testdata/script with DuckDB's node package, req on its
// standard input, and returns its output.
func duckRun(t *testing.T, script string, req any) []byte {
	t.Helper()
	node := testenv.Tool(t, "node")
	npm := filepath.Dir(filepath.Dir(testenv.NodeModule(t, "@duckdb/node-api")))
	npm = filepath.Dir(npm) // scripts/npm
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
		defer cancel()
	}
	body, _ := json.Marshal(req)
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", script), npm)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	return out
}

// TestDeltaVersionsMatchChecksums opens every Delta version that has a
// checksum file (N.crc, written by Spark beside the commit) and compares the
// live file count and total size with the writer's own record.
func TestDeltaVersionsMatchChecksums(t *testing.T) {
	checked := 0
	for name, dir := range corpusTables(t) {
		if !strings.HasPrefix(name, "delta/") || refused[name] != "" {
			continue
		}
		crcs, _ := filepath.Glob(filepath.Join(dir, "_delta_log", "*.crc"))
		for _, c := range crcs {
			v, err := strconv.ParseInt(strings.TrimSuffix(filepath.Base(c), ".crc"), 10, 64)
			if err != nil {
				continue
			}
			b, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			var crc struct {
				NumFiles       int64 `json:"numFiles"`
				TableSizeBytes int64 `json:"tableSizeBytes"`
			}
			if err := json.Unmarshal(b, &crc); err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			s, err := Open(dir, Options{Version: v})
			if err != nil {
				t.Errorf("%s@%d: %v", name, v, err)
				continue
			}
			var size int64
			for _, f := range s.Files {
				size += f.Size
			}
			if s.Version != v || int64(len(s.Files)) != crc.NumFiles || size != crc.TableSizeBytes {
				t.Errorf("%s@%d: %d files of %d bytes; the checksum file says %d files of %d bytes", name, v, len(s.Files), size, crc.NumFiles, crc.TableSizeBytes)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("only %d versions had checksum files", checked)
	}
}

// TestDeletionVectorRows: table-with-dv-small deletes 2 of its 10 rows
// with a deletion vector (delta-rs reads values 1..8).
func TestDeletionVectorRows(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "delta", "tables", "table-with-dv-small")
	s, err := Open(dir, Current)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := s.Rows(); !ok || n != 8 || len(s.Files) != 1 || s.Files[0].DV == nil || s.Files[0].Stats.NumRecords != 10 {
		t.Fatalf("rows %d (%v), files %+v", n, ok, s.Files)
	}
	v0, err := Open(dir, Options{Version: 0})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := v0.Rows(); n != 10 || v0.Files[0].DV != nil {
		t.Fatalf("version 0: rows %d, files %+v", n, v0.Files)
	}
	asOf, err := Open(dir, Options{Version: -1, AsOf: v0.Timestamp})
	if err != nil || asOf.Version != 0 {
		t.Fatalf("as of %s: %v, version %d", v0.Timestamp, err, asOf.Version)
	}
}

// TestDeltaSimpleTableFiles: delta-rs's own test of this table
// (read_simple_table) expects exactly these five live files at version 4;
// the folder holds 33 Parquet files.
func TestDeltaSimpleTableFiles(t *testing.T) {
	s, err := Open(testenv.Shared(t, "corpora", "delta", "tables", "simple_table"), Current)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range s.Files {
		got = append(got, filepath.Base(f.Path))
	}
	want := []string{
		"part-00000-2befed33-c358-4768-a43c-3eda0d2a499d-c000.snappy.parquet",
		"part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c000.snappy.parquet",
		"part-00001-7891c33d-cedc-47c3-88a6-abcfb049d3b4-c000.snappy.parquet",
		"part-00004-315835fe-fb44-4562-98f6-5e6cfa3ae45d-c000.snappy.parquet",
		"part-00007-3a0e4727-de0d-41b6-81ef-5223cf40f025-c000.snappy.parquet",
	}
	if s.Version != 4 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("version %d, files:\n%s", s.Version, strings.Join(got, "\n"))
	}
}

// Partition values come from the log, nulls kept null: from a Parquet
// checkpoint (checkpoint_with_partitions) and from JSON commits.
func TestDeltaNullPartitions(t *testing.T) {
	for table, want := range map[string]string{
		"checkpoint_with_partitions": "color=<null>,color=red",
		"delta-0.8.0-null-partition": "k=<null>,k=A",
	} {
		s, err := Open(testenv.Shared(t, "corpora", "delta", "tables", table), Current)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range s.Files {
			for k, v := range f.Partition {
				val := "<null>"
				if v != nil {
					val = *v
				}
				got = append(got, k+"="+val)
			}
		}
		sort.Strings(got)
		if strings.Join(got, ",") != want {
			t.Errorf("%s: partitions %v, want %s", table, got, want)
		}
	}
}

// TestStatsAgreeWithFooters compares the table metadata's statistics of
// every live file of every readable corpus table with the file's own
// Parquet footer: row and null counts equal, and the integer bounds the
// table-metadata tier are bounds of the footer's (equal for all but a few
// loose ones: Delta only promises bounds).
func TestStatsAgreeWithFooters(t *testing.T) {
	compared := 0
	for name, dir := range corpusTables(t) {
		if refused[name] != "" || broken[name] != "" || logOnly[name] {
			continue
		}
		s, err := Open(dir, Current)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range s.Files {
			if f.Stats == nil || f.Stats.NumRecords < 0 {
				continue
			}
			pf, err := parquetx.Open(f.Path)
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if pf.NumRows != f.Stats.NumRecords {
				t.Errorf("%s: %d rows in the footer, %d in the table metadata", f.Path, pf.NumRows, f.Stats.NumRecords)
			}
			for _, col := range pf.Schema.Leaves {
				ts, ok := f.ChunkStats(col)
				if !ok {
					continue
				}
				var nulls int64
				var lo, hi *parquetx.Exact
				hasNulls := true
				for rg := 0; rg < pf.NumRowGroups(); rg++ {
					st, err := pf.Stats(rg, col)
					if err != nil {
						t.Fatal(err)
					}
					nulls += st.NullCount
					hasNulls = hasNulls && st.HasNullCount
					if st.HasMin {
						if x, ok := col.Exact(st.Min); ok && (lo == nil || x.Rat().Cmp(lo.Rat()) < 0) {
							lo = &x
						}
					}
					if st.HasMax {
						if x, ok := col.Exact(st.Max); ok && (hi == nil || x.Rat().Cmp(hi.Rat()) > 0) {
							hi = &x
						}
					}
				}
				if ts.HasNullCount && hasNulls && ts.NullCount != nulls {
					t.Errorf("%s %s: %d nulls in the footer, %d in the table metadata", f.Path, col.Path, nulls, ts.NullCount)
				}
				if ts.HasMin && lo != nil {
					x, _ := col.Exact(ts.Min)
					if x.Rat().Cmp(lo.Rat()) > 0 {
						t.Errorf("%s %s: min %s in the footer, %s in the table metadata", f.Path, col.Path, lo.Text(), x.Text())
					}
					compared++
				}
				if ts.HasMax && hi != nil {
					x, _ := col.Exact(ts.Max)
					if x.Rat().Cmp(hi.Rat()) < 0 {
						t.Errorf("%s %s: max %s in the footer, %s in the table metadata", f.Path, col.Path, hi.Text(), x.Text())
					}
					compared++
				}
			}
			pf.Close()
		}
	}
	if compared < 100 {
		t.Errorf("only %d bounds compared", compared)
	}
	t.Logf("%d integer bounds compared", compared)
}
