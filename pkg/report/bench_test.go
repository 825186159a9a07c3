package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// bigEvidence is a large but realistic job: a validation of 1,000 checks (100
// failing with examples), drift over 200 columns, 20 metrics and a signature.
func bigEvidence() []*evidence.Document {
	val := validationDoc(true)
	for i := 0; i < 1000; i++ {
		c := evidence.Check{ID: fmt.Sprintf("column.c%03d.range", i), Status: evidence.StatusPass, Message: "within range",
			Location: &evidence.Location{Column: fmt.Sprintf("c%03d", i)}}
		if i%10 == 0 {
			c.Status, c.Message, c.Failures, c.Total = evidence.StatusFail, "12 values out of range", 12, 1_000_000
			c.Examples = []evidence.Example{{Row: 1, Value: 1e9}, {Row: 2, Value: -1}, {Row: 3, Value: "x"}, {Row: 4, Value: 7}}
		}
		val.Add(c)
	}
	drift := driftDoc(true)
	var d evidence.DriftDetails
	drift.DetailsAs(&d)
	for i := 0; i < 200; i++ {
		d.Columns = append(d.Columns, evidence.DriftColumn{Column: fmt.Sprintf("feature_%03d", i), Method: "psi",
			Statistic: float64(i) / 1000, Threshold: 0.1, Drifted: i%25 == 0, Status: evidence.StatusPass,
			Histogram: []float64{0.1, 0.2, 0.3, 0.2, 0.1, 0.1}, ReferenceHistogram: []float64{0.1, 0.1, 0.3, 0.3, 0.1, 0.1}})
	}
	drift.Details = d
	gate := promotionDoc(false)
	var p evidence.PromotionDetails
	gate.DetailsAs(&p)
	for i := 0; i < 20; i++ {
		p.Metrics = append(p.Metrics, evidence.MetricResult{Name: fmt.Sprintf("metric_%d", i), Baseline: f(0.5),
			Candidate: f(0.51), Change: f(0.01), RelativeChange: f(0.02), Direction: "higher", Threshold: ">= 0.4", Status: evidence.StatusPass})
	}
	gate.Details = p
	return []*evidence.Document{val, drift, gate, signatureDoc()}
}

func BenchmarkBuild(b *testing.B) {
	docs := bigEvidence()
	size := 0
	for b.Loop() {
		size = len(Build(docs, Options{}))
	}
	b.ReportMetric(float64(size), "report-bytes")
}

func BenchmarkBuildCommentLimit(b *testing.B) {
	docs := bigEvidence()
	for i := 0; i < 3; i++ {
		docs = append(docs, docs[0])
	}
	for b.Loop() {
		if out := Build(docs, Options{MaxBytes: 65536 - 64}); len(out) > 65536 {
			b.Fatal("over the limit")
		}
	}
}

func BenchmarkEscape(b *testing.B) {
	s := strings.Repeat("column_name.with-punctuation [1] | @team ", 4)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Escape(s)
	}
}

func BenchmarkText(b *testing.B) {
	docs := bigEvidence()
	for b.Loop() {
		for _, d := range docs {
			Text(d)
		}
	}
}
