// Package gatebench writes the promotion gate's benchmark case, so the Go
// benchmarks and scripts/bench/30-gate.sh measure the same thing: 1,000
// metrics with a rule each, a baseline, and 50 policies of two rules each.
// The policies come in two shapes: Lookup, as teams write them (each policy
// names its 20 metrics and looks them up), and Scan, the worst case (every
// rule iterates all 1,000 metrics and filters by prefix).
package gatebench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sizes of the case.
const (
	Metrics  = 1000
	Policies = 50
)

// Fixture is where Write put each input.
type Fixture struct {
	Gate, Metrics, Baseline, Policies string
}

// Args is the mlgate gate command line for the fixture, without --out.
func (f Fixture) Args() []string {
	return []string{"gate", "-c", f.Gate, "-m", f.Metrics, "-b", f.Baseline, "-p", f.Policies}
}

// Shape is how the generated policies reach their metrics.
type Shape int

// The policy shapes.
const (
	Lookup Shape = iota
	Scan
)

// lookupPolicy is one generated policy of the Lookup shape; NN is its
// number and NAMES its metrics.
const lookupPolicy = `# METADATA
# title: Group NN metrics
# custom:
#   severity: medium
#   remediation: Improve group NN.
package bench.pNN

names := NAMES

# METADATA
# title: No metric of group NN below 0.1
deny_low contains msg if {
	some name in names
	v := input.metrics.candidate[name]
	v < 0.1
	msg := sprintf("%s is %v", [name, v])
}

warn_regressed contains msg if {
	some name in names
	v := input.metrics.candidate[name]
	v < input.metrics.baseline[name] - 0.5
	msg := sprintf("%s regressed", [name])
}
`

// scanPolicy is one generated policy of the Scan shape.
const scanPolicy = `# METADATA
# title: Group NN metrics
# custom:
#   severity: medium
#   remediation: Improve group NN.
package bench.pNN

prefix := "group_NN."

# METADATA
# title: No metric of group NN below 0.1
deny_low contains msg if {
	some name, v in input.metrics.candidate
	startswith(name, prefix)
	v < 0.1
	msg := sprintf("%s is %v", [name, v])
}

warn_regressed contains msg if {
	some name, v in input.metrics.candidate
	startswith(name, prefix)
	v < input.metrics.baseline[name] - 0.5
	msg := sprintf("%s regressed", [name])
}
`

// Write creates the fixture under dir, with policies of the given shape.
func Write(dir string, shape Shape) (Fixture, error) {
	f := Fixture{
		Gate:     filepath.Join(dir, "gate.yaml"),
		Metrics:  filepath.Join(dir, "metrics.json"),
		Baseline: filepath.Join(dir, "baseline.json"),
		Policies: filepath.Join(dir, "policies"),
	}
	var metrics, baseline, gate strings.Builder
	gate.WriteString("apiVersion: mlgate.dev/v1\nkind: PromotionGate\nmetrics:\n")
	metrics.WriteString("{")
	baseline.WriteString("{")
	groups := make([][]string, Policies)
	for i := range Metrics {
		sep := ","
		if i == 0 {
			sep = ""
		}
		name := fmt.Sprintf("group_%02d.metric_%03d", i%Policies, i)
		groups[i%Policies] = append(groups[i%Policies], fmt.Sprintf("%q", name))
		fmt.Fprintf(&metrics, "%s\n  %q: %g", sep, name, 0.80+float64(i%17)/100)
		fmt.Fprintf(&baseline, "%s\n  %q: %g", sep, name, 0.80+float64(i%13)/100)
		fmt.Fprintf(&gate, "  - name: %s\n    min: 0.5\n    change: {absolute: -0.2}\n    nonInferiority: 0.2\n", name)
	}
	metrics.WriteString("\n}\n")
	baseline.WriteString("\n}\n")
	if err := os.MkdirAll(f.Policies, 0o755); err != nil {
		return f, err
	}
	files := map[string]string{f.Gate: gate.String(), f.Metrics: metrics.String(), f.Baseline: baseline.String()}
	for i := range Policies {
		n := fmt.Sprintf("%02d", i)
		text := strings.ReplaceAll(scanPolicy, "NN", n)
		if shape == Lookup {
			text = strings.NewReplacer("NN", n, "NAMES", "["+strings.Join(groups[i], ", ")+"]").Replace(lookupPolicy)
		}
		files[filepath.Join(f.Policies, "p"+n+".rego")] = text
	}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return f, err
		}
	}
	return f, nil
}

// ReportCPU runs the benchmark loop body and reports CPU milliseconds per
// operation (all threads) as the metric cpu-ms/op.
func ReportCPU(b interface {
	Loop() bool
	ReportMetric(float64, string)
}, body func()) {
	start, n := CPUTime(), 0
	for b.Loop() {
		body()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(CPUTime()-start)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
	}
}
