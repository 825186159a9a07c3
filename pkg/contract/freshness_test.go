package contract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// TestFreshness holds the newest `at` of the fixture (2026-01-01T00:00Z plus
// 999 minutes) to an age at several as-of times: each row group's max
// statistic decides it, so no page is read.
func TestFreshness(t *testing.T) {
	dir := t.TempDir()
	files := openAll(t, writeFixture(t, dir, "tx.parquet", fixtureRows(1000), 250))
	newest := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(999 * time.Minute)
	cases := []struct {
		age       string
		asOf      time.Time
		status    evidence.Status
		decidedBy string
	}{
		{"2h", newest.Add(time.Hour), evidence.StatusPass, "metadata"},
		{"30m", newest.Add(time.Hour), evidence.StatusFail, "metadata"},
		{"1d", newest.Add(24*time.Hour + time.Minute), evidence.StatusFail, "metadata"},
		{"1h", newest.Add(time.Hour - 100*time.Minute + 30*time.Second), evidence.StatusPass, "metadata"},
		// The cutoff falls inside the last row group (rows 750-999).
		{"2h", newest.Add(2*time.Hour - 100*time.Minute), evidence.StatusPass, "metadata"},
	}
	for _, tc := range cases {
		c := parseString(t, "fresh.yaml", "columns:\n  - name: at\n    type: timestamp\n    freshness: "+tc.age+"\n")
		plan, err := Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		res, err := plan.Run(context.Background(), files, Options{AsOf: tc.asOf})
		if err != nil {
			t.Fatal(err)
		}
		chk := checkByID(t, res, "column.at.freshness")
		if chk.Status != tc.status || chk.DecidedBy != tc.decidedBy {
			t.Errorf("freshness %s at %s: %s by %s, want %s by %s (%s)", tc.age, tc.asOf.Format(time.RFC3339), chk.Status, chk.DecidedBy, tc.status, tc.decidedBy, chk.Message)
		}
		if want := map[evidence.Status]int64{evidence.StatusPass: 0, evidence.StatusFail: 1000}[tc.status]; chk.Failures != want || chk.Total != 1000 {
			t.Errorf("failures %d of %d, want %d of 1000", chk.Failures, chk.Total, want)
		}
		if got := chk.Observed.(map[string]any)["newest"]; got != newest.Format(time.RFC3339Nano) {
			t.Errorf("newest = %v, want %s", got, newest.Format(time.RFC3339Nano))
		}
		if !strings.Contains(chk.Message, newest.Format(time.RFC3339)) {
			t.Errorf("message %q does not name the newest value", chk.Message)
		}
	}
}

func TestFreshnessRules(t *testing.T) {
	for _, bad := range []string{
		"    type: int64\n    freshness: 1d\n",
		"    freshness: {value: 1d, mostly: 0.9}\n",
		"    freshness: yesterday\n",
		"    freshness: -5h\n",
	} {
		if _, err := Parse("bad.yaml", []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: at\n"+bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	for s, want := range map[string]time.Duration{"36h": 36 * time.Hour, "2d": 48 * time.Hour, "1w": 168 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute} {
		got, err := ParseAge(s)
		if err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", s, got, err, want)
		}
		if back, _ := ParseAge(FormatAge(got)); back != got {
			t.Errorf("FormatAge(%v) = %q reads back as %v", got, FormatAge(got), back)
		}
	}
	// ODCS says freshness as a latency SLA on an element.
	doc := `apiVersion: v3.1.0
kind: DataContract
id: events
version: 1.0.0
status: active
schema:
  - name: events
    properties:
      - name: at
        logicalType: timestamp
slaProperties:
  - property: latency
    value: 4
    unit: d
    element: events.at
`
	c, err := Parse("events.odcs.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if col := c.Column("at"); col.Freshness == nil || col.Freshness.Value != 96*time.Hour {
		t.Errorf("latency SLA read as %+v", col.Freshness)
	}
	text, _ := MarshalODCS(c)
	if !strings.Contains(string(text), "property: latency") {
		t.Errorf("freshness not written as a latency SLA:\n%s", text)
	}
}
