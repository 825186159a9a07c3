package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// promotionMarkdown shows the decision, a chart of metric changes beside the
// metrics table, the policy results and the evidence the decision read.
func promotionMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	if doc.Kind == evidence.KindPromotionDecision {
		fmt.Fprintf(b, "Promote: **%s**\n\n", yesNo(d.Promote))
	}
	if len(d.Metrics) > 0 {
		b.WriteString(MetricChart(d.Metrics))
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

func promotionText(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	if doc.Kind == evidence.KindPromotionDecision {
		fmt.Fprintf(b, "promote: %s\n", yesNo(d.Promote))
	}
	if len(d.Metrics) > 0 {
		rows := make([][]string, 0, len(d.Metrics))
		for _, m := range d.Metrics {
			rows = append(rows, []string{
				Plain(m.Name), optNum(m.Baseline), optNum(m.Candidate), changeText(m),
				relativeText(m), Plain(m.Threshold), statusWord(m.Status),
			})
		}
		textTable(b, []string{"Metric", "Baseline", "Candidate", "Change", "Relative", "Threshold", "Status"}, rows)
	}
	// The gate's evidence checks (binding, failed evidence) say why in a line each.
	for _, c := range doc.Checks {
		if strings.HasPrefix(c.ID, "evidence.") {
			fmt.Fprintf(b, "%s %s: %s\n", statusWord(c.Status), Plain(c.ID), Plain(c.Message))
		}
	}
	policyText(b, doc)
	return true
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// metricsTable is the table the issue asks for: metric, baseline, candidate,
// change, relative change, threshold, status.
func metricsTable(b *strings.Builder, metrics []evidence.MetricResult) {
	rows := make([][]string, 0, len(metrics))
	for _, m := range metrics {
		status := StatusIcon(m.Status) + " " + string(m.Status)
		if m.Status != evidence.StatusPass && m.Message != "" {
			status += ": " + Escape(m.Message)
		}
		rows = append(rows, []string{
			Code(m.Name), optNum(m.Baseline), optNum(m.Candidate), changeText(m),
			relativeText(m), Escape(m.Threshold), status,
		})
	}
	mdTable(b, []string{"Metric", "Baseline", "Candidate", "Change", "Relative change", "Threshold", "Status"}, rows)
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

// changeText shows the change with a direction-aware arrow: ▲/▼ is where the
// value went, 🟢/🔴 whether that is better or worse for this metric.
func changeText(m evidence.MetricResult) string {
	if m.Change == nil {
		return "–"
	}
	arrow := "="
	switch {
	case *m.Change > 0:
		arrow = "▲"
	case *m.Change < 0:
		arrow = "▼"
	}
	mark := ""
	switch trend(m) {
	case 1:
		mark = "🟢 "
	case -1:
		mark = "🔴 "
	}
	s := mark + arrow + " " + signed(*m.Change)
	if iv := m.Interval; iv != nil {
		s += fmt.Sprintf(" (%s CI %s…%s)", percentLevel(iv.Level), signed(iv.Lower), signed(iv.Upper))
	}
	return s
}

func percentLevel(level float64) string {
	return trimZeros(strconv.FormatFloat(level*100, 'f', 1, 64)) + "%"
}

func relativeText(m evidence.MetricResult) string {
	if m.RelativeChange == nil {
		return "–"
	}
	return fmt.Sprintf("%+.2f%%", *m.RelativeChange*100)
}

// maxChartBars keeps the chart readable; the table below it lists every metric.
const maxChartBars = 15

// MetricChart draws the relative change of each metric as a mermaid
// xychart-beta bar chart, signed so that up is better whatever the metric's
// direction. It returns "" when no metric has a relative change. Metric names
// are reduced to characters mermaid shows literally.
func MetricChart(metrics []evidence.MetricResult) string {
	var labels, values []string
	for _, m := range metrics {
		if len(labels) == maxChartBars {
			break
		}
		if m.RelativeChange == nil || math.IsNaN(*m.RelativeChange) || math.IsInf(*m.RelativeChange, 0) {
			continue
		}
		v := *m.RelativeChange * 100
		if m.Direction == "lower" {
			v = -v
		}
		labels = append(labels, `"`+chartLabel(m.Name)+`"`)
		values = append(values, strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64))
	}
	if len(labels) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("```mermaid\nxychart-beta\n")
	title := "Change vs baseline, % (up is better)"
	if len(labels) == maxChartBars {
		title = fmt.Sprintf("Change vs baseline, %% (up is better; first %d metrics)", maxChartBars)
	}
	fmt.Fprintf(&b, "    title %q\n", title)
	fmt.Fprintf(&b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	b.WriteString("    y-axis \"better (%)\"\n")
	fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(values, ", "))
	b.WriteString("```\n\n")
	return b.String()
}

// chartLabel keeps letters, digits and a few separators, so a label can close
// neither its quotes nor the chart, and shortens long names.
func chartLabel(name string) string {
	const maxLen = 24
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxLen {
			b.WriteString("…")
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '_', r == '-', r == '.', r == '/', r == ' ':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
		n++
	}
	return b.String()
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

func policyText(b *strings.Builder, doc *evidence.Document) bool {
	policies := policyResults(doc)
	if len(policies) == 0 {
		return false
	}
	rows := make([][]string, 0, len(policies))
	for _, p := range policies {
		rows = append(rows, []string{statusWord(p.Status), Plain(policyTitle(p)), Plain(p.Message), Plain(p.Remediation)})
	}
	textTable(b, []string{"Status", "Policy", "Message", "Remediation"}, rows)
	return true
}

func policyResults(doc *evidence.Document) []evidence.PolicyResult {
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d) != nil {
		return nil
	}
	return d.Policies
}
