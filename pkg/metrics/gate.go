package metrics

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// GateKind is the kind of a gate file.
const GateKind = "PromotionGate"

// Directions a metric improves in.
const (
	HigherIsBetter = "higher"
	LowerIsBetter  = "lower"
)

// Gate is a gate file: the metric rules a candidate must clear.
//
//	apiVersion: mlgate.dev/v1
//	kind: PromotionGate
//	metrics:
//	  - name: accuracy
//	    min: 0.90
//	    change: {absolute: -0.01}
type Gate struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metrics    []Rule `yaml:"metrics"`
	// Path is the file the gate was read from; rule sources point into it.
	Path string `yaml:"-"`
}

// Rule is the gate for one metric. Every bound is optional; a rule with none
// only requires the metric to be reported.
type Rule struct {
	Name string `yaml:"name"`
	// Direction is "higher" (default) or "lower": which way is better.
	Direction string `yaml:"direction"`
	// Required metrics that are missing fail; optional ones are skipped. Default true.
	Required *bool `yaml:"required"`
	// Severity "warn" makes a broken rule warn instead of fail.
	Severity evidence.Severity `yaml:"severity"`
	// Min and Max bound the candidate's value.
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
	// Change bounds the improvement over the baseline (TFMA's change threshold,
	// MLflow's min_absolute_change and min_relative_change): negative values
	// allow a regression of at most that much.
	Change *Change `yaml:"change"`
	// NonInferiority is the margin by which the candidate may be worse than the
	// baseline. With a bootstrap it is judged on the interval's lower bound.
	NonInferiority *float64 `yaml:"nonInferiority"`
	// Bootstrap gates on per-example scores instead of the reported values.
	Bootstrap *Bootstrap `yaml:"bootstrap"`

	// Source is the rule's line in the gate file.
	Source evidence.Source `yaml:"-"`
}

// Change bounds the improvement (candidate - baseline, sign-flipped for
// lower-is-better metrics): Absolute in the metric's unit, Relative as a
// fraction of |baseline|.
type Change struct {
	Absolute *float64 `yaml:"absolute"`
	Relative *float64 `yaml:"relative"`
}

// Bootstrap configures the paired bootstrap of one metric: a CSV of per-example
// scores with one column for the candidate and one for the baseline, on the same
// rows. The metric is the mean score.
type Bootstrap struct {
	// Scores is the CSV file, relative to the gate file.
	Scores    string `yaml:"scores"`
	Candidate string `yaml:"candidate"`
	Baseline  string `yaml:"baseline"`
	// Resamples (default 2000), Confidence (default 0.95) and Seed (default 1)
	// make the interval reproducible.
	Resamples  int     `yaml:"resamples"`
	Confidence float64 `yaml:"confidence"`
	Seed       uint64  `yaml:"seed"`
}

// LoadGate reads and checks a gate file. Errors name the file and line.
func LoadGate(path string) (*Gate, error) {
	data, err := readSmallFile("gate", path)
	if err != nil {
		return nil, err
	}
	return ParseGate(path, data)
}

// ParseGate decodes a gate file's content; path is used for rule sources and
// to resolve score files. Errors are yamlx.Errors at file:line:column.
func ParseGate(path string, data []byte) (*Gate, error) {
	// One strict decode: unknown keys are errors (a misspelt "mni: 0.9"
	// would otherwise be a rule that checks nothing), and each rule records
	// its place from the same parse.
	doc, err := yamlx.Parse(path, data)
	if err != nil {
		return nil, err
	}
	if doc.Empty() {
		return nil, &yamlx.Error{File: path, Msg: "empty file"}
	}
	var g Gate
	if err := doc.Decode(&g); err != nil {
		return nil, err
	}
	g.Path = path
	at := func(yamlPath, format string, args ...any) error {
		line, col := doc.Pos(yamlPath)
		return &yamlx.Error{File: path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	if g.APIVersion != evidence.APIVersion {
		return nil, at("$.apiVersion", "apiVersion %q is not supported (want %q)", g.APIVersion, evidence.APIVersion)
	}
	if g.Kind != GateKind {
		return nil, at("$.kind", "kind %q: want %s", g.Kind, GateKind)
	}
	if len(g.Metrics) == 0 {
		return nil, at("$.metrics", "no metrics: a gate needs at least one metric rule")
	}
	seen := map[string]int{}
	for i := range g.Metrics {
		r := &g.Metrics[i]
		rulePath := fmt.Sprintf("$.metrics[%d]", i)
		r.Source.File = path
		r.Source.Line, r.Source.Column = doc.Pos(rulePath)
		if err := r.check(); err != nil {
			return nil, at(rulePath, "%v", err)
		}
		if prev, dup := seen[r.Name]; dup {
			return nil, at(rulePath, "metric %q already has a rule at line %d", r.Name, prev)
		}
		seen[r.Name] = r.Source.Line
		if b := r.Bootstrap; b != nil && !filepath.IsAbs(b.Scores) {
			b.Scores = filepath.Join(filepath.Dir(path), b.Scores)
		}
	}
	return &g, nil
}

// check validates a rule and fills its defaults.
func (r *Rule) check() error {
	if r.Name == "" {
		return errors.New("a metric rule needs a name")
	}
	switch r.Direction {
	case "":
		r.Direction = HigherIsBetter
	case HigherIsBetter, LowerIsBetter:
	default:
		return fmt.Errorf("metric %q: direction %q: want higher or lower", r.Name, r.Direction)
	}
	switch r.Severity {
	case "":
		r.Severity = evidence.SeverityError
	case evidence.SeverityError, evidence.SeverityWarn:
	default:
		return fmt.Errorf("metric %q: severity %q: want error or warn", r.Name, r.Severity)
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		return fmt.Errorf("metric %q: min %g is above max %g", r.Name, *r.Min, *r.Max)
	}
	if r.Change != nil && r.Change.Absolute == nil && r.Change.Relative == nil {
		return fmt.Errorf("metric %q: change needs absolute or relative", r.Name)
	}
	if r.NonInferiority != nil && *r.NonInferiority < 0 {
		return fmt.Errorf("metric %q: nonInferiority is a margin and cannot be negative", r.Name)
	}
	if b := r.Bootstrap; b != nil {
		if b.Scores == "" || b.Candidate == "" || b.Baseline == "" {
			return fmt.Errorf("metric %q: bootstrap needs scores, candidate and baseline", r.Name)
		}
		if b.Resamples == 0 {
			b.Resamples = 2000
		}
		if b.Confidence == 0 {
			b.Confidence = 0.95
		}
		if b.Seed == 0 {
			b.Seed = 1
		}
		if b.Resamples < 100 || b.Resamples > 1_000_000 {
			return fmt.Errorf("metric %q: bootstrap resamples %d: want 100 to 1000000", r.Name, b.Resamples)
		}
		if b.Confidence <= 0 || b.Confidence >= 1 {
			return fmt.Errorf("metric %q: bootstrap confidence %g: want between 0 and 1", r.Name, b.Confidence)
		}
	}
	return nil
}

// required reports whether a missing value fails the rule.
func (r *Rule) required() bool { return r.Required == nil || *r.Required }

// needsBaseline reports whether the rule compares with the baseline.
func (r *Rule) needsBaseline() bool {
	for _, b := range r.bounds() {
		if b.needsBaseline() {
			return true
		}
	}
	return false
}
