package table

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// pythonRows dumps a table (argv[1]) of each database (argv[2:]) with
// Debian's python3 sqlite3 module: database -> rows, each row column ->
// value, blobs as hex, in rowid order.
const pythonRows = `
import json, sqlite3, sys
out = {}
for db in sys.argv[2:]:
    c = sqlite3.connect("file:" + db + "?mode=ro&immutable=1", uri=True)
    cur = c.execute("select * from " + sys.argv[1] + " order by rowid")
    names = [d[0] for d in cur.description]
    out[db] = [{n: (v.hex() if isinstance(v, bytes) else v) for n, v in zip(names, r)} for r in cur]
print(json.dumps(out))
`

// pythonTables reads a table of each database with python3.
func pythonTables(t *testing.T, table string, dbs ...string) map[string][]map[string]any {
	t.Helper()
	var out map[string][]map[string]any
	if err := json.Unmarshal(python3(t, pythonRows, append([]string{table}, dbs...)...), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func python3(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("MLGATE_STRICT_TESTS") == "1" {
			t.Fatal("python3 is needed")
		}
		t.Skip("python3 (Debian's, with sqlite3) is not installed")
	}
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	return out
}

// sameRows compares our rows with python's (JSON numbers are float64).
func sameRows(t *testing.T, db, table string, want []map[string]any) {
	t.Helper()
	d, err := openSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.rows(table)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, r := range rows {
		m := map[string]any{}
		for k, v := range r {
			switch x := v.(type) {
			case int64:
				v = float64(x)
			case []byte:
				v = hex.EncodeToString(x)
			}
			m[k] = v
		}
		got = append(got, m)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, python3 reads %d", db, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s row %d: %v, python3 reads %v", db, i, got[i], want[i])
		}
	}
}

func corpusCatalogs(t *testing.T) []string {
	root := testenv.Shared(t, "corpora", "iceberg", "tables")
	m, _ := filepath.Glob(filepath.Join(root, "*", "*.db"))
	var out []string
	for _, p := range m {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	if len(out) < 5 {
		t.Fatalf("%d catalogs in the corpus; the layout changed", len(out))
	}
	return out
}

// Every corpus catalog's iceberg_tables, and a generated database with
// interior pages, overflow chains, every integer width, floats, blobs,
// NULLs and a column added after rows were written, read as python3's
// sqlite3 reads them.
func TestSQLiteReaderAgainstPython(t *testing.T) {
	dbs := corpusCatalogs(t)
	want := pythonTables(t, "iceberg_tables", dbs...)
	for _, db := range dbs {
		sameRows(t, db, "iceberg_tables", want[db])
	}
	db := filepath.Join(t.TempDir(), "gen.db")
	python3(t, `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA page_size=512")
c.execute("CREATE TABLE t (a INTEGER, b TEXT, \"c d\" REAL, e BLOB, PRIMARY KEY (a, b))")
vals = [0, 1, -1, 127, -128, 32767, -32768, 2**23-1, -2**23, 2**31-1, -2**31, 2**47-1, -2**47, 2**63-1, -2**63]
for i in range(3000):
    c.execute("INSERT INTO t VALUES (?,?,?,?)", ((vals[i % len(vals)] if i % 7 else i) if i % 11 else None,
        ("x" * (i % 1500)) + str(i), i / 7.0 if i % 5 else None, bytes([i % 256]) * (i % 900)))
c.execute("ALTER TABLE t ADD COLUMN f TEXT")
c.execute("INSERT INTO t VALUES (1, 'late', 2.5, x'00', 'added')")
c.commit()
`, db)
	sameRows(t, db, "t", pythonTables(t, "t", db)[db])
}

// A damaged database is an error, never a panic or a hang: bytes flipped
// at random all over a generated catalog.
func TestSQLiteReaderDamaged(t *testing.T) {
	src := corpusCatalogs(t)[0]
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p := filepath.Join(t.TempDir(), "bad.db")
	for i := 0; i < 1000; i++ {
		b := append([]byte(nil), orig...)
		for k := 0; k < 1+i%4; k++ {
			b[100+rng.IntN(len(b)-100)] = byte(rng.Uint32())
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if d, err := openSQLite(p); err == nil {
			d.rows("iceberg_tables")
			d.Close()
		}
	}
}

// A catalog reference opens the table the catalog names: its metadata
// location, written on another machine, is found inside the warehouse
// (the catalog's folder), and is the file of the same name.
func TestSQLCatalog(t *testing.T) {
	opened := 0
	dbs := corpusCatalogs(t)
	all := pythonTables(t, "iceberg_tables", dbs...)
	for _, db := range dbs {
		for _, r := range all[db] {
			ref := fmt.Sprintf("%s%s#%s.%s", CatalogPrefix, db, r["table_namespace"], r["table_name"])
			c, err := ParseCatalogRef(ref)
			if err != nil {
				t.Fatal(err)
			}
			meta, err := c.MetadataLocation()
			if err != nil {
				t.Errorf("%s: %v", ref, err)
				continue
			}
			loc := r["metadata_location"].(string)
			if filepath.Base(meta) != filepath.Base(loc) || !strings.HasPrefix(meta, filepath.Dir(db)+string(filepath.Separator)) {
				t.Errorf("%s: resolved %s to %s", ref, loc, meta)
			}
			if Detect(ref) != FormatIceberg {
				t.Errorf("%s is not detected as a table", ref)
			}
			s, err := Open(ref, Current)
			want, werr := OpenIceberg(meta, Current)
			if (err == nil) != (werr == nil) || err == nil && (s.Version != want.Version || len(s.Files) != len(want.Files)) {
				t.Errorf("%s: %v / %v", ref, err, werr)
			}
			if err == nil {
				opened++
			}
		}
	}
	if opened < 5 {
		t.Errorf("only %d catalog tables opened", opened)
	}
}

// Locations that would leave the warehouse are not followed; references
// that do not name a table are refused.
func TestSQLCatalogRefusals(t *testing.T) {
	wh := t.TempDir()
	outside := filepath.Join(t.TempDir(), "v1.metadata.json")
	os.WriteFile(outside, []byte("{}"), 0o644)
	for _, loc := range []string{outside, "file://" + outside, "../" + filepath.Base(filepath.Dir(outside)) + "/v1.metadata.json", "s3://bucket/t/metadata/v1.metadata.json"} {
		if p, err := resolveInWarehouse(wh, loc); err == nil {
			t.Errorf("%s resolved to %s outside the warehouse", loc, p)
		}
	}
	for _, ref := range []string{"sqlite:x.db", "sqlite:x.db#table", "sqlite:#a.b", "sqlite:x.db#a.b?color=red"} {
		if _, err := ParseCatalogRef(ref); err == nil {
			t.Errorf("%s parsed", ref)
		}
	}
	if c, err := ParseCatalogRef("sqlite:///w/c.db#a.b.t?catalog=x&warehouse=/w2"); err != nil || c.File != "/w/c.db" || c.Namespace != "a.b" || c.Table != "t" || c.Catalog != "x" || c.Warehouse != "/w2" {
		t.Errorf("%+v %v", c, err)
	}
}
