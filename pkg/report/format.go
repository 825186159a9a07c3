package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Num formats a measured value for people: about four significant digits,
// no trailing zeros, scientific notation only for very large or small values.
func Num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a == 0:
		return "0"
	case a >= 1e6 || a < 1e-4:
		return strconv.FormatFloat(v, 'e', 2, 64)
	case a >= 1000:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 3, 64))
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 4, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Count formats a count with thousands separators: 20,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// signed formats a change with an explicit sign.
func signed(v float64) string {
	if v > 0 {
		return "+" + Num(v)
	}
	return Num(v)
}

// percent formats a share (0.25) as "25.0%".
func percent(share float64) string {
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// optNum formats an optional value, "–" when absent.
func optNum(v *float64) string {
	if v == nil {
		return "–"
	}
	return Num(*v)
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

// mdTable writes a markdown table; cells must already be escaped.
func mdTable(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString("|")
	for _, h := range header {
		b.WriteString(" " + h + " |")
	}
	b.WriteString("\n|")
	for range header {
		b.WriteString("---|")
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

// textTable writes a terminal table; cells must already be Plain.
func textTable(b *strings.Builder, header []string, rows [][]string) {
	t := tablewriter.NewTable(b,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	t.Header(anySlice(header)...)
	for _, row := range rows {
		// Errors here mean a row of the wrong width: a bug caught by the tests.
		_ = t.Append(row)
	}
	_ = t.Render()
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// details opens a collapsible block; the summary is our own text.
func details(b *strings.Builder, summary string, body func(*strings.Builder)) {
	fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", summary)
	body(b)
	b.WriteString("</details>\n\n")
}

// statusWord is the status in words for text output.
func statusWord(s evidence.Status) string { return strings.ToUpper(string(s)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
