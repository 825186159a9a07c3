package yamlx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/drift"
	"github.com/mlgate/mlgate/pkg/metrics"
	"github.com/mlgate/mlgate/pkg/policy"
)

// TestErrorPositionsPerConfigKind: every hand-edited YAML file mlgate reads
// reports a problem as file:line:column, and a misspelt key with the key it
// probably meant.
func TestErrorPositionsPerConfigKind(t *testing.T) {
	write := writer(t)
	const gateHeader = "apiVersion: mlgate.dev/v1\nkind: PromotionGate\n"
	cases := map[string]struct {
		load func(path string) error
		file string
		body string
		want string // after the path
	}{
		"contract unknown key": {func(p string) error { _, err := contract.Load(p); return err }, "contract.yaml",
			"apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: age\n    type: string\n    max_lenght: 3\n",
			`:6:5: column: unknown key "max_lenght" (did you mean "max_length"?)`},
		"contract syntax": {func(p string) error { _, err := contract.Load(p); return err }, "broken.yaml",
			"columns: [\n", ":1:"},
		"gate unknown key": {func(p string) error { _, err := metrics.LoadGate(p); return err }, "gate.yaml",
			gateHeader + "metrics:\n  - name: auc\n    mni: 0.9\n", `:5:5: unknown key "mni" (did you mean "min"?)`},
		"gate nested unknown key": {func(p string) error { _, err := metrics.LoadGate(p); return err }, "gate2.yaml",
			gateHeader + "metrics:\n  - name: auc\n    change: {absolut: -0.01}\n", `:5:14: unknown key "absolut" (did you mean "absolute"?)`},
		"gate rule check": {func(p string) error { _, err := metrics.LoadGate(p); return err }, "gate3.yaml",
			gateHeader + "metrics:\n  - name: auc\n  - name: f1\n    direction: up\n", `:5:5: metric "f1": direction "up"`},
		"gate type": {func(p string) error { _, err := metrics.LoadGate(p); return err }, "gate4.yaml",
			gateHeader + "metrics:\n  - name: auc\n    min: [1]\n", ":5:"},
		"gate duplicate key": {func(p string) error { _, err := metrics.LoadGate(p); return err }, "gate5.yaml",
			gateHeader + "metrics:\n  - name: auc\n    min: 1\n    min: 2\n", ":6:5: "},
		"drift unknown key": {func(p string) error { _, err := drift.ReadConfig(p); return err }, "drift.yaml",
			"share: 0.5\ncolumns:\n  age:\n    methd: psi\n", `:4:5: unknown key "methd" (did you mean "method"?)`},
		"drift column check": {func(p string) error { _, err := drift.ReadConfig(p); return err }, "drift2.yaml",
			"columns:\n  age: {method: psi}\n  city:\n    method: kl\n", `:3: column "city": unknown method "kl"`},
		"drift top-level key": {func(p string) error { _, err := drift.ReadConfig(p); return err }, "drift3.yaml",
			"shares: 0.5\n", `:1:1: unknown key "shares" (did you mean "share"?)`},
		"model card front matter": {func(p string) error { var m policy.Model; return m.LoadModelCard(p) }, "README.md",
			"---\nlicense: mit\ntags: [a\n---\n# Model\n", ":3:"},
		"model metadata": {func(p string) error { var m policy.Model; return m.LoadModelCard(p) }, "meta.yaml",
			"- a list\n", ":1:"},
		"metrics file": {func(p string) error { _, err := metrics.Read(p); return err }, "metrics.yaml",
			"acc: 0.9\nloss: .nan\n", `:2:7: metric "loss"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := write(c.file, c.body)
			err := c.load(p)
			if err == nil || !strings.Contains(err.Error(), p+c.want) {
				t.Fatalf("error %v, want one containing %q", err, p+c.want)
			}
		})
	}
}

func TestDecodeStrictAndPlaced(t *testing.T) {
	type inner struct {
		MaxLength int `yaml:"max_length"`
	}
	type conf struct {
		Name    string           `yaml:"name"`
		Columns map[string]inner `yaml:"columns"`
		List    []inner          `yaml:"list"`
	}
	cases := map[string]struct{ body, want string }{
		"map value":     {"columns:\n  a:\n    max_lenth: 3\n", `f.yaml:3:5: unknown key "max_lenth" (did you mean "max_length"?)`},
		"list element":  {"list:\n  - {max_length: 1}\n  - {maxlength: 2}\n", `f.yaml:3:6: unknown key "maxlength" (did you mean "max_length"?)`},
		"no suggestion": {"zzzzzz: 1\n", `f.yaml:1:1: unknown key "zzzzzz"`},
		"two documents": {"name: a\n---\nname: b\n", "f.yaml:1:1: want exactly one YAML document"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			doc, err := yamlx.Parse("f.yaml", []byte(c.body))
			if err == nil {
				var v conf
				err = doc.Decode(&v)
			}
			if err == nil || err.Error() != c.want && !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if name == "no suggestion" && strings.Contains(err.Error(), "did you mean") {
				t.Fatalf("suggested a far key: %v", err)
			}
		})
	}
	doc, err := yamlx.Parse("f.yaml", []byte("name: a\nlist:\n  - max_length: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	var v conf
	if err := doc.Decode(&v); err != nil || v.Name != "a" || len(v.List) != 1 || v.List[0].MaxLength != 4 {
		t.Fatalf("decoded %+v, %v", v, err)
	}
	if line, col := doc.Pos("$.list[0]"); line != 3 || col != 5 {
		t.Fatalf("position of list[0]: %d:%d", line, col)
	}
}

func TestSuggest(t *testing.T) {
	for s, want := range map[string]string{"mni": "min", "max_lenght": "max_length", "methd": "method", "qqqq": ""} {
		if got := yamlx.Suggest(s, []string{"max", "max_length", "method", "min", "pattern"}); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzParseDecode: any bytes parse and decode or fail with an error, never a
// panic (the parser's own panics become errors in yamlx).
func FuzzParseDecode(f *testing.F) {
	for _, s := range []string{"a: 1\n", "columns:\n  x: {method: psi}\n", "- [a, {b: *c}]\n", "&a [*a]\n", "? [a]\n: b\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := yamlx.Parse("f.yaml", data)
		if err != nil {
			return
		}
		var v struct {
			Columns map[string]struct {
				Method string `yaml:"method"`
			} `yaml:"columns"`
		}
		_ = doc.Decode(&v)
		var m map[string]any
		_ = doc.Decode(&m)
	})
}

// laughs is a "billion laughs" YAML mapping: each of levels anchors holds
// ten aliases of the one before, 10^levels values once expanded, in a few
// hundred bytes.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	return b.String()
}

// A file from a pull request whose aliases expand to 10^10 values (model
// card metadata is encoded to JSON for the policies: that alone ran out of
// memory) is refused where it is parsed, at the alias that passes the bound,
// by every YAML reader; anchors and aliases used as YAML intends still work.
func TestAliasBombIsRefused(t *testing.T) {
	write := writer(t)
	bomb := laughs(10)
	loaders := map[string]func(string) error{
		"card.md":       func(p string) error { var m policy.Model; return m.LoadModelCard(p) },
		"meta.yaml":     func(p string) error { var m policy.Model; return m.LoadModelCard(p) },
		"contract.yaml": func(p string) error { _, err := contract.Load(p); return err },
		"gate.yaml":     func(p string) error { _, err := metrics.LoadGate(p); return err },
		"drift.yaml":    func(p string) error { _, err := drift.ReadConfig(p); return err },
		"metrics.yaml":  func(p string) error { _, err := metrics.Read(p); return err },
	}
	for name, load := range loaders {
		body := bomb
		if name == "card.md" {
			body = "---\n" + bomb + "---\n# Model\n"
		}
		p := write(name, body)
		// The sixth anchor passes the bound: each of its aliases adds 111,110.
		line := 6
		if name == "card.md" {
			line++
		}
		want := fmt.Sprintf("%s:%d:", p, line)
		if err := load(p); err == nil || !strings.Contains(err.Error(), "YAML aliases expand this document by more than") || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want one at %s", name, err, want)
		}
	}
	card := write("README.md", "---\nbase: &base {license: mit, tags: [a, b]}\nvariant:\n  <<: *base\n  name: small\n"+laughs(5)+"---\n# Model\n")
	var m policy.Model
	if err := m.LoadModelCard(card); err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Metadata["variant"].(map[string]any); !ok || v["license"] != "mit" || v["name"] != "small" {
		t.Fatalf("metadata %v", m.Metadata)
	}
}

// go-yaml keeps each node's path as a string of its own: a long key over
// many values costs their product (a 110 KB file took 584 MB, an 8 MiB
// contract could ask for terabytes). Such files are refused before the
// parser runs, in flow and block style, and so are keys that are
// collections (their text would be each path's); large files of ordinary
// shape still parse.
func TestPathBombIsRefused(t *testing.T) {
	long := strings.Repeat("k", 1<<20)
	for name, src := range map[string]string{
		"flow":       long + ": [" + strings.Repeat("1,", 100_000) + "1]\n",
		"block":      long + ":\n" + strings.Repeat("- 1\n", 100_000),
		"nested":     "a:\n  " + long + ":\n    b:\n" + strings.Repeat("      - 1\n", 50_000),
		"json":       `{"` + long + `": {"x": [` + strings.Repeat("1,", 100_000) + "1]}}",
		"flow key":   "[" + long + "]: [" + strings.Repeat("1,", 1000) + "1]\n",
		"explicit":   "? " + long + "\n: [1, 2]\n",
		"in entries": "- " + long + ":\n" + strings.Repeat("  - 1\n", 100_000),
	} {
		_, err := yamlx.Parse(name+".yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), name+".yaml:") ||
			!strings.Contains(err.Error(), "paths") && !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: error %.200v", name, err)
		}
	}
	var b strings.Builder
	b.WriteString("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "  - name: a_rather_long_column_name_%d\n    type: int64\n    min: 0\n    allowed: [1, 2, 3]\n", i)
	}
	if _, err := yamlx.Parse("big.yaml", []byte(b.String())); err != nil {
		t.Fatalf("a large ordinary file (%d bytes): %v", b.Len(), err)
	}
}

// writer returns a function that writes a file into a new folder and returns
// its path.
func writer(t *testing.T) func(name, body string) string {
	dir := t.TempDir()
	return func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}
