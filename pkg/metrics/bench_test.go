package metrics

import (
	"testing"

	"github.com/mlgate/mlgate/internal/gatebench"
)

// BenchmarkGate1000Rules reads the gate and both metric files and decides the
// 1,000 rules.
func BenchmarkGate1000Rules(b *testing.B) {
	f, err := gatebench.Write(b.TempDir(), gatebench.Lookup)
	if err != nil {
		b.Fatal(err)
	}
	gatebench.ReportCPU(b, func() {
		g, err := LoadGate(f.Gate)
		if err != nil {
			b.Fatal(err)
		}
		cand, _ := Read(f.Metrics)
		base, _ := Read(f.Baseline)
		if results, _ := Evaluate(g, cand, base); len(results) != gatebench.Metrics {
			b.Fatalf("%d results", len(results))
		}
	})
}
