package policy

import (
	"context"
	"testing"

	"github.com/mlgate/mlgate/internal/gatebench"
	"github.com/mlgate/mlgate/pkg/metrics"
)

// BenchmarkEval50Policies1000Metrics measures evaluation alone: the policies
// are loaded and prepared once, as the gate does, then decided on the input.
func BenchmarkEval50Policies1000Metrics(b *testing.B) {
	b.Run("lookup", func(b *testing.B) { benchEval(b, gatebench.Lookup) })
	b.Run("scan", func(b *testing.B) { benchEval(b, gatebench.Scan) })
}

func benchEval(b *testing.B, shape gatebench.Shape) {
	f, err := gatebench.Write(b.TempDir(), shape)
	if err != nil {
		b.Fatal(err)
	}
	e, err := Load(context.Background(), []string{f.Policies}, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := NewInput()
	cand, _ := metrics.Read(f.Metrics)
	base, _ := metrics.Read(f.Baseline)
	in.Metrics.Candidate, in.Metrics.Baseline = cand.Floats(), base.Floats()
	gatebench.ReportCPU(b, func() {
		v, err := ParseInput(in)
		if err != nil {
			b.Fatal(err)
		}
		if results := e.Eval(context.Background(), v); len(results) != 2*gatebench.Policies {
			b.Fatalf("%d results", len(results))
		}
	})
}

// BenchmarkLoad50Policies measures loading, compiling and preparing.
func BenchmarkLoad50Policies(b *testing.B) {
	f, err := gatebench.Write(b.TempDir(), gatebench.Lookup)
	if err != nil {
		b.Fatal(err)
	}
	gatebench.ReportCPU(b, func() {
		if _, err := Load(context.Background(), []string{f.Policies}, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	})
}
