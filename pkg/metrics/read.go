// Package metrics reads model metrics from the files teams already have (JSON,
// YAML, CSV, DVC metrics, an MLflow run) and decides a promotion gate's metric
// rules on them: absolute bounds, change against a baseline, non-inferiority,
// and an optional paired bootstrap over per-example scores.
package metrics

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// maxMetricsFile bounds what Read and LoadGate accept: metrics and gate files
// are small, and a wrong file (a model, a Parquet file) should fail fast.
const maxMetricsFile = 64 << 20

// Value is one metric value and the line that reported it.
type Value struct {
	Value  float64
	Source evidence.Source
}

// Set is a metrics file's values by name. Nested keys are joined with dots
// ("eval.accuracy"), as DVC and dotted paths in a gate file address them.
type Set map[string]Value

// Floats is the set as plain numbers, the shape policies see.
func (s Set) Floats() map[string]float64 {
	out := make(map[string]float64, len(s))
	for k, v := range s {
		out[k] = v.Value
	}
	return out
}

// Names lists the metric names in order.
func (s Set) Names() []string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Read loads a metrics file. The format follows the extension (.csv is name,value
// rows; .json, .yaml and .yml are nested documents) and, for JSON and YAML, the
// shape: an MLflow runs/get response and a `dvc metrics show --json` document are
// recognised and unwrapped; anything else is a plain nested metrics file, whose
// numeric leaves are the metrics. Errors name the file.
func Read(path string) (Set, error) {
	data, err := readSmallFile("metrics", path)
	if err != nil {
		return nil, err
	}
	var set Set
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		set, err = parseCSV(path, data)
	} else {
		set, err = parseTree(path, data)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics %s: %w", path, err)
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("metrics %s: no numeric metrics found", path)
	}
	return set, nil
}

// ReadAll merges several metrics files; a name reported by two files is an error,
// since the gate could not tell which value to judge.
func ReadAll(paths []string) (Set, error) {
	merged := Set{}
	for _, p := range paths {
		set, err := Read(p)
		if err != nil {
			return nil, err
		}
		for name, v := range set {
			if prev, dup := merged[name]; dup {
				return nil, fmt.Errorf("metric %q is reported twice: %s and %s", name, prev.Source, v.Source)
			}
			merged[name] = v
		}
	}
	return merged, nil
}

// readSmallFile reads a metrics or gate file whole; what names the kind of
// file in errors.
func readSmallFile(what, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetricsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", what, path, err)
	}
	if len(data) > maxMetricsFile {
		return nil, fmt.Errorf("%s %s: larger than %d MiB, not a %s file", what, path, maxMetricsFile>>20, what)
	}
	return data, nil
}

// parseCSV reads name,value rows. A first row whose value has no digit at all
// is a header; one with a malformed number is an error, not a header.
func parseCSV(path string, data []byte) (Set, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	set := Set{}
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return set, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("line %d: want 2 fields (name,value), got %d", row, len(rec))
		}
		name := strings.TrimSpace(rec[0])
		v, err := parseNumber(rec[1])
		if err != nil {
			if row == 1 && !strings.ContainsAny(rec[1], "0123456789") {
				continue // a header such as name,value
			}
			return nil, fmt.Errorf("line %d: metric %q: %w", row, name, err)
		}
		if name == "" {
			return nil, fmt.Errorf("line %d: empty metric name", row)
		}
		if _, dup := set[name]; dup {
			return nil, fmt.Errorf("line %d: metric %q appears twice", row, name)
		}
		set[name] = Value{Value: v, Source: evidence.Source{File: path, Line: row}}
	}
}

// parseNumber accepts finite decimal numbers only: NaN or Inf in a metrics
// file is a broken evaluation, not a value to gate on.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// parseTree reads JSON or YAML into a node tree (JSON is YAML, and the tree
// keeps line numbers) and dispatches on its shape.
func parseTree(path string, data []byte) (Set, error) {
	var doc yaml.Node
	if err := unmarshalYAML(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("empty document")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of metric names to values", root.Line)
	}
	if run := child(root, "run"); run != nil {
		if ms := child(child(run, "data"), "metrics"); ms != nil {
			return parseMLflow(path, ms)
		}
	}
	if isDVCShow(root) {
		return parseDVCShow(path, root)
	}
	set := Set{}
	return set, flatten(path, "", root, set)
}

// child returns the value of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// flatten walks a nested mapping and records every numeric leaf under its dotted
// path. Strings, booleans and nulls are ignored (metrics files often carry
// labels beside numbers); lists are addressed by index.
func flatten(path, prefix string, n *yaml.Node, set Set) error {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch n.Kind {
	case yaml.AliasNode:
		return fmt.Errorf("line %d: YAML aliases are not supported in metrics files", n.Line)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := flatten(path, join(n.Content[i].Value), n.Content[i+1], set); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := flatten(path, join(strconv.Itoa(i)), c, set); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if n.Tag != "!!int" && n.Tag != "!!float" {
			return nil
		}
		v, err := parseNumber(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: metric %q: %w", n.Line, prefix, err)
		}
		if _, dup := set[prefix]; dup {
			return fmt.Errorf("line %d: metric %q appears twice", n.Line, prefix)
		}
		set[prefix] = Value{Value: v, Source: evidence.Source{File: path, Line: n.Line, Column: n.Column}}
	}
	return nil
}

// parseMLflow reads the metrics list of an MLflow runs/get response, keeping
// the latest step of each metric (the latest timestamp breaks ties), as the
// MLflow UI shows a run's metrics.
func parseMLflow(path string, list *yaml.Node) (Set, error) {
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: run.data.metrics is not a list", list.Line)
	}
	type point struct {
		step, ts int64
		v        Value
	}
	latest := map[string]point{}
	for _, m := range list.Content {
		var raw struct {
			Key       string  `yaml:"key"`
			Value     *string `yaml:"value"`
			Timestamp int64   `yaml:"timestamp"`
			Step      int64   `yaml:"step"`
		}
		if err := m.Decode(&raw); err != nil {
			return nil, fmt.Errorf("line %d: %w", m.Line, err)
		}
		if raw.Key == "" || raw.Value == nil {
			return nil, fmt.Errorf("line %d: an MLflow metric needs key and value", m.Line)
		}
		v, err := parseNumber(*raw.Value)
		if err != nil {
			return nil, fmt.Errorf("line %d: metric %q: %w", m.Line, raw.Key, err)
		}
		p := point{raw.Step, raw.Timestamp, Value{v, evidence.Source{File: path, Line: m.Line, Column: m.Column}}}
		if prev, ok := latest[raw.Key]; ok && (prev.step > p.step || prev.step == p.step && prev.ts >= p.ts) {
			continue
		}
		latest[raw.Key] = p
	}
	set := make(Set, len(latest))
	for k, p := range latest {
		set[k] = p.v
	}
	return set, nil
}

// isDVCShow recognises `dvc metrics show --json` output:
// {"<rev>": {"data": {"<file>": {"data": {...}}}}}.
func isDVCShow(root *yaml.Node) bool {
	if len(root.Content) == 0 {
		return false
	}
	for i := 1; i < len(root.Content); i += 2 {
		files := child(root.Content[i], "data")
		if files == nil || files.Kind != yaml.MappingNode || len(files.Content) == 0 {
			return false
		}
		for j := 1; j < len(files.Content); j += 2 {
			if child(files.Content[j], "data") == nil && child(files.Content[j], "error") == nil {
				return false
			}
		}
	}
	return true
}

// parseDVCShow unwraps the workspace revision (or the only one) of `dvc metrics
// show --json`; metrics of every file keep their dotted names, and a file that
// DVC could not read is an error.
func parseDVCShow(path string, root *yaml.Node) (Set, error) {
	rev := child(root, "workspace")
	if rev == nil {
		if len(root.Content) != 2 {
			return nil, errors.New("dvc metrics show output has several revisions and no workspace: show one revision")
		}
		rev = root.Content[1]
	}
	files := child(rev, "data")
	set := Set{}
	for j := 0; j+1 < len(files.Content); j += 2 {
		name, entry := files.Content[j].Value, files.Content[j+1]
		if e := child(entry, "error"); e != nil {
			return nil, fmt.Errorf("line %d: DVC could not read %s", e.Line, name)
		}
		if err := flatten(path, "", child(entry, "data"), set); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// unmarshalYAML is yaml.Unmarshal with the decoder's panics on hostile input
// turned into errors.
func unmarshalYAML(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML: %v", r)
		}
	}()
	return yaml.Unmarshal(data, v)
}
