package report

import (
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// TestSkippedRulesShown: the rules a validation did not run are listed in
// every output, their text escaped like any other untrusted text.
func TestSkippedRulesShown(t *testing.T) {
	doc := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "orders"}, evidence.Tool{Name: "mlgate", Version: "test"}, time.Unix(0, 0))
	doc.Details = evidence.ValidationDetails{Contract: "orders.odcs.yaml", Rows: 10, Format: "odcs", Object: "orders", Skipped: []evidence.SkippedRule{
		{Rule: "orders quality[0]", Reason: "SQL rules need a SQL engine | <b>x</b> @team", Source: &evidence.Source{File: "orders.odcs.yaml", Line: 12, Column: 9}},
	}}
	doc.Add(evidence.Check{ID: "column.id.nullable", Status: evidence.StatusPass, Severity: evidence.SeverityError})
	doc.Add(evidence.Check{ID: "column.s.pattern", Status: evidence.StatusFail, Severity: evidence.SeverityError, Failures: 1, Total: 10,
		Examples: []evidence.Example{{Row: 7, Value: "x", Key: map[string]any{"id": 14, "region": "eu|<i>"}}}})
	md := Markdown(doc)
	for _, want := range []string{"1 rule of the contract not run", "`orders quality[0]`", "`orders.odcs.yaml:12:9`", "ODCS contract", "row 7 (`id=14 region=eu"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	for _, bad := range []string{" <b>", "| <b", " @team", "eu|<i>"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown carries %q unescaped:\n%s", bad, md)
		}
	}
	if txt := Text(doc); !strings.Contains(txt, "not run by mlgate") || !strings.Contains(txt, "orders.odcs.yaml:12:9") {
		t.Errorf("text lacks the skipped rule:\n%s", txt)
	}
}
