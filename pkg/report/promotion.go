package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
)

// promotionMarkdown shows the decision, the metrics table with its bars, the
// policy results and the evidence the decision read.
func promotionMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	if doc.Kind == evidence.KindPromotionDecision {
		fmt.Fprintf(b, "Promote: **%s**\n\n", yesNo(d.Promote))
	}
	if len(d.Metrics) > 0 {
		metricsTable(b, d.Metrics)
	}
	if len(d.Policies) > 0 {
		policyTable(b, d.Policies)
	}
	if len(d.Evidence) > 0 {
		details(b, "Evidence read ("+strconv.Itoa(len(d.Evidence))+")", func(b *strings.Builder) {
			rows := make([][]string, 0, len(d.Evidence))
			for _, e := range d.Evidence {
				rows = append(rows, []string{StatusIcon(e.Status), kindTitle(e.Kind), Code(e.Subject), Code(e.Path)})
			}
			mdTable(b, []string{"", "Kind", "Subject", "File"}, rows)
		})
	}
	return true
}

// promotionRepresents: the metrics and policy tables show the metric and
// policy checks; the rest (evidence binding) are folded below them.
func promotionRepresents(doc *evidence.Document, c evidence.Check) bool {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	return len(d.Metrics) > 0 && strings.HasPrefix(c.ID, "metric.") ||
		len(d.Policies) > 0 && strings.HasPrefix(c.ID, "policy.")
}

func promotionText(w *textOut, doc *evidence.Document) bool {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	// The document's summary line already opens with the verdict
	// ("promote: ..." or "do not promote: ..."): it is not said twice.
	if len(d.Metrics) > 0 {
		bars := metricBars(d.Metrics, min(barCells, max(3, (w.opts.width()-70)/3)))
		rows := make([][]string, 0, len(d.Metrics))
		var why []string
		for i, m := range d.Metrics {
			rows = append(rows, []string{
				Plain(m.Name), optNum(m.Baseline) + " → " + optNum(m.Candidate), changeText(m),
				bars[i].worse, bars[i].better, Plain(m.Threshold), statusWord(m.Status),
			})
			if m.Status != evidence.StatusPass && m.Message != "" {
				// A line each under the table: a message in a cell would
				// wrap into a tall narrow column.
				why = append(why, statusWord(m.Status)+" "+Plain(m.Name)+": "+Plain(m.Message))
			}
		}
		w.table([]string{"Metric", "Baseline → candidate", "Change", "Worse", "Better", "Threshold", "Status"}, rows,
			alignLeft, alignLeft, alignLeft, alignRight)
		w.para("", barsLegend(bars))
		for _, line := range why {
			w.para(statusStyle(line), line)
		}
	}
	// The gate's evidence checks (binding, failed evidence) say why in a line each.
	for _, c := range doc.Checks {
		if strings.HasPrefix(c.ID, "evidence.") && c.Status != evidence.StatusPass {
			w.para("", statusWord(c.Status)+" "+Plain(c.ID)+": "+Plain(c.Message))
		}
	}
	policyText(w, doc)
	return true
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// metricsTable lists every metric: baseline and candidate, change, the relative
// change as a bar either side of the zero line (worse to the left, better to
// the right, whatever the metric's direction), threshold and status.
func metricsTable(b *strings.Builder, metrics []evidence.MetricResult) {
	bars := metricBars(metrics, barCells)
	rows := make([][]string, 0, len(metrics))
	for i, m := range metrics {
		status := StatusIcon(m.Status) + " " + string(m.Status)
		if m.Status != evidence.StatusPass && m.Message != "" {
			status += ": " + Escape(m.Message)
		}
		rows = append(rows, []string{
			Code(m.Name), optNum(m.Baseline) + " → " + optNum(m.Candidate), changeText(m),
			bars[i].worse, bars[i].better, Escape(m.Threshold), status,
		})
	}
	mdTable(b, []string{"Metric", "Baseline → candidate", "Change", "Worse", "Better", "Threshold", "Status"}, rows,
		alignLeft, alignLeft, alignLeft, alignRight, alignLeft)
	b.WriteString(barsLegend(bars) + "\n\n")
}

// trend says whether a change is an improvement given the metric's direction:
// 1 better, -1 worse, 0 unchanged or unknown.
func trend(m evidence.MetricResult) int {
	if m.Change == nil || *m.Change == 0 || math.IsNaN(*m.Change) {
		return 0
	}
	up := *m.Change > 0
	switch m.Direction {
	case "higher":
		if up {
			return 1
		}
		return -1
	case "lower":
		if up {
			return -1
		}
		return 1
	}
	return 0
}

// changeText is the change with its sign, and its confidence interval when
// the gate computed one. Whether it is better is the bar's side.
func changeText(m evidence.MetricResult) string {
	if m.Change == nil {
		return "–"
	}
	s := numfmt.Signed(*m.Change)
	if iv := m.Interval; iv != nil {
		s += fmt.Sprintf(" (%s CI %s to %s)", numfmt.Percent(iv.Level), numfmt.Signed(iv.Lower), numfmt.Signed(iv.Upper))
	}
	return s
}

// Bar glyphs: a full block for better, a medium shade for worse, so the two
// differ without colour as well as by side.
const (
	barBetter = "█"
	barWorse  = "▒"
	// barCells is the length of the longest bar.
	barCells = 10
	// nbsp keeps a bar and its label on one line in a narrow table cell.
	nbsp = "\u00a0"
)

// metricBar is one metric's relative change drawn in two cells either side
// of the zero line: worse grows left from it, better grows right.
type metricBar struct{ worse, better string }

// metricBars draws every metric's relative change on one scale, the largest
// change filling width cells (barCells in markdown, fewer on a narrow
// terminal); a change too small to see still gets one cell.
// The cells hold only our own characters and numbers.
func metricBars(metrics []evidence.MetricResult, width int) []metricBar {
	top := 0.0
	for _, m := range metrics {
		if r := m.RelativeChange; r != nil && !math.IsNaN(*r) && !math.IsInf(*r, 0) {
			top = math.Max(top, math.Abs(*r))
		}
	}
	out := make([]metricBar, len(metrics))
	for i, m := range metrics {
		r := m.RelativeChange
		if r == nil || math.IsNaN(*r) {
			continue
		}
		label := numfmt.SignedPercent(*r)
		cells := 0
		if top > 0 && !math.IsInf(*r, 0) && *r != 0 {
			cells = max(1, int(math.Round(math.Abs(*r)/top*float64(width))))
		} else if math.IsInf(*r, 0) {
			cells = width
		}
		switch trend(m) {
		case 1:
			out[i].better = strings.Repeat(barBetter, cells) + nbsp + label
		case -1:
			out[i].worse = label + nbsp + strings.Repeat(barWorse, cells)
		default:
			if *r == 0 {
				out[i].better = label
			} else {
				out[i].better = label + " (direction unknown)"
			}
		}
	}
	return out
}

// barsLegend says how to read the bars, and their scale.
func barsLegend(bars []metricBar) string {
	for _, b := range bars {
		if b.worse != "" || b.better != "" {
			return "Bars: change relative to the baseline; " + barWorse + " worse to the left, " + barBetter + " better to the right of the zero line, whatever the metric's direction."
		}
	}
	return ""
}

// policyTable lists the policy results that did not pass (title, message,
// remediation), then folds away the titles of those that passed: a reviewer
// needs the remedy only for what is wrong.
func policyTable(b *strings.Builder, policies []evidence.PolicyResult) {
	var bad, good [][]string
	for _, p := range policies {
		title := Escape(policyTitle(p))
		if p.Exempted {
			title += " (exempted)"
		}
		if p.Status == evidence.StatusPass {
			good = append(good, []string{StatusIcon(p.Status), title, Escape(p.Message)})
			continue
		}
		bad = append(bad, []string{StatusIcon(p.Status), title, Escape(p.Message), Escape(p.Remediation)})
	}
	if len(bad) > 0 {
		mdTable(b, []string{"", "Policy", "Message", "Remediation"}, bad)
	}
	if len(good) > 0 {
		details(b, plural(len(good), "policy passed", "policies passed"), func(b *strings.Builder) {
			mdTable(b, []string{"", "Policy", "Message"}, good)
		})
	}
}

func policyTitle(p evidence.PolicyResult) string {
	if p.Title != "" {
		return p.Title
	}
	return p.Package + "." + p.Rule
}

// policyText lists the policies that did not pass, with their remedy, and
// counts those that did.
func policyText(w *textOut, doc *evidence.Document) bool {
	policies := policyResults(doc)
	if len(policies) == 0 {
		return false
	}
	rows := make([][]string, 0, len(policies))
	passed := 0
	for _, p := range policies {
		if p.Status == evidence.StatusPass {
			passed++
			continue
		}
		rows = append(rows, []string{statusWord(p.Status), Plain(policyTitle(p)), Plain(p.Message), Plain(p.Remediation)})
	}
	if len(rows) > 0 {
		w.table([]string{"Status", "Policy", "Message", "Remediation"}, rows)
	}
	if passed > 0 {
		fmt.Fprintf(w, "%s passed\n", plural(passed, "policy", "policies"))
	}
	return true
}

func policyResults(doc *evidence.Document) []evidence.PolicyResult {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return nil
	}
	return d.Policies
}
