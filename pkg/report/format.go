package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
)

// optNum formats an optional value, "–" when absent.
func optNum(v *float64) string {
	if v == nil {
		return "–"
	}
	return numfmt.Num(*v)
}

// sparkBars are the eight block heights of a unicode sparkline.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws bin shares as unicode bars, scaled to max so that two
// histograms drawn with the same max compare by eye.
func Sparkline(bins []float64, max float64) string {
	if len(bins) == 0 {
		return ""
	}
	var b strings.Builder
	for _, v := range bins {
		i := 0
		if max > 0 && v > 0 && !math.IsNaN(v) {
			i = int(math.Round(v / max * float64(len(sparkBars)-1)))
			i = min(max0(i), len(sparkBars)-1)
		}
		b.WriteRune(sparkBars[i])
	}
	return b.String()
}

func max0(i int) int {
	if i < 0 {
		return 0
	}
	return i
}

// sparkPair draws a reference and a current histogram on one scale:
// "▁▃█▃▁ → ▁▂▅█▂".
func sparkPair(ref, cur []float64) string {
	if len(ref) == 0 && len(cur) == 0 {
		return "–"
	}
	top := 0.0
	for _, v := range append(append([]float64{}, ref...), cur...) {
		if !math.IsNaN(v) {
			top = math.Max(top, v)
		}
	}
	return Sparkline(ref, top) + " → " + Sparkline(cur, top)
}

// digestList formats digests as algorithm:hex, sorted by algorithm.
func digestList(d map[string]string) []string {
	algs := make([]string, 0, len(d))
	for alg := range d {
		algs = append(algs, alg)
	}
	sort.Strings(algs)
	out := make([]string, 0, len(algs))
	for _, alg := range algs {
		out = append(out, alg+":"+d[alg])
	}
	return out
}

// alignment of a table column; left unless said otherwise.
type alignment byte

const (
	alignLeft alignment = iota
	alignRight
)

// mdTable writes a markdown table; cells must already be escaped.
func mdTable(b *strings.Builder, header []string, rows [][]string, align ...alignment) {
	b.WriteString("|")
	for _, h := range header {
		b.WriteString(" " + h + " |")
	}
	b.WriteString("\n|")
	for i := range header {
		if i < len(align) && align[i] == alignRight {
			b.WriteString("--:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		b.WriteString("|")
		for _, c := range row {
			if c == "" {
				c = " "
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// details opens a collapsible block. The summary is our own text: GitHub does
// not render markdown there, so untrusted text must never reach it.
func details(b *strings.Builder, summary string, body func(*strings.Builder)) {
	fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", summary)
	body(b)
	b.WriteString("</details>\n\n")
}

// statusWord is the status in words for text output.
func statusWord(s evidence.Status) string { return strings.ToUpper(string(s)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return numfmt.Count(int64(n)) + " " + one
	}
	return numfmt.Count(int64(n)) + " " + many
}
