package drift

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Config holds the dataset rule and per-column overrides. The zero value is
// not usable; start from DefaultConfig or ParseConfig.
type Config struct {
	// Share: the dataset drifts when at least this share of the compared
	// columns drifted.
	Share float64 `yaml:"share"`
	// NullRate: a column's null rate drifts when it moves by more than this
	// (absolute difference of shares).
	NullRate float64 `yaml:"nullRate"`
	// NaNRate: a numeric column's NaN rate drifts when it moves by more than
	// this, judged like the null rate.
	NaNRate float64 `yaml:"nanRate"`
	// UnseenRate: a categorical column drifts when more than this share of its
	// current values are categories the reference never had.
	UnseenRate float64 `yaml:"unseenRate"`
	// Columns overrides method, threshold and severity per column, or excludes it.
	Columns map[string]ColumnConfig `yaml:"columns"`

	// File and lines locate each column's entry, so checks can point at it.
	File  string         `yaml:"-"`
	lines map[string]int `yaml:"-"`
}

// ColumnConfig is one column's override.
type ColumnConfig struct {
	Method    string   `yaml:"method"`
	Threshold *float64 `yaml:"threshold"`
	Exclude   bool     `yaml:"exclude"`
	// Severity "error" makes this column's drift fail the step on its own;
	// the default "warn" leaves the verdict to the dataset rule.
	Severity string `yaml:"severity"`
}

// DefaultConfig is the documented defaults.
func DefaultConfig() Config {
	return Config{Share: 0.5, NullRate: 0.05, NaNRate: 0.05, UnseenRate: 0.01}
}

// maxConfigSize bounds a config file.
const maxConfigSize = 1 << 20

// ReadConfig reads a YAML config file over the defaults.
func ReadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	if len(data) > maxConfigSize {
		return Config{}, fmt.Errorf("%s: larger than 1 MiB, not a drift config", path)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	cfg.File = path
	return cfg, nil
}

// ParseConfig decodes a YAML config over the defaults, rejecting unknown
// keys, unknown methods, methods that do not fit, and out-of-range values.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil // an empty file: the defaults
		}
		return Config{}, err
	}
	// A second pass keeps the line of each column entry for checks to cite.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && len(root.Content) > 0 {
		cfg.lines = columnLines(root.Content[0])
	}
	if err := cfg.check(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// columnLines maps each key under "columns" to its line.
func columnLines(doc *yaml.Node) map[string]int {
	lines := map[string]int{}
	if doc.Kind != yaml.MappingNode {
		return lines
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "columns" || doc.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		cols := doc.Content[i+1].Content
		for j := 0; j+1 < len(cols); j += 2 {
			lines[cols[j].Value] = cols[j].Line
		}
	}
	return lines
}

func (c Config) check() error {
	if c.Share <= 0 || c.Share > 1 {
		return fmt.Errorf("share %g: want a share in (0, 1]", c.Share)
	}
	if c.NullRate < 0 || c.NullRate > 1 || c.NaNRate < 0 || c.NaNRate > 1 || c.UnseenRate < 0 || c.UnseenRate > 1 {
		return errors.New("nullRate, nanRate and unseenRate are shares: want values in [0, 1]")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Columns)) {
		cc := c.Columns[name]
		if cc.Method != "" {
			if _, ok := LookupMethod(cc.Method); !ok {
				return fmt.Errorf("column %q (line %d): unknown method %q (want one of %v)", name, c.lines[name], cc.Method, MethodNames())
			}
		}
		if cc.Threshold != nil && (*cc.Threshold < 0 || *cc.Threshold != *cc.Threshold) {
			return fmt.Errorf("column %q (line %d): threshold must be a non-negative number", name, c.lines[name])
		}
		if cc.Severity != "" && cc.Severity != "warn" && cc.Severity != "error" {
			return fmt.Errorf("column %q (line %d): severity %q (want warn or error)", name, c.lines[name], cc.Severity)
		}
	}
	return nil
}

// Excluded lists the columns the config excludes, sorted.
func (c Config) Excluded() []string {
	var names []string
	for _, name := range slices.Sorted(maps.Keys(c.Columns)) {
		if c.Columns[name].Exclude {
			names = append(names, name)
		}
	}
	return names
}

// line is the config line of a column's entry, 0 when it has none.
func (c Config) line(column string) int { return c.lines[column] }
