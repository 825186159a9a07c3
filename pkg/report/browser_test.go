package report

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// githubCSS is the part of GitHub's markdown style that decides what a
// reviewer sees: the comment's width, tables that scroll inside their own
// box, code spans in a monospace font.
const githubCSS = `
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: 900px; padding: 16px 24px; font: 16px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; overflow-wrap: break-word; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body code { font: 85% ui-monospace, SFMono-Regular, "DejaVu Sans Mono", monospace; padding: .2em .4em; background: #eff1f3; border-radius: 6px; white-space: break-spaces; }
.markdown-body h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; }
`

// probe runs in the page after marked has rendered the report, and writes
// what a reviewer sees as JSON into #mlgate-result: the first line, each
// metric bar's side of the zero line and length, and any overflow.
const probe = `
const out = {verdict: "", bars: [], overflow: [], pageWidth: 0, bodyWidth: 0, foreign: []};
const body = document.querySelector(".markdown-body");
out.verdict = (body.firstElementChild || {}).textContent || "";
out.pageWidth = document.documentElement.scrollWidth;
out.bodyWidth = body.getBoundingClientRect().width;
for (const table of body.querySelectorAll("table")) {
  const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
  const worse = heads.indexOf("Worse"), better = heads.indexOf("Better");
  if (worse >= 0 && better >= 0) {
    const visible = table.getBoundingClientRect();
    for (const tr of table.querySelectorAll("tbody tr")) {
      const cells = tr.querySelectorAll("td");
      const zero = cells[better].getBoundingClientRect().left;
      const edge = cells[better].getBoundingClientRect().right;
      if (edge > visible.left + table.clientWidth + 1) out.overflow.push(cells[0].textContent + ": the bars end at " + edge + " px, past the table's visible " + (visible.left + table.clientWidth) + " px");
      for (const [i, side] of [[worse, "worse"], [better, "better"]]) {
        const text = cells[i].textContent;
        const m = text.match(/[█▒]+/);
        if (!m) continue;
        const node = [...cells[i].childNodes].find(n => n.nodeType === 3 && n.textContent.includes(m[0]));
        const range = document.createRange();
        const start = node.textContent.indexOf(m[0]);
        range.setStart(node, start);
        range.setEnd(node, start + m[0].length);
        const r = range.getBoundingClientRect();
        const whole = document.createRange();
        whole.selectNodeContents(cells[i]);
        if (whole.getClientRects().length > 1 && [...whole.getClientRects()].some(x => Math.abs(x.top - r.top) > 2)) out.overflow.push(cells[0].textContent + ": the " + side + " bar and its label wrap onto two lines");
        out.bars.push({metric: cells[0].textContent, side, glyph: m[0][0], left: r.left, right: r.right, zero,
          label: text.replace(/[█▒]+/, "").trim()});
      }
    }
  }
}
for (const el of body.querySelectorAll("*")) {
  if (!["H2","H3","P","STRONG","EM","CODE","TABLE","THEAD","TBODY","TR","TH","TD","DETAILS","SUMMARY","BR","SUB","A","DEL"].includes(el.tagName)) out.foreign.push(el.tagName);
  for (const a of el.attributes) if (a.name.startsWith("on") || (a.name === "href" && !a.value.startsWith("https://"))) out.foreign.push(el.tagName + "[" + a.name + "=" + a.value + "]");
}
document.getElementById("mlgate-result").textContent = JSON.stringify(out);
`

type browserView struct {
	Verdict   string   `json:"verdict"`
	PageWidth float64  `json:"pageWidth"`
	BodyWidth float64  `json:"bodyWidth"`
	Overflow  []string `json:"overflow"`
	Foreign   []string `json:"foreign"`
	Bars      []struct {
		Metric, Side, Glyph, Label string
		Left, Right, Zero          float64
	} `json:"bars"`
}

// TestGoldenReportsInChromium renders the golden reports as GitHub would
// (GFM by marked, GitHub's table and code style, a 900-pixel comment) in
// headless Chromium and checks what a reviewer sees: the first line, the
// bars on the right side of the zero line and as long as their change and in
// view without scrolling, no page wider than the comment, and nothing but
// our own markup. The
// screenshots are kept in $MLGATE_ARTIFACTS (or the test's temp dir).
func TestGoldenReportsInChromium(t *testing.T) {
	chromium := testenv.Tool(t, "chromium")
	marked, err := os.ReadFile(filepath.Join(testenv.NodeModule(t, "marked"), "lib", "marked.umd.js"))
	if err != nil {
		t.Fatal(err)
	}
	artifacts := os.Getenv("MLGATE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := testenv.Context(t)
	cases := map[string]string{
		"demo.md":    "⚠️ Can merge and promote, with 5 warnings: policy.mlgate.data_validation.warn_warned",
		"fail.md":    "❌ Do not merge or promote: 5 checks failed: metric.recall, policy.mlgate.data",
		"hostile.md": "❌ Do not merge or promote: 20 checks failed",
	}
	for name, verdict := range cases {
		t.Run(name, func(t *testing.T) {
			md, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "testdata", "report", name))
			if err != nil {
				t.Fatal(err)
			}
			mdJSON, _ := json.Marshal(string(md))
			page := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".md")+".html")
			doc := "<!doctype html><meta charset=utf-8><style>" + githubCSS + "</style>" +
				`<article class="markdown-body"></article><pre id="mlgate-result" hidden></pre>` +
				"<script>" + string(marked) + "</script><script>" +
				"document.querySelector('.markdown-body').innerHTML = marked.parse(" + string(mdJSON) + ", {gfm: true});" +
				probe + "</script>"
			if err := os.WriteFile(page, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
				"--user-data-dir=" + t.TempDir(), "--window-size=900,2400", "--virtual-time-budget=10000"}
			shot := filepath.Join(artifacts, "report-"+strings.TrimSuffix(name, ".md")+".png")
			if out, err := exec.CommandContext(ctx, chromium, append(flags, "--screenshot="+shot, "file://"+page)...).CombinedOutput(); err != nil {
				t.Fatalf("chromium --screenshot: %v\n%s", err, out)
			}
			t.Logf("screenshot: %s", shot)
			dom, err := exec.CommandContext(ctx, chromium, append(flags, "--dump-dom", "file://"+page)...).Output()
			if err != nil {
				t.Fatalf("chromium --dump-dom: %v", err)
			}
			m := regexp.MustCompile(`(?s)<pre id="mlgate-result" hidden="">(.*?)</pre>`).FindSubmatch(dom)
			if m == nil {
				t.Fatalf("the page did not render (no probe result):\n%.2000s", dom)
			}
			var v browserView
			if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &v); err != nil {
				t.Fatalf("probe result: %v", err)
			}
			checkBrowserView(t, name, verdict, v)
		})
	}
}

func checkBrowserView(t *testing.T, name, verdict string, v browserView) {
	t.Helper()
	if !strings.HasPrefix(v.Verdict, verdict) {
		t.Errorf("first line reads %q, want it to start with %q", v.Verdict, verdict)
	}
	if v.PageWidth > v.BodyWidth+1 {
		t.Errorf("the page is %v px wide, wider than the %v px comment", v.PageWidth, v.BodyWidth)
	}
	for _, o := range v.Overflow {
		t.Errorf("overflow: %s", o)
	}
	for _, f := range v.Foreign {
		t.Errorf("markup that is not ours: %s", f)
	}
	if len(v.Bars) == 0 {
		t.Fatal("no metric bars rendered")
	}
	// A bar touches the zero line from its side: worse ends at it, better
	// starts at it (within the cell padding and the label's space).
	const slack = 32.0
	type bar struct {
		rel, width float64
	}
	var bars []bar
	for _, b := range v.Bars {
		switch b.Side {
		case "worse":
			if b.Glyph != "▒" || b.Right > b.Zero || b.Zero-b.Right > slack {
				t.Errorf("%s: worse bar %+v does not end at the zero line from the left", b.Metric, b)
			}
		case "better":
			if b.Glyph != "█" || b.Left < b.Zero || b.Left-b.Zero > slack {
				t.Errorf("%s: better bar %+v does not start at the zero line on the right", b.Metric, b)
			}
		}
		var rel float64
		if _, err := fmt.Sscanf(strings.TrimSuffix(b.Label, "%"), "%g", &rel); err != nil {
			t.Errorf("%s: bar label %q", b.Metric, b.Label)
		}
		bars = append(bars, bar{math.Abs(rel), b.Right - b.Left})
	}
	// Longer change, longer bar: the magnitude is drawn to one scale.
	sort.Slice(bars, func(i, j int) bool { return bars[i].rel < bars[j].rel })
	for i := 1; i < len(bars); i++ {
		if bars[i].width+0.5 < bars[i-1].width {
			t.Errorf("%s: a change of %v%% is drawn shorter (%v px) than one of %v%% (%v px)",
				name, bars[i].rel, bars[i].width, bars[i-1].rel, bars[i-1].width)
		}
	}
}
