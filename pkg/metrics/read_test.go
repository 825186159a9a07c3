package metrics

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

func TestReadFormats(t *testing.T) {
	cases := []struct {
		file string
		want map[string]float64
		// line of one metric, to check that sources point into the file.
		lineOf   string
		wantLine int
	}{
		{"nested.json", map[string]float64{"accuracy": 0.931, "eval.f1": 0.88, "eval.latency_ms.p50": 12, "eval.latency_ms.p95": 41.5, "per_class.0": 0.9, "per_class.1": 0.8}, "eval.f1", 5},
		{"nested.yaml", map[string]float64{"accuracy": 0.931, "eval.f1": 0.88, "eval.latency_ms.p50": 12, "eval.latency_ms.p95": 41.5}, "eval.latency_ms.p95", 7},
		{"metrics.csv", map[string]float64{"accuracy": 0.931, "eval.f1": 0.88}, "eval.f1", 3},
		{"headerless.csv", map[string]float64{"accuracy": 0.931, "eval.f1": 0.88}, "accuracy", 1},
		{"dvc-show.json", map[string]float64{"accuracy": 0.931, "eval.f1": 0.88, "latency_ms.p95": 41.5}, "latency_ms.p95", 5},
		// The latest step wins (step 3, although step 2 was logged after it);
		// on equal steps the latest timestamp wins.
		{"mlflow-run.json", map[string]float64{"accuracy": 0.931, "loss": 0.19}, "accuracy", 7},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			set, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := set.Floats(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
			src := set[tc.lineOf].Source
			if src.File != path || src.Line != tc.wantLine {
				t.Fatalf("%s: source %s, want %s:%d", tc.lineOf, src, path, tc.wantLine)
			}
		})
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	cases := map[string]string{
		"nan.json":       "no numeric metrics",
		"dup.csv":        `line 2: metric "accuracy" appears twice`,
		"notnum.csv":     "no numeric metrics",
		"broken.yaml":    "broken.yaml:1:",
		"nonumbers.json": "no numeric metrics",
		"absent.json":    "no such file",
		"typo.csv":       `line 1: metric "accuracy": "0.9x" is not a number`,
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", file)
			_, err := Read(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q should name %s and say %q", err, path, want)
			}
		})
	}
}

func TestReadDVCErrorEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "show.json")
	doc := `{"workspace": {"data": {"m.json": {"error": {"type": "FileNotFoundError"}}}}}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "DVC could not read m.json") {
		t.Fatalf("error %v", err)
	}
}

func TestReadAllRejectsAMetricReportedTwice(t *testing.T) {
	_, err := ReadAll([]string{"testdata/nested.json", "testdata/metrics.csv"})
	if err == nil || !strings.Contains(err.Error(), "reported twice") {
		t.Fatalf("error %v", err)
	}
	set, err := ReadAll([]string{"testdata/mlflow-run.json"})
	if err != nil || len(set) != 2 {
		t.Fatalf("set %v, err %v", set, err)
	}
}

// FuzzParse feeds arbitrary bytes to both parsers: they must return a set or an
// error, never panic, and never report a non-finite value.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"nested.json", "nested.yaml", "metrics.csv", "dvc-show.json", "mlflow-run.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		for _, parse := range []func(string, []byte) (Set, error){parseTree, parseCSV} {
			set, err := parse("fuzz", data)
			if err != nil {
				continue
			}
			for k, v := range set {
				if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
					t.Fatalf("%s = %v", k, v.Value)
				}
			}
		}
	})
}

// A broken JSON metrics file is reported as JSON, at the place it breaks; a
// number written as a string is named by a rule that asks for it, not
// "missing", and is no metric for policies.
func TestJSONErrorsAndStringMetrics(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte("{\n  \"auc\": 0.9\n  \"f1\": 0.8\n}\n"), 0o644)
	_, err := Read(broken)
	if err == nil || !strings.Contains(err.Error(), broken+":3:3: invalid JSON") || strings.Contains(err.Error(), "YAML") {
		t.Fatalf("error %v, want %s:3:3: invalid JSON and no YAML", err, broken)
	}
	quoted := filepath.Join(dir, "quoted.json")
	os.WriteFile(quoted, []byte(`{"auc": "0.93", "f1": 0.8, "model": "fraud"}`), 0o644)
	set, err := Read(quoted)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set.Floats()["auc"]; ok || len(set.Floats()) != 1 {
		t.Fatalf("floats %v: auc is a string, f1 the one number", set.Floats())
	}
	g, _ := ParseGate("gate.yaml", []byte(header+"metrics:\n  - name: auc\n    min: 0.9\n"))
	results, err := Evaluate(g, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != evidence.StatusFail || !strings.Contains(r.Message, `written as a string, "0.93" at `+quoted+":1:9") {
		t.Fatalf("auc: %s %q", r.Status, r.Message)
	}
}
