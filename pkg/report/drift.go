package report

import (
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
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
	if line := notComparedLine(d, Code); line != "" {
		b.WriteString(line + "\n\n")
	}
	moved, stable := splitDrift(d.Columns)
	header := []string{"Verdict", "Column", "Test", "Statistic", "p-value", "Threshold", "Nulls", "Reference → current"}
	if len(moved) > 0 {
		mdTable(b, header, driftRows(moved))
	}
	switch {
	case len(stable) == 0:
	case len(moved) == 0 && len(stable) <= maxOpenDriftRows:
		mdTable(b, header, driftRows(stable))
	default:
		details(b, stableSummary(stable), func(b *strings.Builder) {
			mdTable(b, header, driftRows(stable))
		})
	}
	return true
}

func driftText(w *textOut, doc *evidence.Document) bool {
	var d evidence.DriftDetails
	if doc.DetailsAs(&d) != nil {
		return false
	}
	if line := notComparedLine(d, Plain); line != "" {
		w.para("", line)
	}
	moved, stable := splitDrift(d.Columns)
	rows := make([][]string, 0, len(d.Columns))
	for _, c := range append(moved, stable...) {
		test, stat, p, threshold := driftTest(c, Plain)
		rows = append(rows, []string{
			driftWord(c), Plain(c.Column), test, stat, p, threshold, nullChange(c), sparkPair(c.ReferenceHistogram, c.Histogram),
		})
	}
	if len(rows) > 0 {
		w.table([]string{"Verdict", "Column", "Test", "Statistic", "p-value", "Threshold", "Nulls", "Reference → current"}, rows)
	}
	return true
}

// notCompared is the method of a column whose distribution was not compared
// (a timestamp, an id with no frequent values): only its null rate was judged.
const notCompared = "none"

// driftTest is a column's test, statistic, p-value and threshold, or dashes
// for a column that was not compared: a statistic of 0 would read as "no change".
func driftTest(c evidence.DriftColumn, show func(string) string) (test, stat, p, threshold string) {
	if c.Method == notCompared {
		return "–", "–", "–", "–"
	}
	return show(c.Method), numfmt.Num(c.Statistic), optNum(c.PValue), numfmt.Num(c.Threshold)
}

// notComparedLine says which columns were not compared, so that their
// dashes are not read as "no change"; "" when all were.
func notComparedLine(d evidence.DriftDetails, show func(string) string) string {
	var names []string
	for _, c := range d.Columns {
		if c.Method == notCompared {
			names = append(names, show(c.Column))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("%s not compared (only their null rates were judged): %s",
		plural(len(names), "column", "columns"), strings.Join(names, ", "))
}

// stableSummary counts the folded columns: "4 stable columns, 2 not compared".
func stableSummary(stable []evidence.DriftColumn) string {
	skipped := 0
	for _, c := range stable {
		if c.Method == notCompared {
			skipped++
		}
	}
	s := plural(len(stable)-skipped, "stable column", "stable columns")
	if skipped > 0 {
		s += fmt.Sprintf(", %d not compared", skipped)
	}
	return s
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
		test, stat, p, threshold := driftTest(c, Escape)
		icon := StatusIcon(c.Status)
		if c.Method == notCompared && c.Status == evidence.StatusPass {
			icon = "➖"
		}
		rows = append(rows, []string{
			icon + " " + driftWord(c), Code(c.Column), test, stat, p, threshold,
			nullChange(c), sparkPair(c.ReferenceHistogram, c.Histogram),
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
	case c.Status == evidence.StatusPass && c.Method == notCompared:
		return "not compared"
	case c.Status == evidence.StatusPass:
		return "stable"
	}
	return string(c.Status)
}

// nullChange shows the null rate before and after, and the unseen share of
// categorical values when there is one.
func nullChange(c evidence.DriftColumn) string {
	s := numfmt.Percent(c.ReferenceNullRate) + " → " + numfmt.Percent(c.NullRate)
	if c.UnseenRate > 0 {
		s += ", unseen " + numfmt.Percent(c.UnseenRate)
	}
	return s
}
