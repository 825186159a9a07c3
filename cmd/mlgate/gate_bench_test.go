package main

import (
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/gatebench"
)

// BenchmarkGate1000Metrics50Policies runs the whole gate in-process: reading the
// files, compiling and preparing the policies, deciding 1,000 metric rules and
// 100 policy rules, and writing the evidence.
func BenchmarkGate1000Metrics50Policies(b *testing.B) {
	for _, shape := range []struct {
		name  string
		shape gatebench.Shape
	}{{"lookup", gatebench.Lookup}, {"scan", gatebench.Scan}} {
		b.Run(shape.name, func(b *testing.B) { benchGate(b, shape.shape) })
	}
}

func benchGate(b *testing.B, shape gatebench.Shape) {
	dir := b.TempDir()
	f, err := gatebench.Write(dir, shape)
	if err != nil {
		b.Fatal(err)
	}
	args := append(f.Args(), "--out", filepath.Join(dir, "decision.json"))
	if r := runCLI(&testing.T{}, nil, args...); r.code != 0 {
		b.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	gatebench.ReportCPU(b, func() { runCLI(&testing.T{}, nil, args...) })
}
