package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

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
	g, err := ParseGate(path, data)
	if err != nil {
		return nil, fmt.Errorf("gate %s: %w", path, err)
	}
	return g, nil
}

// ParseGate decodes a gate file's content; path is used for rule sources and
// to resolve score files.
func ParseGate(path string, data []byte) (*Gate, error) {
	// One strict decode: unknown fields are errors (a misspelt "mni: 0.9"
	// would otherwise be a rule that checks nothing), and each rule records
	// its line as it is decoded.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var g Gate
	if err := decodeSafely(dec, &g); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, plainYAMLError(err)
	}
	g.Path = path
	if g.APIVersion != evidence.APIVersion {
		return nil, fmt.Errorf("apiVersion %q is not supported (want %q)", g.APIVersion, evidence.APIVersion)
	}
	if g.Kind != GateKind {
		return nil, fmt.Errorf("kind %q: want %s", g.Kind, GateKind)
	}
	if len(g.Metrics) == 0 {
		return nil, errors.New("no metrics: a gate needs at least one metric rule")
	}
	seen := map[string]int{}
	for i := range g.Metrics {
		r := &g.Metrics[i]
		r.Source.File = path
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", r.Source.Line, err)
		}
		if prev, dup := seen[r.Name]; dup {
			return nil, fmt.Errorf("line %d: metric %q already has a rule at line %d", r.Source.Line, r.Name, prev)
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
func (r *Rule) needsBaseline() bool { return r.Change != nil || r.NonInferiority != nil }

// unknownField matches yaml.v3's wording for a field the struct lacks.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// plainYAMLError rewrites yaml.v3's type errors ("yaml: unmarshal errors:\n
// line 5: field mni not found in type metrics.Rule") as "line 5: unknown field
// mni", one per line.
func plainYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	lines := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		lines[i] = unknownField.ReplaceAllString(e, "line $1: unknown field $2")
	}
	return errors.New(strings.Join(lines, "\n"))
}

// decodeSafely is Decoder.Decode with the decoder's panics on hostile input
// turned into errors.
func decodeSafely(dec *yaml.Decoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML: %v", r)
		}
	}()
	return dec.Decode(v)
}

// UnmarshalYAML decodes a rule strictly and records its line.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	if err := strictDecode(n, (*plain)(r)); err != nil {
		return err
	}
	r.Source = evidence.Source{Line: n.Line, Column: n.Column}
	return nil
}

// UnmarshalYAML decodes a change bound strictly.
func (c *Change) UnmarshalYAML(n *yaml.Node) error {
	type plain Change
	return strictDecode(n, (*plain)(c))
}

// UnmarshalYAML decodes a bootstrap block strictly.
func (b *Bootstrap) UnmarshalYAML(n *yaml.Node) error {
	type plain Bootstrap
	return strictDecode(n, (*plain)(b))
}

// strictDecode decodes a mapping into the struct v points to, refusing keys
// that are none of its yaml fields: Node.Decode does not honour the
// decoder's KnownFields, so custom unmarshalers check for themselves.
func strictDecode(n *yaml.Node, v any) error {
	if n.Kind == yaml.MappingNode {
		t := reflect.TypeOf(v).Elem()
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if !hasYAMLField(t, key.Value) {
				return fmt.Errorf("line %d: unknown field %s", key.Line, key.Value)
			}
		}
	}
	return n.Decode(v)
}

func hasYAMLField(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == name && tag != "-" {
			return true
		}
	}
	return false
}
