package report

import (
	"os"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// The terminal report fits the width it is given, at 80 and 200 columns, and
// keeps every cell's words (wrapped, not cut).
func TestBuildTextFitsWidth(t *testing.T) {
	docs := demoDocs(t)
	for _, width := range []int{80, 200} {
		out := BuildText(docs, "Model check (demo)", TextOptions{Width: width})
		for _, line := range strings.Split(out, "\n") {
			// Every line fits: tables, prose and the signature's fields.
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("width %d: line of %d columns: %s", width, w, line)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("width %d: colour without Color", width)
		}
		for _, want := range []string{"country", "8,378", "not compared", "Attestation verification", "Signature verification"} {
			if !strings.Contains(out, want) {
				t.Errorf("width %d: text report lacks %q", width, want)
			}
		}
	}
	checkGolden(t, "demo.txt", BuildText(docs, "Model check (demo)", TextOptions{Width: 100}))
}

// Text follows the markdown's order: the verdict, then the same sections.
func TestBuildTextSameOrderAsMarkdown(t *testing.T) {
	docs := []*evidence.Document{signatureDoc(), validationDoc(true), contractDiffDoc(), driftDoc(true), promotionDoc(false)}
	md := Build(docs, Options{})
	text := BuildText(docs, "", TextOptions{Width: 200})
	titles := []string{"Promotion decision", "Data validation", "Contract changes", "Drift", "Signature"}
	last, lastText := -1, -1
	for _, title := range titles {
		i, j := strings.Index(md, "### ❌ "+title), strings.Index(text, "FAIL "+title)
		if title == "Signature" {
			i, j = strings.Index(md, "### ✅ "+title), strings.Index(text, "PASS "+title)
		}
		if i <= last || j <= lastText {
			t.Errorf("%s is out of order (markdown %d after %d, text %d after %d)", title, i, last, j, lastText)
		}
		last, lastText = i, j
	}
	if first := strings.SplitN(text, "\n", 2)[0]; first != "FAIL: Do not merge or promote: 5 checks failed: metric.recall, policy.mlgate.data, column.amount.max, contract.columns.amount.type and 1 more" {
		t.Errorf("text verdict: %q", first)
	}
}

func TestTextColour(t *testing.T) {
	out := BuildText([]*evidence.Document{promotionDoc(false)}, "", TextOptions{Color: true})
	for _, want := range []string{ansiRed + "FAIL", ansiRed + "-7.5%\u00a0▒", ansiGreen + "██"} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured output lacks %q:\n%s", want, out)
		}
	}
}

func TestTerminalOptions(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := TerminalOptions(f, env(nil)); got != (TextOptions{Width: -1}) {
		t.Errorf("a file: %+v", got)
	}
	if got := TerminalOptions(f, env(map[string]string{"COLUMNS": "132"})); got != (TextOptions{Width: 132}) {
		t.Errorf("a file with COLUMNS: %+v", got)
	}
	if got := TerminalOptions(nil, env(map[string]string{"COLUMNS": "x"})); got != (TextOptions{Width: -1}) {
		t.Errorf("no file, bad COLUMNS: %+v", got)
	}
}

func TestWrap(t *testing.T) {
	cases := map[string][]string{
		"a bb ccc":      {"a bb", "ccc"},
		"abcdefghij":    {"abcde", "fghij"},
		"short":         {"short"},
		"x abcdefghijk": {"x", "abcde", "fghij", "k"},
		"中文中文中":         {"中文", "中文", "中"},
	}
	for in, want := range cases {
		if got := wrap(in, 5); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("wrap(%q, 5) = %q, want %q", in, got, want)
		}
	}
}
