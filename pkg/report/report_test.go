package report

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/golden"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// checkGolden compares got with testdata/report/name (go test -update rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(testenv.RepoRoot(t), "testdata", "report", name), []byte(got))
}

func TestBuildGolden(t *testing.T) {
	cases := map[string][]*evidence.Document{
		"pass.md":    {promotionDoc(true), validationDoc(false), driftDoc(false), signatureDoc(), verificationDoc()},
		"fail.md":    {validationDoc(true), contractDiffDoc(), driftDoc(true), promotionDoc(false), signatureDoc()},
		"hostile.md": hostileDocs(),
	}
	for name, docs := range cases {
		t.Run(name, func(t *testing.T) {
			got := Build(docs, Options{Title: "Model fraud-model", Footer: "mlgate v0.1.0"})
			checkGolden(t, name, got)
			if again := Build(docs, Options{Title: "Model fraud-model", Footer: "mlgate v0.1.0"}); again != got {
				t.Fatal("Build is not deterministic")
			}
		})
	}
}

// A report cut to a small limit shows what a reviewer sees of a long one.
func TestBuildCutGolden(t *testing.T) {
	docs := []*evidence.Document{validationDoc(true), contractDiffDoc(), driftDoc(true), promotionDoc(false), signatureDoc()}
	const max = 4500
	got := Build(docs, Options{Title: "Model fraud-model", Footer: "mlgate v0.1.0", MaxBytes: max,
		FullReportURL: "https://github.com/acme/fraud/actions/runs/42"})
	if len(got) > max {
		t.Fatalf("%d bytes, over %d", len(got), max)
	}
	checkInert(t, got)
	checkGolden(t, "cut.md", got)
}

func TestMarkdownAndTextPerKindGolden(t *testing.T) {
	docs := []*evidence.Document{
		validationDoc(true), contractDiffDoc(), driftDoc(true), promotionDoc(false), signatureDoc(), verificationDoc(),
		newDoc(evidence.KindProfile, "transactions", nil),
	}
	var md, text strings.Builder
	for _, d := range docs {
		md.WriteString(Markdown(d))
		text.WriteString(Text(d))
		text.WriteString("\n")
	}
	checkGolden(t, "kinds.md", md.String())
	checkGolden(t, "kinds.txt", text.String())
}

func TestVerdict(t *testing.T) {
	cases := []struct {
		docs []*evidence.Document
		want string
	}{
		{nil, "🛑 **No evidence**"},
		{[]*evidence.Document{promotionDoc(true)}, "⚠️ **Warn**: Promotion decision `fraud-model`"},
		{[]*evidence.Document{validationDoc(false), signatureDoc()}, "✅ **Pass**: all 2 evidence documents passed."},
		{[]*evidence.Document{validationDoc(true), promotionDoc(false), driftDoc(false)}, "❌ **Fail**: Promotion decision `fraud-model`"},
	}
	for _, c := range cases {
		if got := Verdict(c.docs); !strings.HasPrefix(got, c.want) {
			t.Errorf("Verdict = %q, want prefix %q", got, c.want)
		}
	}
	fail := Verdict([]*evidence.Document{validationDoc(true), promotionDoc(false), driftDoc(false)})
	if !strings.Contains(fail, "Data validation `transactions`") || strings.Contains(fail, "Drift") {
		t.Errorf("the verdict should name the failing documents and only those: %q", fail)
	}
}

// mentionOrRef finds text GitHub would turn into a mention or an issue link.
// An entity such as &#58; is not a reference.
var mentionOrRef = regexp.MustCompile(`@[A-Za-z0-9]|(^|[^&])#[0-9]`)

// codeSpan matches inline code, where GitHub shows text literally: no HTML,
// no mentions, no links. Escaped backticks are removed before matching.
var codeSpan = regexp.MustCompile("`[^`]*`")

// checkInert fails when markdown holds anything hostile text could have used
// outside code: raw HTML, a mention, an issue link, a bidi control, a workflow
// command at the start of a line, or a table row with more cells than its header.
func checkInert(t *testing.T, md string) {
	t.Helper()
	for _, bad := range []string{"\u202E", "\u2066", "\x1b", "\r"} {
		if strings.Contains(md, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	md = codeSpan.ReplaceAllString(strings.ReplaceAll(md, "\\`", ""), "`code`")
	for _, bad := range []string{"<script", "<img", "</details><", "javascript:", "](javascript"} {
		if strings.Contains(md, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	inFence := false
	cells := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if m := mentionOrRef.FindString(line); m != "" {
			t.Errorf("line mentions or links %q: %s", m, line)
		}
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("line starts a workflow command: %s", line)
		}
		if strings.HasPrefix(line, "|") {
			n := countCells(line)
			if strings.HasPrefix(line, "|---") {
				cells = n
			} else if cells > 0 && n != cells {
				t.Errorf("row has %d cells, header %d: %s", n, cells, line)
			}
		} else {
			cells = 0
		}
	}
	if inFence {
		t.Error("a code fence is left open")
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Errorf("details opened %d times, closed %d", strings.Count(md, "<details>"), strings.Count(md, "</details>"))
	}
}

// countCells counts a table row's cells the way GFM does: pipes not escaped by
// a backslash separate cells, inside code spans too.
func countCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestHostileTextIsInert(t *testing.T) {
	docs := hostileDocs()
	checkInert(t, Build(docs, Options{Title: hostile[0]}))
	for _, d := range docs {
		checkInert(t, Markdown(d))
		text := Text(d)
		for _, bad := range []string{"\x1b", "\u202E", "\r"} {
			if strings.Contains(text, bad) {
				t.Errorf("text output of %s contains %q", d.Kind, bad)
			}
		}
	}
}

func TestEscape(t *testing.T) {
	cases := map[string]string{
		"@org/team":       "@\u200dorg/team",
		"a|b":             `a\|b`,
		"<img onerror=x>": "&lt;img onerror=x&gt;",
		"#123":            "#\u200d123",
		"x\ny":            "x y",
		"rtl\u202Eabc":    "rtl⟨U\\+202E⟩abc",
		"::error::x":      "&#58;&#58;error&#58;&#58;x",
		"`a`":             "\\`a\\`",
		"plain text 42":   "plain text 42",
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCode(t *testing.T) {
	cases := map[string]string{
		"amount":                     "`amount`",
		"a`b":                        "`aˋb`",
		"a|b":                        "`a\\|b`",
		"a\\|b":                      "`a\\\u200b\\|b`",
		"x\n::e::":                   "`x ::e::`",
		"":                           "` `",
		"bidi\u2066":                 "`bidi⟨U+2066⟩`",
		"acc\u200buracy\u00ad\u200d": "`acc⟨U+200B⟩uracy⟨U+00AD⟩⟨U+200D⟩`",
	}
	for in, want := range cases {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeURL(t *testing.T) {
	cases := map[string]string{
		"https://rekor.sigstore.dev/x?logIndex=1": "https://rekor.sigstore.dev/x?logIndex=1",
		"https://example.com/a)b(c":               "https://example.com/a%29b%28c",
		"javascript:alert(1)":                     "",
		"http://example.com":                      "",
		"https://user:pw@example.com":             "",
		"//example.com":                           "",
	}
	for in, want := range cases {
		if got := SafeURL(in); got != want {
			t.Errorf("SafeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNum(t *testing.T) {
	cases := map[float64]string{0: "0", 0.925: "0.925", 0.91234: "0.9123", 118.5: "118.5", 12345.67: "12345.7",
		1e-9: "1.00e-09", 2e7: "2.00e+07", -1.5: "-1.5"}
	for in, want := range cases {
		if got := Num(in); got != want {
			t.Errorf("Num(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	cases := map[int64]string{0: "0", 999: "999", 1000: "1,000", 20000000: "20,000,000", -1234: "-1,234"}
	for in, want := range cases {
		if got := Count(in); got != want {
			t.Errorf("Count(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 0.5, 1}, 1); got != "▁▅█" {
		t.Errorf("Sparkline = %q", got)
	}
	if got := sparkPair([]float64{0.5, 0.5}, []float64{1, 0}); got != "▅▅ → █▁" {
		t.Errorf("sparkPair shares one scale: %q", got)
	}
}

func TestMetricChartUpIsBetter(t *testing.T) {
	chart := MetricChart([]evidence.MetricResult{
		{Name: "acc", RelativeChange: f(0.02), Direction: "higher"},
		{Name: `lat"ency]`, RelativeChange: f(0.10), Direction: "lower"},
		{Name: "no-baseline", Direction: "higher"},
	})
	for _, want := range []string{"```mermaid\nxychart-beta\n", `x-axis ["acc", "lat_ency_"]`, "bar [2, -10]"} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart lacks %q:\n%s", want, chart)
		}
	}
	if MetricChart([]evidence.MetricResult{{Name: "x"}}) != "" {
		t.Error("a chart without data should be empty")
	}
	var many []evidence.MetricResult
	for i := 0; i < 20; i++ {
		many = append(many, evidence.MetricResult{Name: "m", RelativeChange: f(0.01), Direction: "higher"})
	}
	if chart := MetricChart(many); strings.Count(chart, `"m"`) != maxChartBars || !strings.Contains(chart, "first 15 metrics") {
		t.Errorf("chart of 20 metrics:\n%s", chart)
	}
}

// commentLimit is GitHub's limit on a comment body (githubapi.MaxBodyBytes).
const commentLimit = 65536

func TestBuildFitsCommentLimit(t *testing.T) {
	var docs []*evidence.Document
	for i := 0; i < 40; i++ {
		d := validationDoc(true)
		for j := 0; j < 60; j++ {
			d.Add(evidence.Check{ID: "column.c" + strings.Repeat("x", j) + ".range", Status: evidence.StatusFail,
				Message: strings.Repeat("value out of range ", 3)})
		}
		docs = append(docs, d)
	}
	docs = append(docs, promotionDoc(false))
	full := Build(docs, Options{})
	if len(full) <= commentLimit {
		t.Fatalf("fixture too small to test the limit: %d bytes", len(full))
	}
	if !strings.Contains(full, "<details><summary>32 more failed checks</summary>") {
		t.Error("failed checks beyond the first 30 should be folded")
	}
	const url = "https://github.com/acme/fraud/actions/runs/1"
	got := Build(docs, Options{MaxBytes: commentLimit, FullReportURL: url, Footer: "mlgate"})
	if len(got) > commentLimit {
		t.Fatalf("report is %d bytes, over %d", len(got), commentLimit)
	}
	if !strings.Contains(got, "[job summary]("+url+")") || !strings.HasSuffix(got, "<sub>mlgate</sub>\n") {
		t.Errorf("cut report lacks the link to the job summary or the footer:\n%s", got[len(got)-500:])
	}
	if !strings.Contains(got, "Promotion decision") {
		t.Error("the promotion decision comes first and must survive the cut")
	}
	checkInert(t, got)
}

func TestTruncateMarkdownClosesBlocks(t *testing.T) {
	md := "<details><summary>x</summary>\n\n```text\n" + strings.Repeat("line\n", 100) + "```\n</details>\n"
	for _, max := range []int{40, 100, 300} {
		got := TruncateMarkdown(md, max)
		if len(got) > max {
			t.Errorf("max %d: got %d bytes", max, len(got))
		}
		if strings.Count(got, "```")%2 != 0 || strings.Count(got, "<details>") != strings.Count(got, "</details>") {
			t.Errorf("max %d: blocks left open:\n%s", max, got)
		}
	}
	if got := TruncateMarkdown(md, len(md)); got != md {
		t.Error("text under the limit must be unchanged")
	}
}
