package report

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mlgate/mlgate/internal/golden"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// checkGolden compares got with testdata/report/name (go test -update rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(testenv.RepoRoot(t), "testdata", "report", name), []byte(got))
}

// demoDocs is the evidence `make demo` wrote (scripts/demo.sh), kept in
// testdata/report/demo: the report a new user sees first.
func demoDocs(t testing.TB) []*evidence.Document {
	paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "testdata", "report", "demo", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("demo evidence: %v (%d files)", err, len(paths))
	}
	docs, err := evidence.ReadAll(paths)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// goldenReports are the reports kept as goldens, by file name, with their titles.
func goldenReports(t testing.TB) map[string][]*evidence.Document {
	return map[string][]*evidence.Document{
		"pass.md":    {promotionDoc(true), validationDoc(false), driftDoc(false), signatureDoc(), verificationDoc()},
		"fail.md":    {validationDoc(true), contractDiffDoc(), driftDoc(true), promotionDoc(false), signatureDoc()},
		"hostile.md": hostileDocs(),
		"demo.md":    demoDocs(t),
	}
}

func goldenTitle(name string) string {
	if name == "demo.md" {
		return "Model check (demo)"
	}
	return "Model fraud-model"
}

func TestBuildGolden(t *testing.T) {
	for name, docs := range goldenReports(t) {
		t.Run(name, func(t *testing.T) {
			got := Build(docs, Options{Title: goldenTitle(name), Footer: "mlgate v0.1.0"})
			checkGolden(t, name, got)
			if again := Build(docs, Options{Title: goldenTitle(name), Footer: "mlgate v0.1.0"}); again != got {
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
		{nil, "🛑 No evidence: nothing was given to report on"},
		{[]*evidence.Document{promotionDoc(true)}, "⚠️ Can merge and promote, with 1 warning: `policy.mlgate.model_card`"},
		{[]*evidence.Document{validationDoc(false), signatureDoc()}, "✅ Ready to merge: all 3 checks passed"},
		{[]*evidence.Document{validationDoc(true), promotionDoc(false), driftDoc(false)},
			"❌ Do not merge or promote: 3 checks failed: `metric.recall`, `policy.mlgate.data`, `column.amount.max`"},
	}
	for _, c := range cases {
		if got := Verdict(c.docs); got != c.want {
			t.Errorf("Verdict = %q, want %q", got, c.want)
		}
	}
}

// mentionOrRef finds text GitHub would turn into a mention, an issue link or
// an autolink.
var mentionOrRef = regexp.MustCompile(`@[A-Za-z0-9]|#[0-9]|(?i)gh-[0-9]|(?i)www\.`)

// bareMarkdown is md as markdown acts on it: code spans (where GitHub shows
// text literally: no HTML, mentions or links) become "`code`" and every
// backslash-escaped character becomes "··". A code span is only matched
// within one line and one table cell, so a span the renderer would not see
// is not taken for one.
func bareMarkdown(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		switch c := md[i]; {
		case c == '\\' && i+1 < len(md) && md[i+1] < 0x80 && unicode.IsPunct(rune(md[i+1])) || c == '\\' && i+1 < len(md) && strings.ContainsRune("$+<=>^`|~", rune(md[i+1])):
			b.WriteString("··")
			i += 2
			continue
		case c == '`':
			n := 0
			for i+n < len(md) && md[i+n] == '`' {
				n++
			}
			if end := closingRun(md, i+n, n); end >= 0 {
				b.WriteString("`code`")
				i = end + n
				continue
			}
			b.WriteString(strings.Repeat("·", n))
			i += n
			continue
		}
		b.WriteByte(md[i])
		i++
	}
	return b.String()
}

// closingRun finds the run of exactly n backticks that closes a code span
// opened before from, on the same line and in the same table cell; -1 if none.
func closingRun(md string, from, n int) int {
	for j := from; j < len(md); {
		switch md[j] {
		case '\n', '|':
			return -1
		case '\\':
			if j+1 < len(md) && md[j+1] == '|' {
				j += 2
				continue
			}
		case '`':
			m := 0
			for j+m < len(md) && md[j+m] == '`' {
				m++
			}
			if m == n {
				return j
			}
			j += m
			continue
		}
		j++
	}
	return -1
}

// htmlStart matches what could open HTML, a comment or an autolink.
var htmlStart = regexp.MustCompile(`^<[A-Za-z/!?]`)

// ownTag matches the HTML the report writes itself.
var ownTag = regexp.MustCompile(`^</?(details|summary|sub|br)>`)

// checkInert fails when markdown holds anything hostile text could have used
// outside code: raw HTML, a link other than our own https ones, a mention, an
// issue link, an entity, a bidi control, a workflow command at the start of a
// line, or a table row with more cells than its header.
func checkInert(t *testing.T, md string) {
	t.Helper()
	for _, bad := range []string{"\u202E", "\u2066", "\x1b", "\r"} {
		if strings.Contains(md, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	bare := bareMarkdown(md)
	for i := strings.IndexByte(bare, '<'); i >= 0; i = nextIndex(bare, '<', i) {
		if htmlStart.MatchString(bare[i:]) && !ownTag.MatchString(bare[i:]) {
			t.Errorf("raw HTML or autolink at %q", bare[i:min(len(bare), i+40)])
		}
	}
	for i := strings.Index(bare, "]("); i >= 0; i = nextString(bare, "](", i) {
		if !strings.HasPrefix(bare[i:], "](https://") {
			t.Errorf("link to %q", bare[i:min(len(bare), i+40)])
		}
	}
	for i := strings.Index(bare, "://"); i >= 0; i = nextString(bare, "://", i) {
		if !strings.HasSuffix(bare[:i], "](https") {
			t.Errorf("bare URL at %q", bare[max(0, i-20):min(len(bare), i+20)])
		}
	}
	if m := regexp.MustCompile(`&(#|[A-Za-z]+;)`).FindString(bare); m != "" {
		t.Errorf("entity %q outside code", m)
	}
	md = bare
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

func nextIndex(s string, c byte, i int) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func nextString(s, sub string, i int) int {
	j := strings.Index(s[i+1:], sub)
	if j < 0 {
		return -1
	}
	return i + 1 + j
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
		"@org/team":                  "`@org/team`",
		"mail me@example.com now":    "mail `me@example.com` now",
		"see #123 and GH-4":          "see `#123` and `GH-4`",
		"high-risk":                  "high-risk",
		"https://evil.example/x":     "`https://evil.example/x`",
		"a|b":                        `a\|b`,
		"<img onerror=x>":            `\<img onerror=x>`,
		"p < 0.05, x <= 1, a<b":      `p < 0.05, x <= 1, a\<b`,
		">= 0.9":                     ">= 0.9",
		"x\ny":                       "x y",
		"rtl\u202Eabc":               "rtl⟨U+202E⟩abc",
		"`a`":                        "\\`a\\`",
		"plain text 42":              "plain text 42",
		"promote: 0.9 (>= 0.90)":     "promote: 0.9 (>= 0.90)",
		"MODEL_CARD.md _it_ **b**":   `MODEL_CARD.md \_it\_ \*\*b\*\*`,
		"[x](javascript:alert(1))":   `\[x\](javascript:alert(1))`,
		"&#x202E; &amp; a & b":       "`&#x202E;` \\&amp; a & b",
		"::error::x at the start":    `\::error::x at the start`,
		"1. not a list":              `1\. not a list`,
		"16.76% of values":           "16.76% of values",
		"# not a heading":            `\# not a heading`,
		"^[a-z]+@[a-z]+\\.[a-z]{2}$": `^\[a-z\]+@\[a-z\]+\\.\[a-z\]{2}\$`,
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
		"a`b":                        "`` a`b ``",
		"``` x `":                    "```` ``` x ` ````",
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

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 0.5, 1}, 1); got != "▁▅█" {
		t.Errorf("Sparkline = %q", got)
	}
	if got := sparkPair([]float64{0.5, 0.5}, []float64{1, 0}); got != "▅▅ → █▁" {
		t.Errorf("sparkPair shares one scale: %q", got)
	}
}

// The bars start at the zero line: worse to the left, better to the right,
// whatever the metric's direction, with the magnitude as length; a change
// too small to see still shows.
func TestMetricBars(t *testing.T) {
	bars := metricBars([]evidence.MetricResult{
		{Name: "acc", Change: f(0.01), RelativeChange: f(0.02), Direction: "higher"},
		{Name: "latency", Change: f(10), RelativeChange: f(0.10), Direction: "lower"},
		{Name: "recall", Change: f(-0.001), RelativeChange: f(-0.0001), Direction: "higher"},
		{Name: "no-baseline", Direction: "higher"},
	}, barCells)
	want := []metricBar{
		{better: "██\u00a0+2%"},
		{worse: "+10%\u00a0▒▒▒▒▒▒▒▒▒▒"},
		{worse: "-0.01%\u00a0▒"},
		{},
	}
	for i := range want {
		if bars[i] != want[i] {
			t.Errorf("bar %d = %+v, want %+v", i, bars[i], want[i])
		}
	}
	// 30 metrics: every one gets its row and its bar.
	var many []evidence.MetricResult
	for i := 0; i < 30; i++ {
		many = append(many, evidence.MetricResult{Name: "m", Change: f(float64(i - 15)), RelativeChange: f(float64(i-15) / 100), Direction: "higher"})
	}
	var b strings.Builder
	metricsTable(&b, many)
	if got := strings.Count(b.String(), "▒"); got == 0 || strings.Count(b.String(), "\n| `m`") != 30 {
		t.Errorf("30 metrics:\n%s", b.String())
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

// Row numbers count within a file: examples from several files name theirs,
// through the same escaping as their values.
func TestExamplesFromSeveralFilesNameTheirFile(t *testing.T) {
	one := []evidence.Example{{Row: 0, Value: "2020", File: "t/a.parquet"}, {Row: 5, Value: "2020", File: "t/a.parquet"}}
	if got := exampleList(one, Plain); got != "row 0: 2020, row 5: 2020" {
		t.Errorf("one file: %q", got)
	}
	two := []evidence.Example{{Row: 0, Value: "2020", File: "t/a.parquet"}, {Row: 0, Value: "2021", File: "s3://b/t/`b`.parquet"}}
	if got := exampleList(two, Code); got != "`a.parquet` row 0: `2020`, `` `b`.parquet `` row 0: `2021`" {
		t.Errorf("two files: %q", got)
	}
}
