package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// A constant difference has no sampling variation: every resample's mean is
// that constant, so the interval collapses onto it.
func TestBootstrapConstantDifferenceIsDegenerate(t *testing.T) {
	diffs := make([]float64, 500)
	for i := range diffs {
		diffs[i] = 0.25
	}
	iv := PairedBootstrap(diffs, 1000, 0.95, 7)
	if iv.Lower != 0.25 || iv.Upper != 0.25 || iv.Level != 0.95 || iv.Resamples != 1000 {
		t.Fatalf("interval %+v", iv)
	}
}

// For a large sample the bootstrap distribution of the mean is close to normal
// with standard error s/sqrt(n), so the percentile interval must match
// mean ± z·s/sqrt(n) to within a small fraction of its width.
func TestBootstrapMatchesNormalApproximation(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	n := 4000
	diffs := make([]float64, n)
	for i := range diffs {
		diffs[i] = 0.01 + 0.3*rng.NormFloat64()
	}
	m := mean(diffs)
	var ss float64
	for _, d := range diffs {
		ss += (d - m) * (d - m)
	}
	se := math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	const z = 1.959963984540054
	iv := PairedBootstrap(diffs, 4000, 0.95, 1)
	width := 2 * z * se
	if math.Abs(iv.Lower-(m-z*se)) > 0.05*width || math.Abs(iv.Upper-(m+z*se)) > 0.05*width {
		t.Fatalf("bootstrap [%g, %g], normal [%g, %g]", iv.Lower, iv.Upper, m-z*se, m+z*se)
	}
}

func TestBootstrapIsDeterministicForASeed(t *testing.T) {
	diffs := []float64{0.1, -0.2, 0.3, 0, 0.05, -0.1, 0.2, 0.15}
	a := PairedBootstrap(diffs, 500, 0.9, 3)
	b := PairedBootstrap(diffs, 500, 0.9, 3)
	c := PairedBootstrap(diffs, 500, 0.9, 4)
	if a != b {
		t.Fatalf("same seed, different intervals: %+v %+v", a, b)
	}
	if a == c {
		t.Fatalf("different seeds, same interval %+v", a)
	}
}

// Coverage: over many samples drawn from a known distribution, the 90%
// interval must contain the true mean about 90% of the time. With 300 trials
// the binomial standard deviation is 1.7 points; the band allows for the
// percentile bootstrap's known slight under-coverage at n=60.
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("coverage simulation")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	const trials, n, trueMean = 300, 60, 0.05
	covered := 0
	for trial := range trials {
		diffs := make([]float64, n)
		for i := range diffs {
			// A skewed distribution (exponential shifted to the true mean).
			diffs[i] = trueMean - 0.2 + 0.2*rng.ExpFloat64()
		}
		iv := PairedBootstrap(diffs, 400, 0.90, uint64(trial+1))
		if iv.Lower <= trueMean && trueMean <= iv.Upper {
			covered++
		}
	}
	rate := float64(covered) / trials
	if rate < 0.83 || rate > 0.96 {
		t.Fatalf("coverage %.3f of the nominal 0.90", rate)
	}
}

func writeScores(t *testing.T, dir string, cand, base []float64) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,candidate_correct,baseline_correct\n")
	for i := range cand {
		fmt.Fprintf(&b, "%d,%g,%g\n", i, cand[i], base[i])
	}
	if err := os.WriteFile(filepath.Join(dir, "scores.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The gate judges the interval's worst side: a candidate whose mean is better
// but whose interval reaches below the margin fails non-inferiority.
func TestBootstrapGate(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	var cand, base []float64
	for range 200 {
		b := 0.0
		if rng.Float64() < 0.80 {
			b = 1
		}
		c := b
		if rng.Float64() < 0.15 { // the candidate flips 15% of the answers
			c = 1 - b
		}
		cand, base = append(cand, c), append(base, b)
	}
	writeScores(t, dir, cand, base)
	gatePath := filepath.Join(dir, "gate.yaml")
	rule := func(margin string) string {
		return header + "metrics:\n  - name: accuracy\n    nonInferiority: " + margin +
			"\n    bootstrap: {scores: scores.csv, candidate: candidate_correct, baseline: baseline_correct, resamples: 2000, seed: 11}\n"
	}
	for _, tc := range []struct {
		margin string
		want   evidence.Status
	}{{"0.2", evidence.StatusPass}, {"0", evidence.StatusFail}} {
		os.WriteFile(gatePath, []byte(rule(tc.margin)), 0o644)
		g, err := LoadGate(gatePath)
		if err != nil {
			t.Fatal(err)
		}
		results, err := Evaluate(g, Set{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := results[0]
		iv := r.Interval
		if iv == nil || iv.Resamples != 2000 || iv.Level != 0.95 || iv.Lower > *r.Change || iv.Upper < *r.Change {
			t.Fatalf("interval %+v around change %v", iv, *r.Change)
		}
		if math.Abs(*r.Candidate-mean(cand)) > 1e-12 || math.Abs(*r.Baseline-mean(base)) > 1e-12 {
			t.Fatalf("means %v %v", *r.Candidate, *r.Baseline)
		}
		if r.Status != tc.want {
			t.Fatalf("margin %s: %s %q (interval %+v)", tc.margin, r.Status, r.Message, *iv)
		}
	}
}

func TestBootstrapScoresErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "scores.csv"), []byte("a,b\n1,x\n"), 0o644)
	g, err := ParseGate(filepath.Join(dir, "gate.yaml"), []byte(header+"metrics:\n  - name: m\n    bootstrap: {scores: scores.csv, candidate: a, baseline: b}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(g, nil, nil); err == nil || !strings.Contains(err.Error(), "scores.csv: line 2: b") {
		t.Fatalf("error %v", err)
	}
	g.Metrics[0].Bootstrap.Candidate = "c"
	if _, err := Evaluate(g, nil, nil); err == nil || !strings.Contains(err.Error(), `want columns "c" and "b"`) {
		t.Fatalf("error %v", err)
	}
}

func BenchmarkPairedBootstrap(b *testing.B) {
	diffs := make([]float64, 10_000)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range diffs {
		diffs[i] = rng.NormFloat64()
	}
	for b.Loop() {
		PairedBootstrap(diffs, 2000, 0.95, 1)
	}
}

// A scores file from a pull request that is a link to /dev/zero was read by
// the CSV reader as one endless header line, without end; it is refused,
// naming the file.
func TestBootstrapScoresNotRegular(t *testing.T) {
	dir := t.TempDir()
	scores := filepath.Join(dir, "scores.csv")
	if err := os.Symlink("/dev/zero", scores); err != nil {
		t.Fatal(err)
	}
	g, err := ParseGate(filepath.Join(dir, "gate.yaml"), []byte(header+"metrics:\n  - name: m\n    bootstrap: {scores: scores.csv, candidate: a, baseline: b}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(g, nil, nil); err == nil || !strings.Contains(err.Error(), "scores "+scores+": not a regular file") {
		t.Fatalf("error %v", err)
	}
}
