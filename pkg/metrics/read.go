// Package metrics reads model metrics from the files teams already have (JSON,
// YAML, CSV, DVC metrics, an MLflow run) and decides a promotion gate's metric
// rules on them: absolute bounds, change against a baseline, non-inferiority,
// and an optional paired bootstrap over per-example scores.
package metrics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/goccy/go-yaml/ast"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// maxMetricsFile bounds what Read and LoadGate accept: metrics and gate files
// are small, and a wrong file (a model, a Parquet file) should fail fast.
const maxMetricsFile = 64 << 20

// Value is one metric value and the line that reported it.
type Value struct {
	Value  float64
	Source evidence.Source
	// Text is set, and Value is not, for a number written as a string
	// ("0.93"): a gate that asks for it says so instead of "missing".
	Text string
}

// Set is a metrics file's values by name. Nested keys are joined with dots
// ("eval.accuracy"), as DVC and dotted paths in a gate file address them.
type Set map[string]Value

// Floats is the set as plain numbers, the shape policies see.
func (s Set) Floats() map[string]float64 {
	out := make(map[string]float64, len(s))
	for k, v := range s {
		if v.Text == "" {
			out[k] = v.Value
		}
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
	switch {
	case strings.EqualFold(filepath.Ext(path), ".csv"):
		set, err = parseCSV(path, data)
	default:
		set, err = parseTree(path, data)
	}
	var ye *yamlx.Error
	// JSON is read as YAML (its superset, which also takes Python's NaN)
	// for the positions, but a JSON file that does not parse is reported
	// as JSON, where it broke.
	if errors.As(err, &ye) && strings.HasPrefix(ye.Msg, "invalid YAML") && strings.EqualFold(filepath.Ext(path), ".json") && !json.Valid(data) {
		return nil, jsonError(path, data)
	}
	switch {
	case errors.As(err, &ye):
		return nil, err // names the file and the place
	case err != nil:
		return nil, fmt.Errorf("metrics %s: %w", path, err)
	}
	if len(set.Floats()) == 0 {
		return nil, fmt.Errorf("metrics %s: no numeric metrics found", path)
	}
	return set, nil
}

// jsonError names the place where data, which is not valid JSON, breaks.
func jsonError(path string, data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("metrics %s: invalid JSON: %w", path, err)
	}
	// Offset counts the bytes read, the offending one included.
	before := data[:min(max(int(se.Offset)-1, 0), len(data))]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return &yamlx.Error{File: path, Line: line, Column: col, Msg: "invalid JSON: " + se.Error()}
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
	data, err := readlimit.ReadFile(path, maxMetricsFile, "a "+what+" file")
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
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
// keeps places) and dispatches on its shape. Errors are yamlx.Errors.
func parseTree(path string, data []byte) (Set, error) {
	doc, err := yamlx.Parse(path, data)
	if err != nil {
		return nil, err
	}
	if doc.Empty() {
		return nil, &yamlx.Error{File: path, Msg: "empty document"}
	}
	root := yamlx.Unwrap(doc.Body)
	if _, ok := yamlx.Entries(root); !ok {
		return nil, doc.Errorf(root, "want a mapping of metric names to values")
	}
	if run := child(root, "run"); run != nil {
		if ms := child(child(run, "data"), "metrics"); ms != nil {
			return parseMLflow(doc, ms)
		}
	}
	if isDVCShow(root) {
		return parseDVCShow(doc, root)
	}
	set := Set{}
	return set, flatten(doc, "", root, set)
}

// child returns the value of key in a mapping node, or nil.
func child(n ast.Node, key string) ast.Node {
	entries, _ := yamlx.Entries(n)
	for _, kv := range entries {
		if yamlx.Key(kv) == key {
			return yamlx.Unwrap(kv.Value)
		}
	}
	return nil
}

// flatten walks a nested mapping and records every numeric leaf under its dotted
// path. Booleans, nulls and strings are not metrics (metrics files often carry
// labels beside numbers); lists are addressed by index.
func flatten(doc *yamlx.Doc, prefix string, n ast.Node, set Set) error {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch n := yamlx.Unwrap(n).(type) {
	case *ast.AliasNode:
		return doc.Errorf(n, "YAML aliases are not supported in metrics files")
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, _ := yamlx.Entries(n)
		for _, kv := range entries {
			if err := flatten(doc, join(yamlx.Key(kv)), kv.Value, set); err != nil {
				return err
			}
		}
	case *ast.SequenceNode:
		for i, c := range n.Values {
			if err := flatten(doc, join(strconv.Itoa(i)), c, set); err != nil {
				return err
			}
		}
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		v, err := parseNumber(n.GetToken().Value)
		if err != nil {
			return doc.Errorf(n, "metric %q: %v", prefix, err)
		}
		if _, dup := set[prefix]; dup {
			return doc.Errorf(n, "metric %q appears twice", prefix)
		}
		line, col := yamlx.NodePos(n)
		set[prefix] = Value{Value: v, Source: evidence.Source{File: doc.File, Line: line, Column: col}}
	case *ast.StringNode:
		// Labels are strings too; only one that reads as a number is kept,
		// to be named if a rule asks for it.
		if _, err := parseNumber(n.Value); err == nil {
			if _, dup := set[prefix]; !dup {
				line, col := yamlx.NodePos(n)
				set[prefix] = Value{Text: n.Value, Source: evidence.Source{File: doc.File, Line: line, Column: col}}
			}
		}
	}
	return nil
}

// scalarText is a scalar's text, "" for anything else.
func scalarText(n ast.Node) string {
	switch n := yamlx.Unwrap(n).(type) {
	case *ast.StringNode:
		return n.Value
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value
	}
	return ""
}

// parseMLflow reads the metrics list of an MLflow runs/get response, keeping
// the latest step of each metric (the latest timestamp breaks ties), as the
// MLflow UI shows a run's metrics.
func parseMLflow(doc *yamlx.Doc, list ast.Node) (Set, error) {
	seq, ok := list.(*ast.SequenceNode)
	if !ok {
		return nil, doc.Errorf(list, "run.data.metrics is not a list")
	}
	type point struct {
		step, ts int64
		v        Value
	}
	latest := map[string]point{}
	for _, m := range seq.Values {
		key, value := scalarText(child(m, "key")), child(m, "value")
		if key == "" || value == nil {
			return nil, doc.Errorf(m, "an MLflow metric needs key and value")
		}
		v, err := parseNumber(scalarText(value))
		if err != nil {
			return nil, doc.Errorf(m, "metric %q: %v", key, err)
		}
		var step, ts int64
		for name, dst := range map[string]*int64{"step": &step, "timestamp": &ts} {
			if n := child(m, name); n != nil {
				if *dst, err = strconv.ParseInt(scalarText(n), 10, 64); err != nil {
					return nil, doc.Errorf(n, "metric %q: %s is not an integer", key, name)
				}
			}
		}
		line, col := yamlx.NodePos(m)
		p := point{step, ts, Value{Value: v, Source: evidence.Source{File: doc.File, Line: line, Column: col}}}
		if prev, ok := latest[key]; ok && (prev.step > p.step || prev.step == p.step && prev.ts >= p.ts) {
			continue
		}
		latest[key] = p
	}
	set := make(Set, len(latest))
	for k, p := range latest {
		set[k] = p.v
	}
	return set, nil
}

// isDVCShow recognises `dvc metrics show --json` output:
// {"<rev>": {"data": {"<file>": {"data": {...}}}}}.
func isDVCShow(root ast.Node) bool {
	revs, _ := yamlx.Entries(root)
	if len(revs) == 0 {
		return false
	}
	for _, rev := range revs {
		files, _ := yamlx.Entries(child(rev.Value, "data"))
		if len(files) == 0 {
			return false
		}
		for _, f := range files {
			if child(f.Value, "data") == nil && child(f.Value, "error") == nil {
				return false
			}
		}
	}
	return true
}

// parseDVCShow unwraps the workspace revision (or the only one) of `dvc metrics
// show --json`; metrics of every file keep their dotted names, and a file that
// DVC could not read is an error.
func parseDVCShow(doc *yamlx.Doc, root ast.Node) (Set, error) {
	rev := child(root, "workspace")
	if rev == nil {
		revs, _ := yamlx.Entries(root)
		if len(revs) != 1 {
			return nil, &yamlx.Error{File: doc.File, Msg: "dvc metrics show output has several revisions and no workspace: show one revision"}
		}
		rev = revs[0].Value
	}
	files, _ := yamlx.Entries(child(rev, "data"))
	set := Set{}
	for _, f := range files {
		name := yamlx.Key(f)
		if e := child(f.Value, "error"); e != nil {
			return nil, doc.Errorf(e, "DVC could not read %s", name)
		}
		if err := flatten(doc, "", child(f.Value, "data"), set); err != nil {
			return nil, err
		}
	}
	return set, nil
}
