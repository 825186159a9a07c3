package report

import (
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// maxOpenDriftRows is how many stable columns are shown before they are folded.
const maxOpenDriftRows = 10

// driftMarkdown gives the dataset verdict, then one row per column with its
// method, statistic, threshold and a sparkline of the reference and current
// distributions; drifted columns first, stable ones folded when many.
func driftMarkdown(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.DriftDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	b.WriteString(driftVerdict(d, Code(d.Reference), "**dataset drifted**") + "\n\n")
	moved, stable := splitDrift(d.Columns)
	header := []string{"Verdict", "Column", "Method", "Statistic", "p-value", "Threshold", "Nulls", "Reference → current"}
	if len(moved) > 0 {
		mdTable(b, header, driftRows(moved))
	}
	switch {
	case len(stable) == 0:
	case len(moved) == 0 && len(stable) <= maxOpenDriftRows:
		mdTable(b, header, driftRows(stable))
	default:
		details(b, plural(len(stable), "stable column", "stable columns"), func(b *strings.Builder) {
			mdTable(b, header, driftRows(stable))
		})
	}
	return true
}

func driftText(b *strings.Builder, doc *evidence.Document) bool {
	var d evidence.DriftDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	b.WriteString(driftVerdict(d, Plain(d.Reference), "DATASET DRIFTED") + "\n")
	moved, stable := splitDrift(d.Columns)
	rows := make([][]string, 0, len(d.Columns))
	for _, c := range append(moved, stable...) {
		rows = append(rows, []string{
			driftWord(c), Plain(c.Column), Plain(c.Method), Num(c.Statistic), optNum(c.PValue),
			Num(c.Threshold), nullChange(c), sparkPair(c.ReferenceHistogram, c.Histogram),
		})
	}
	if len(rows) > 0 {
		textTable(b, []string{"Verdict", "Column", "Method", "Statistic", "p-value", "Threshold", "Nulls", "Reference -> current"}, rows)
	}
	return true
}

// driftVerdict says how many columns drifted against the dataset threshold;
// reference is already escaped and drifted is the emphasised verdict.
func driftVerdict(d evidence.DriftDetails, reference, drifted string) string {
	// The share is of the columns compared: a column whose method is "none"
	// (a timestamp, an id with no heavy hitters) only has its null rate judged.
	n, compared := 0, 0
	for _, c := range d.Columns {
		if c.Method != "none" {
			compared++
		}
		if c.Drifted {
			n++
		}
	}
	verdict := "no dataset drift"
	if d.Drifted {
		verdict = drifted
	}
	return fmt.Sprintf("%d of %s drifted (%s; the dataset drifts at %s): %s, against reference %s",
		n, plural(compared, "compared column", "compared columns"), percent(d.DriftedShare),
		percent(d.ShareThreshold), verdict, reference)
}

// splitDrift puts the columns that did not pass first, keeping their order.
func splitDrift(cols []evidence.DriftColumn) (moved, stable []evidence.DriftColumn) {
	for _, c := range cols {
		if c.Status == evidence.StatusPass && !c.Drifted {
			stable = append(stable, c)
		} else {
			moved = append(moved, c)
		}
	}
	return moved, stable
}

func driftRows(cols []evidence.DriftColumn) [][]string {
	rows := make([][]string, 0, len(cols))
	for _, c := range cols {
		rows = append(rows, []string{
			StatusIcon(c.Status) + " " + driftWord(c), Code(c.Column), Escape(c.Method), Num(c.Statistic), optNum(c.PValue),
			Num(c.Threshold), nullChange(c), sparkPair(c.ReferenceHistogram, c.Histogram),
		})
	}
	return rows
}

// driftWord is a column's verdict: drifted, stable, or the status of a
// column that did not drift but failed another test (null rate, unseen values).
func driftWord(c evidence.DriftColumn) string {
	switch {
	case c.Drifted:
		return "drifted"
	case c.Status == evidence.StatusPass:
		return "stable"
	}
	return string(c.Status)
}

// nullChange shows the null rate before and after, and the unseen share of
// categorical values when there is one.
func nullChange(c evidence.DriftColumn) string {
	s := percent(c.ReferenceNullRate) + " → " + percent(c.NullRate)
	if c.UnseenRate > 0 {
		s += ", unseen " + percent(c.UnseenRate)
	}
	return s
}
