package contract

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// TestODCSExamples reads every example contract of the standard: each
// parses, or is refused at a line and column with the reason.
func TestODCSExamples(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "odcs", "docs", "examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.odcs.yaml"))
	if len(files) < 15 {
		t.Fatalf("%d ODCS examples in %s", len(files), dir)
	}
	parsed := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseODCS(f, data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != f || ce.Pos.Line == 0 || ce.Msg == "" {
				t.Errorf("%s: refused without a place: %v", f, err)
			}
			t.Logf("refused: %v", err)
			continue
		}
		parsed++
		for _, c := range o.Objects {
			// Converted to mlgate's format and back, nothing changes.
			back, err := Parse("back.yaml", Marshal(c))
			if err != nil {
				t.Errorf("%s#%s: mlgate form does not parse: %v\n%s", f, c.Object, err, Marshal(c))
				continue
			}
			if a, b := Marshal(c), Marshal(back); string(a) != string(b) {
				t.Errorf("%s#%s: mlgate round trip differs:\n%s\n---\n%s", f, c.Object, a, b)
			}
			// And to ODCS and back, which also checks the written ODCS
			// against the official schema.
			text, _ := MarshalODCS(c)
			again, err := ParseODCS("again.odcs.yaml", text)
			if err != nil {
				t.Errorf("%s#%s: written ODCS does not read back: %v\n%s", f, c.Object, err, text)
				continue
			}
			if a, b := Marshal(c), Marshal(again.Objects[0]); string(a) != string(b) {
				t.Errorf("%s#%s: ODCS round trip differs:\n%s\n---\n%s", f, c.Object, a, b)
			}
		}
	}
	if parsed < 10 {
		t.Errorf("only %d of %d examples parse", parsed, len(files))
	}
}

// TestMlgateContractsToODCS converts the project's own example contracts to
// ODCS and back: each rule survives, or the conversion says it was lost.
func TestMlgateContractsToODCS(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "testdata", "contracts", "examples", "*.yaml"))
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		text, lost := MarshalODCS(c)
		o, err := ParseODCS(f+".odcs", text)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, text)
		}
		back := o.Objects[0]
		back.Name = c.Name
		want, got := Marshal(c), Marshal(back)
		if string(want) == string(got) {
			continue
		}
		// Differences are only the losses the conversion names, and mostly
		// written as the equal percentage of failures.
		if len(lost) == 0 && !strings.Contains(string(want), "mostly") {
			t.Errorf("%s: ODCS round trip differs and nothing was reported lost:\n%s\n---\n%s", f, want, got)
		}
		t.Logf("%s: lost %q", filepath.Base(f), lost)
	}
}

func TestODCSObjects(t *testing.T) {
	doc := `apiVersion: v3.1.0
kind: DataContract
id: two
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - name: id
        logicalType: integer
        required: true
  - name: customers
    properties:
      - name: email
        logicalType: string
        quality:
          - type: sql
            query: SELECT 1
            mustBe: 1
`
	if _, err := Parse("two.odcs.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "orders, customers") {
		t.Errorf("two objects without a choice: %v", err)
	}
	c, err := ParseObject("two.odcs.yaml", []byte(doc), "customers")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Skipped) != 1 || !strings.Contains(c.Skipped[0].Reason, "SQL") || c.Skipped[0].Pos.Line != 17 {
		t.Errorf("skipped = %+v, want the SQL rule at line 17", c.Skipped)
	}
	if _, err := ParseObject("two.odcs.yaml", []byte(doc), "order"); err == nil || !strings.Contains(err.Error(), `did you mean "orders"`) {
		t.Errorf("unknown object: %v", err)
	}
	if _, err := ParseObject("two.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns: []\n"), "x"); err == nil {
		t.Error("an object chosen in a mlgate contract was accepted")
	}
}

// TestREADMEODCSSideBySide holds the README's two contracts to saying the
// same thing.
func TestREADMEODCSSideBySide(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "### ODCS contracts")
	var blocks []string
	for _, part := range strings.Split(section, "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
		if len(blocks) == 2 {
			break
		}
	}
	if len(blocks) != 2 {
		t.Fatalf("README's ODCS section has %d yaml blocks, want 2", len(blocks))
	}
	odcs, err := Parse("README-odcs.yaml", []byte(blocks[0]))
	if err != nil {
		t.Fatal(err)
	}
	own, err := Parse("README-mlgate.yaml", []byte(blocks[1]))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := Marshal(odcs), Marshal(own); string(a) != string(b) {
		t.Errorf("the README's side-by-side contracts differ:\n%s\n---\n%s", a, b)
	}
}

// TestODCSMustBeBetweenIsExclusive holds rowCount mustBeBetween to the
// standard's text (docs/data-quality.md:330, "the equivalent to
// mustBeGreaterThan and mustBeLessThan") at both bounds, on 1000 rows.
func TestODCSMustBeBetweenIsExclusive(t *testing.T) {
	files := openAll(t, writeFixture(t, t.TempDir(), "tx.parquet", fixtureRows(1000), 300))
	for between, want := range map[string]evidence.Status{
		"[999, 1001]":  evidence.StatusPass,
		"[1000, 1001]": evidence.StatusFail, // 1000 is not greater than 1000
		"[999, 1000]":  evidence.StatusFail, // nor less than 1000
		"[0, 1000]":    evidence.StatusFail,
		"[1000, 2000]": evidence.StatusFail,
	} {
		doc := "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: tx\n    quality:\n      - metric: rowCount\n        mustBeBetween: " + between + "\n"
		c, err := Parse("x.odcs.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		res := runContract(t, c, files)
		status := evidence.StatusPass
		for _, chk := range res.Checks {
			if strings.HasPrefix(chk.ID, "dataset.rows.") && chk.Status != evidence.StatusPass {
				status = chk.Status
			}
		}
		if status != want {
			t.Errorf("1000 rows, mustBeBetween %s: %s, want %s", between, status, want)
		}
	}
}

// TestODCSSQLCount: the standard's own SQL example, a count of the rows
// matching a predicate, runs as a row count under that filter; other SQL
// is skipped with the reason.
func TestODCSSQLCount(t *testing.T) {
	path := filepath.Join(testenv.Shared(t, "corpora", "odcs", "docs", "examples"), "quality", "column-accuracy.odcs.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Dataset.MaxRows; r == nil || r.Value != 0 || r.Where == nil || r.Where.String() != "(DataValue <= 0 OR DataValue >= 500)" || len(c.Skipped) != 0 {
		t.Fatalf("max rows %+v, skipped %+v", r, c.Skipped)
	}
	doc := "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    quality:\n"
	for query, reason := range map[string]string{
		"SELECT COUNT(*) FROM other WHERE a > 1":    "counts rows of other, not of object t",
		"SELECT COUNT(*) FROM t WHERE a LIKE 'x%'":  "the WHERE clause is not a predicate mlgate evaluates",
		"SELECT COUNT(DISTINCT a) FROM t WHERE a>1": "SQL rules need a SQL engine",
	} {
		c, err := Parse("x.odcs.yaml", []byte(doc+"      - type: sql\n        query: \""+query+"\"\n        mustBe: 0\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Skipped) != 1 || !strings.Contains(c.Skipped[0].Reason, reason) || c.Dataset.MaxRows != nil {
			t.Errorf("%s: skipped %+v", query, c.Skipped)
		}
	}
}
