package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

const header = "apiVersion: mlgate.dev/v1\nkind: PromotionGate\n"

func TestParseGateErrors(t *testing.T) {
	cases := map[string]struct{ gate, want string }{
		"empty":          {"", "empty file"},
		"version":        {"apiVersion: v2\nkind: PromotionGate\nmetrics: [{name: a}]\n", `apiVersion "v2" is not supported`},
		"kind":           {"apiVersion: mlgate.dev/v1\nkind: Gate\nmetrics: [{name: a}]\n", `kind "Gate"`},
		"no metrics":     {header, "no metrics"},
		"misspelt field": {header + "metrics:\n  - name: a\n    mni: 0.9\n", `gate.yaml:5:5: unknown key "mni" (did you mean "min"?)`},
		"direction":      {header + "metrics:\n  - name: a\n    direction: up\n", `gate.yaml:4:5: metric "a": direction "up"`},
		"min above max":  {header + "metrics:\n  - name: a\n    min: 2\n    max: 1\n", "min 2 is above max 1"},
		"duplicate":      {header + "metrics:\n  - name: a\n  - name: a\n", `gate.yaml:5:5: metric "a" already has a rule at line 4`},
		"empty change":   {header + "metrics:\n  - name: a\n    change: {}\n", "change needs absolute or relative"},
		"margin":         {header + "metrics:\n  - name: a\n    nonInferiority: -1\n", "cannot be negative"},
		"bootstrap":      {header + "metrics:\n  - name: a\n    bootstrap: {scores: s.csv}\n", "needs scores, candidate and baseline"},
		"confidence":     {header + "metrics:\n  - name: a\n    bootstrap: {scores: s.csv, candidate: c, baseline: b, confidence: 95}\n", "confidence 95"},
		"not yaml":       {"metrics: [\n", "gate.yaml:1:"},
		"severity":       {header + "metrics:\n  - name: a\n    severity: fatal\n", `severity "fatal"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseGate("gate.yaml", []byte(tc.gate))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadGateNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gate.yaml")
	os.WriteFile(path, []byte(header+"metrics:\n  - name: a\n    direction: up\n"), 0o644)
	_, err := LoadGate(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":4:5: ") {
		t.Fatalf("error %v", err)
	}
}

func set(kv map[string]float64) Set {
	s := Set{}
	for k, v := range kv {
		s[k] = Value{Value: v}
	}
	return s
}

func TestEvaluate(t *testing.T) {
	gate := header + `metrics:
  - name: accuracy
    min: 0.90
    change: {absolute: -0.01}
  - name: f1
    nonInferiority: 0.02
  - name: latency_ms
    direction: lower
    max: 100
    change: {relative: -0.10}
  - name: calibration_error
    direction: lower
    required: false
    max: 0.1
  - name: auc
    severity: warn
    min: 0.8
  - name: recall
`
	g, err := ParseGate("gate.yaml", []byte(gate))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		status  evidence.Status
		message string
	}
	cases := []struct {
		name      string
		candidate map[string]float64
		baseline  map[string]float64
		want      map[string]want
	}{
		{
			name:      "all clear",
			candidate: map[string]float64{"accuracy": 0.93, "f1": 0.80, "latency_ms": 90, "auc": 0.85, "recall": 0.7},
			baseline:  map[string]float64{"accuracy": 0.935, "f1": 0.81, "latency_ms": 85},
			want: map[string]want{
				"accuracy":          {evidence.StatusPass, "0.93 (baseline 0.935, -0.005)"},
				"f1":                {evidence.StatusPass, "0.8 (baseline 0.81, -0.01)"},
				"latency_ms":        {evidence.StatusPass, "90 (baseline 85, +5)"},
				"calibration_error": {evidence.StatusPass, "not reported (optional)"},
				"auc":               {evidence.StatusPass, "0.85"},
				"recall":            {evidence.StatusPass, "0.7"},
			},
		},
		{
			name:      "every rule broken",
			candidate: map[string]float64{"accuracy": 0.89, "f1": 0.75, "latency_ms": 120, "calibration_error": 0.2, "auc": 0.7},
			baseline:  map[string]float64{"accuracy": 0.935, "f1": 0.81, "latency_ms": 100},
			want: map[string]want{
				"accuracy":          {evidence.StatusFail, "0.89 is below the minimum 0.9; the change -0.045 misses the bound -0.01 (higher is better)"},
				"f1":                {evidence.StatusFail, "the change -0.06 is worse than the baseline by more than the margin 0.02"},
				"latency_ms":        {evidence.StatusFail, "120 is above the maximum 100; the change +20% relative to the baseline misses the bound +10% (lower is better)"},
				"calibration_error": {evidence.StatusFail, "0.2 is above the maximum 0.1"},
				"auc":               {evidence.StatusWarn, "0.7 is below the minimum 0.8"},
				"recall":            {evidence.StatusFail, "required metric is missing from the candidate's metrics"},
			},
		},
		{
			name:      "no baseline",
			candidate: map[string]float64{"accuracy": 0.95, "f1": 0.9, "latency_ms": 50, "auc": 0.9, "recall": 0.8},
			want: map[string]want{
				"accuracy":   {evidence.StatusFail, "no baseline value to compare with (the baseline's metrics must report this metric)"},
				"f1":         {evidence.StatusFail, "no baseline value to compare with (the baseline's metrics must report this metric)"},
				"latency_ms": {evidence.StatusFail, "no baseline value to compare with (the baseline's metrics must report this metric)"},
				"auc":        {evidence.StatusPass, "0.9"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results, err := Evaluate(g, set(tc.candidate), set(tc.baseline))
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(g.Metrics) {
				t.Fatalf("%d results for %d rules", len(results), len(g.Metrics))
			}
			for _, r := range results {
				w, ok := tc.want[r.Name]
				if !ok {
					continue
				}
				if r.Status != w.status || r.Message != w.message {
					t.Errorf("%s: %s %q, want %s %q", r.Name, r.Status, r.Message, w.status, w.message)
				}
				if r.Source == nil || r.Source.File != "gate.yaml" || r.Source.Line == 0 {
					t.Errorf("%s: source %v", r.Name, r.Source)
				}
			}
		})
	}
}

func TestEvaluateFillsTheReportFields(t *testing.T) {
	g, err := ParseGate("gate.yaml", []byte(header+"metrics:\n  - name: latency_ms\n    direction: lower\n    max: 100\n    change: {absolute: -5, relative: -0.1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	results, err := Evaluate(g, set(map[string]float64{"latency_ms": 88}), set(map[string]float64{"latency_ms": 80}))
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if *r.Candidate != 88 || *r.Baseline != 80 || *r.Change != 8 || *r.RelativeChange != 0.1 {
		t.Fatalf("values %v %v %v %v", *r.Candidate, *r.Baseline, *r.Change, *r.RelativeChange)
	}
	if r.Direction != "lower" || r.Threshold != "<= 100, improvement >= -5, relative improvement >= -10%" || r.Source.Line != 4 {
		t.Fatalf("direction %q threshold %q line %d", r.Direction, r.Threshold, r.Source.Line)
	}
	// +8 ms is 3 ms more regression than the 5 allowed.
	if r.Status != evidence.StatusFail || r.Message != "the change +8 misses the bound +5 (lower is better)" {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestMissingMetricSuggestsReportedNames(t *testing.T) {
	g, _ := ParseGate("gate.yaml", []byte(header+"metrics:\n  - name: f1\n  - name: eval.AUC\n"))
	results, _ := Evaluate(g, set(map[string]float64{"eval.f1": 0.8, "test.f1": 0.7, "auc": 0.9, "AUC": 0.9}), nil)
	if got := results[0].Message; got != "required metric is missing from the candidate's metrics (reported: eval.f1, test.f1)" {
		t.Errorf("f1: %q", got)
	}
	if got := results[1].Message; got != "required metric is missing from the candidate's metrics (reported: AUC)" {
		t.Errorf("eval.AUC: %q", got)
	}
}

func TestRelativeChangeAgainstZeroBaseline(t *testing.T) {
	g, _ := ParseGate("gate.yaml", []byte(header+"metrics:\n  - name: errors\n    direction: lower\n    change: {relative: 0}\n"))
	results, _ := Evaluate(g, set(map[string]float64{"errors": 0}), set(map[string]float64{"errors": 0}))
	if results[0].Status != evidence.StatusFail || results[0].RelativeChange != nil {
		t.Fatalf("%+v", results[0])
	}
}

// FuzzParseGate: any gate file is accepted or refused with an error, never a
// panic; an accepted one has named rules with lines and known directions.
func FuzzParseGate(f *testing.F) {
	f.Add([]byte(header + "metrics:\n  - name: a\n    min: 0.9\n    change: {absolute: -0.01, relative: 0.1}\n"))
	f.Add([]byte(header + "metrics:\n  - name: b\n    direction: lower\n    bootstrap: {scores: s.csv, candidate: c, baseline: b}\n"))
	f.Add([]byte(header + "metrics: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		g, err := ParseGate("gate.yaml", data)
		if err != nil {
			return
		}
		for _, r := range g.Metrics {
			if r.Name == "" || r.Source.Line == 0 || (r.Direction != HigherIsBetter && r.Direction != LowerIsBetter) {
				t.Fatalf("accepted rule %+v", r)
			}
		}
	})
}
