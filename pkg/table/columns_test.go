package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// rowLimit is the size up to which a table's every value is compared;
// larger tables compare their row count.
const rowLimit = 20000

// columnTables are the corpus tables whose files a reader must not read
// as they are: partition values in the log or manifests, column mapping,
// renamed, dropped, re-added and defaulted columns, name mapping.
var columnTables = []string{
	"delta/cdc_ict_table",
	"delta/cdf-table",
	"delta/checkpoint-cdf-table",
	"delta/delta-0.8.0-null-partition",
	"delta/delta-0.8.0-numeric-partition",
	"delta/delta-0.8.0-partitioned",
	"delta/delta-0.8.0-special-partition",
	"delta/delta-1.2.1-only-struct-stats",
	"delta/delta-2.2.0-partitioned-types",
	"delta/http_requests",
	"delta/issue_1374",
	"delta/partition-type-primitives",
	"delta/table_with_column_mapping",
	"delta/table_with_partitioning_mapping",
	"delta/cdf-table-non-partitioned",
	"delta/simple_table_with_cdc",
	"iceberg/add_columns_with_defaults/default.db/add_columns_with_defaults",
	"iceberg/name_mapping/warehouse_1/mydb/t1",
	"iceberg/hive_partitioned_table",
	"iceberg/partition_bigint",
	"iceberg/partition_binary",
	"iceberg/partition_bool",
	"iceberg/partition_decimal_bigint",
	"iceberg/partition_decimal_hugeint",
	"iceberg/partition_decimal_integer",
	"iceberg/partition_decimal_smallint",
	"iceberg/partition_double",
	"iceberg/partition_fixed_length_binary/default.db/partition_fixed_length_binary",
	"iceberg/partition_float",
	"iceberg/partition_integer",
	"iceberg/partition_time/default.db/partition_time",
	"iceberg/partition_timestamp/default.db/partition_timestamp",
	"iceberg/partition_timestamptz/default.db/partition_timestamptz",
}

// TestCorpusColumnsMatchDuckDB reads every value of the column tables
// under the table's columns (File.View) and compares them with DuckDB's
// reading of the same live files, the table's columns put together by a
// plain SQL select: a column by its physical name or field id (as the
// footer states it), a partition value cast from the log's or manifest's
// text, a default from the metadata's JSON, else null.
func TestCorpusColumnsMatchDuckDB(t *testing.T) {
	tables := corpusTables(t)
	dirs := map[string]string{}
	for _, name := range columnTables {
		dirs[name] = tables[name]
	}
	if n := compareWithDuckDB(t, dirs, true); n < 25 {
		t.Errorf("only %d tables compared value by value", n)
	}
}

// compareWithDuckDB reads each table (name to folder) under its columns
// and DuckDB's select of them; it returns how many compared value by
// value. changed asks that some file of each table not read as it is.
func compareWithDuckDB(t *testing.T, dirs map[string]string, changed bool) int {
	type job struct {
		name string
		cols []*parquetx.Column
		rows [][]*string
		n    int64
	}
	var jobs []job
	var queries []map[string]any
	names := make([]string, 0, len(dirs))
	for name := range dirs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, err := Open(dirs[name], Current)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var (
			cols    []*parquetx.Column
			all     [][]*string
			selects []string
			n       int64
			viewed  bool
		)
		for i := range s.Files {
			f := &s.Files[i]
			pf, err := parquetx.Open(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			phys := map[string]*parquetx.Column{}
			byID := map[int]string{}
			for _, c := range pf.Schema.Columns {
				phys[c.Path] = c
				if c.FieldID != 0 && !strings.Contains(c.Path, ".") {
					byID[c.FieldID] = c.Path
				}
			}
			if err := f.View(pf); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var fileCols []*parquetx.Column
			viewed = viewed || len(pf.Schema.Columns) != len(phys)
			for _, c := range pf.Schema.Leaves {
				if !strings.Contains(c.Path, ".") && !c.InCollection {
					fileCols = append(fileCols, c)
					viewed = viewed || c.Const != nil || phys[c.Path] == nil || phys[c.Path].Index != c.Index
				}
			}
			if cols == nil {
				cols = fileCols
			}
			n += pf.NumRows
			if n <= rowLimit {
				all = append(all, readViewRows(t, pf, fileCols)...)
			}
			var exprs []string
			for _, c := range fileCols {
				exprs = append(exprs, duckExpr(t, s, f, c.Path, phys, byID)+" AS "+quoteIdent(c.Path))
			}
			selects = append(selects, fmt.Sprintf("SELECT %s FROM read_parquet(%s)", strings.Join(exprs, ", "), quoteLit(f.Path)))
			pf.Close()
		}
		if n > rowLimit {
			all = nil
		}
		if changed && !viewed && name != "iceberg/name_mapping/warehouse_1/mydb/t1" { // its files have no ids: the mapping names them as they are
			t.Errorf("%s: every file reads as it is; the table is not a column test", name)
		}
		jobs = append(jobs, job{name, cols, all, n})
		queries = append(queries, map[string]any{"sql": strings.Join(selects, " UNION ALL "), "limit": rowLimit})
	}
	answers := duckRows(t, queries)
	compared := 0
	for i, j := range jobs {
		a := answers[i]
		if a.Error != "" {
			t.Errorf("%s: DuckDB: %s", j.name, a.Error)
			continue
		}
		if a.Count != strconv.FormatInt(j.n, 10) {
			t.Errorf("%s: %d rows, DuckDB counts %s", j.name, j.n, a.Count)
		}
		if a.Rows == nil {
			continue
		}
		got, want := canonRows(j.rows), duckCanon(j.cols, a.Rows)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			for k := 0; k < len(got) && k < len(want); k++ {
				if got[k] != want[k] {
					t.Errorf("%s: row %d of %d sorted rows differs:\n mlgate %s\n DuckDB %s", j.name, k, len(got), got[k], want[k])
					break
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: %d rows, DuckDB %d", j.name, len(got), len(want))
			}
			continue
		}
		compared++
	}
	t.Logf("%d of %d tables compared value by value", compared, len(jobs))
	return compared
}

// duckExpr is DuckDB's expression for table column name in file f.
func duckExpr(t *testing.T, s *Snapshot, f *File, name string, phys map[string]*parquetx.Column, byID map[int]string) string {
	var tc *tableColumn
	for i := range s.cols {
		if s.cols[i].name == name {
			tc = &s.cols[i]
		}
	}
	if tc == nil {
		t.Fatalf("%s: no table column %q", s.Location, name)
	}
	typ := duckType(tc.typ, s.Format)
	lit := func(text string) string {
		switch {
		case typ == "BLOB" && s.Format == FormatIceberg:
			return "unhex(" + quoteLit(text) + ")"
		case typ == "TIMESTAMP":
			return "CAST(CAST(" + quoteLit(text) + " AS TIMESTAMPTZ) AS TIMESTAMP)"
		}
		return "CAST(" + quoteLit(text) + " AS " + typ + ")"
	}
	if s.Format == FormatDelta {
		if tc.partition {
			if v := f.Partition[name]; v != nil && *v != "" {
				return lit(*v)
			}
			return "NULL::" + typ
		}
		if phys[tc.physical] != nil {
			return quoteIdent(tc.physical)
		}
		return "NULL::" + typ
	}
	if p, ok := byID[tc.id]; ok {
		if tc.typ == "long" || tc.typ == "double" || reDecimal.MatchString(tc.typ) {
			return "CAST(" + quoteIdent(p) + " AS " + typ + ")" // a promoted type reads widened
		}
		return quoteIdent(p)
	}
	if len(byID) == 0 && s.nameMapping != nil {
		for p, id := range s.nameMapping {
			if id == tc.id && phys[p] != nil {
				return quoteIdent(p)
			}
		}
	}
	if v, ok := f.Partition[name]; ok {
		if v == nil {
			return "NULL::" + typ
		}
		return lit(*v)
	}
	if tc.def != nil {
		md := readMetadata(t, s.Location)
		for _, sc := range md.Schemas {
			for _, fl := range sc.Fields {
				if fl.ID == tc.id && len(fl.InitialDefault) > 0 {
					text, _ := jsonText(fl.InitialDefault)
					return lit(text)
				}
			}
		}
	}
	return "NULL::" + typ
}

func readMetadata(t *testing.T, path string) *icebergMetadata {
	b, err := readMaybeGzip(path, maxMetadata)
	if err != nil {
		t.Fatal(err)
	}
	var md icebergMetadata
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatal(err)
	}
	return &md
}

func duckType(typ, format string) string {
	if m := reDecimal.FindStringSubmatch(typ); m != nil {
		return "DECIMAL(" + m[1] + "," + m[2] + ")"
	}
	if reFixed.MatchString(typ) {
		return "BLOB"
	}
	if typ == "timestamp" && format == FormatDelta {
		return "TIMESTAMPTZ"
	}
	return map[string]string{"string": "VARCHAR", "binary": "BLOB", "boolean": "BOOLEAN", "byte": "TINYINT", "short": "SMALLINT",
		"integer": "INTEGER", "int": "INTEGER", "long": "BIGINT", "float": "FLOAT", "double": "DOUBLE", "date": "DATE", "time": "TIME",
		"timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "timestamp_ntz": "TIMESTAMP", "uuid": "UUID",
		"timestamp_ns": "TIMESTAMP_NS", "timestamptz_ns": "TIMESTAMP_NS"}[typ]
}

func quoteLit(s string) string   { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// readRows reads the file's columns (a view's) row by row, each value in
// the canonical text rows.mjs gives DuckDB's.
func readViewRows(t *testing.T, pf *parquetx.File, cols []*parquetx.Column) [][]*string {
	rows := make([][]*string, pf.NumRows)
	for i := range rows {
		rows[i] = make([]*string, len(cols))
	}
	names := make([]string, len(cols))
	at := map[string]int{}
	for i, c := range cols {
		names[i], at[c.Path] = c.Path, i
	}
	err := parquetx.Scan(context.Background(), []*parquetx.File{pf}, names, parquetx.ScanOptions{Workers: 1}, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
		return &rowVisitor{col: c.Column, rows: rows, k: at[c.Column.Path]}, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", pf.Path, err)
	}
	return rows
}

type rowVisitor struct {
	col  *parquetx.Column
	rows [][]*string
	k    int
}

func (v *rowVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *rowVisitor) Close() error                             { return nil }
func (v *rowVisitor) Values(b parquetx.Batch) error {
	for i, val := range b.Values {
		if !val.IsNull() {
			s := canon(v.col, val)
			v.rows[b.Rows[i]][v.k] = &s
		}
	}
	return nil
}

func canon(c *parquetx.Column, v parquet.Value) string {
	switch c.Type.Name {
	case parquetx.TypeDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02")
	case parquetx.TypeTimestamp:
		if c.Type.Unit == "ms" {
			return strconv.FormatInt(v.Int64()*1000, 10)
		}
		return strconv.FormatInt(v.Int64(), 10)
	case parquetx.TypeTime:
		switch c.Type.Unit {
		case "ms":
			return strconv.FormatInt(int64(v.Int32())*1000, 10)
		case "ns":
			return strconv.FormatInt(v.Int64()/1000, 10)
		}
		return strconv.FormatInt(v.Int64(), 10)
	case parquetx.TypeDecimal:
		x, _ := c.Exact(v)
		return x.Rat().FloatString(c.Type.Scale)
	case parquetx.TypeFloat, parquetx.TypeDouble: // a double may be a promoted float
		x, _ := c.Exact(v)
		if c.Type.Name == parquetx.TypeFloat {
			return strconv.FormatFloat(x.F, 'g', -1, 32)
		}
		return strconv.FormatFloat(x.F, 'g', -1, 64)
	case parquetx.TypeBoolean:
		return strconv.FormatBool(v.Boolean())
	case parquetx.TypeInt96: // Julian day and nanoseconds of the day
		b := v.ByteArray()
		nanos := int64(binary.LittleEndian.Uint64(b[:8]))
		day := int64(binary.LittleEndian.Uint32(b[8:]))
		return strconv.FormatInt((day-2440588)*86400_000000+nanos/1000, 10)
	case parquetx.TypeString, parquetx.TypeJSON:
		return string(v.ByteArray())
	case parquetx.TypeBinary, parquetx.TypeUUID:
		return hex.EncodeToString(v.ByteArray())
	}
	if x, ok := c.Exact(v); ok {
		return x.Text()
	}
	return v.String()
}

// duckCanon brings DuckDB's text of each value to canon's form.
func duckCanon(cols []*parquetx.Column, rows [][]*string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		cells := make([]*string, len(r))
		for i, s := range r {
			if s == nil || i >= len(cols) {
				cells[i] = s
				continue
			}
			x := *s
			switch c := cols[i]; c.Type.Name {
			case parquetx.TypeFloat:
				if f, err := strconv.ParseFloat(x, 32); err == nil {
					x = strconv.FormatFloat(f, 'g', -1, 32)
				}
			case parquetx.TypeDouble:
				if f, err := strconv.ParseFloat(x, 64); err == nil {
					x = strconv.FormatFloat(f, 'g', -1, 64)
				}
			case parquetx.TypeDecimal:
				if r, ok := new(big.Rat).SetString(x); ok {
					x = r.FloatString(c.Type.Scale)
				}
			}
			cells[i] = &x
		}
		out = append(out, rowText(cells))
	}
	sort.Strings(out)
	return out
}

func canonRows(rows [][]*string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, rowText(r))
	}
	sort.Strings(out)
	return out
}

func rowText(r []*string) string {
	parts := make([]string, len(r))
	for i, s := range r {
		parts[i] = "NULL"
		if s != nil {
			parts[i] = strconv.Quote(*s)
		}
	}
	return strings.Join(parts, " | ")
}

type duckAnswer struct {
	Count string      `json:"count"`
	Rows  [][]*string `json:"rows"`
	Error string      `json:"error"`
}

func duckRows(t *testing.T, queries []map[string]any) []duckAnswer {
	t.Helper()
	node := testenv.Tool(t, "node")
	npm := filepath.Dir(filepath.Dir(filepath.Dir(testenv.NodeModule(t, "@duckdb/node-api"))))
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
		defer cancel()
	}
	req, _ := json.Marshal(queries)
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "rows.mjs"), npm)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rows.mjs: %v\n%s", err, stderr.String())
	}
	var res []duckAnswer
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(queries) {
		t.Fatalf("rows.mjs answered %d of %d (%v)", len(res), len(queries), err)
	}
	return res
}

// evolve copies an Iceberg corpus table and gives it a new current schema
// made by edit from the last one, as a rename, a promotion or an added
// column would (metadata only: the data files stay as written).
func evolve(t *testing.T, rel string, edit func(fields []map[string]any) []map[string]any) string {
	t.Helper()
	src := testenv.Shared(t, append([]string{"corpora", "iceberg", "tables"}, strings.Split(rel, "/")...)...)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	cur, err := icebergMetadataFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cur)
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // a long default keeps its digits
	if err := d.Decode(&md); err != nil {
		t.Fatal(err)
	}
	schemas := md["schemas"].([]any)
	last := schemas[len(schemas)-1].(map[string]any)
	var fields []map[string]any
	for _, f := range last["fields"].([]any) {
		fields = append(fields, f.(map[string]any))
	}
	id := len(schemas) + 10
	schemas = append(schemas, map[string]any{"type": "struct", "schema-id": id, "fields": edit(fields)})
	md["schemas"], md["current-schema-id"] = schemas, id
	out, _ := json.Marshal(md)
	if err := os.WriteFile(filepath.Join(dst, "metadata", "00099-evolved.metadata.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestIcebergSchemaEvolution: a renamed column reads by field id under its
// new name, promoted int and float columns read as long and double, a
// column added with an initial-default reads it in every older file, one
// added without reads null; a narrowing is refused as a type promotion.
// Values are compared with DuckDB's select of the same files.
func TestIcebergSchemaEvolution(t *testing.T) {
	const rel = "add_columns_with_defaults/default.db/add_columns_with_defaults"
	dir := evolve(t, rel, func(fields []map[string]any) []map[string]any {
		for _, f := range fields {
			switch f["name"] {
			case "col1":
				f["name"] = "renamed"
			case "col_integer":
				f["type"] = "long"
			case "col_float":
				f["type"] = "double"
			}
		}
		return append(fields,
			map[string]any{"id": 99, "name": "added_later", "type": "string", "required": false, "initial-default": "zz"},
			map[string]any{"id": 100, "name": "added_null", "type": "date", "required": false})
	})
	s, err := Open(dir, Current)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for i := range s.Files {
		pf, err := parquetx.Open(s.Files[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Files[i].View(pf); err != nil {
			t.Fatal(err)
		}
		for _, c := range pf.Schema.Leaves {
			types[c.Path] = c.Type.String()
		}
		pf.Close()
	}
	for col, want := range map[string]string{"renamed": "string", "col_integer": "int64", "col_float": "double", "added_later": "string", "added_null": "date"} {
		if types[col] != want {
			t.Errorf("column %s is %q, want %q (all: %v)", col, types[col], want, types)
		}
	}
	if _, ok := types["col1"]; ok {
		t.Errorf("the old name col1 is still a column: %v", types)
	}
	if n := compareWithDuckDB(t, map[string]string{"evolved": dir}, true); n != 1 {
		t.Errorf("the evolved table was not compared value by value")
	}
	// Pinned to its snapshot id, the table reads under the snapshot's own
	// schema: the same file reads under other columns, which one run
	// holding both versions must know.
	pinned, err := Open(dir, Options{Version: s.Version})
	if err != nil {
		t.Fatal(err)
	}
	if pinned.Files[0].Path != s.Files[0].Path || pinned.Files[0].SameColumns(&s.Files[0]) || !s.Files[0].SameColumns(&s.Files[0]) {
		t.Errorf("a file reads under the same columns in the current schema and the snapshot's")
	}

	narrowed := evolve(t, rel, func(fields []map[string]any) []map[string]any {
		for _, f := range fields {
			if f["name"] == "col_long" {
				f["type"] = "int"
				delete(f, "initial-default")
				delete(f, "write-default")
			}
		}
		return fields
	})
	s, err = Open(narrowed, Current)
	if err != nil {
		t.Fatal(err)
	}
	var ue *UnsupportedError
	for i := range s.Files {
		pf, err := parquetx.Open(s.Files[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Files[i].View(pf)
		pf.Close()
		if errors.As(err, &ue) {
			break
		}
	}
	if ue == nil || ue.Feature != "type promotion" {
		t.Errorf("a long read as int: want refused naming the type promotion, got %v", ue)
	}

	required := evolve(t, rel, func(fields []map[string]any) []map[string]any {
		return append(fields, map[string]any{"id": 101, "name": "must", "type": "int", "required": true})
	})
	if s, err = Open(required, Current); err != nil {
		t.Fatal(err)
	}
	pf, err := parquetx.Open(s.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if err := s.Files[0].View(pf); err == nil || !strings.Contains(err.Error(), `lacks required column "must"`) {
		t.Errorf("a required column no file holds, without a default: %v", err)
	}
}
