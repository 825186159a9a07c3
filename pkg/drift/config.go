package drift

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/internal/yamlx"
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
	data, err := readlimit.ReadFile(path, maxConfigSize, "a drift config")
	if err != nil {
		return Config{}, fmt.Errorf("drift config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes a YAML config over the defaults, rejecting unknown
// keys, unknown methods, methods that do not fit, and out-of-range values;
// file names it in errors (yamlx.Errors at file:line:column) and in checks.
func ParseConfig(file string, data []byte) (Config, error) {
	cfg := DefaultConfig()
	doc, err := yamlx.Parse(file, data)
	if err != nil {
		return Config{}, err
	}
	if doc.Empty() {
		return cfg, nil // an empty file: the defaults
	}
	if err := doc.Decode(&cfg); err != nil {
		return Config{}, err
	}
	cfg.File = file
	// The same tree gives the line of each column entry for checks to cite.
	cfg.lines = map[string]int{}
	entries, _ := yamlx.Entries(doc.Body)
	for _, kv := range entries {
		if yamlx.Key(kv) != "columns" {
			continue
		}
		cols, _ := yamlx.Entries(kv.Value)
		for _, col := range cols {
			cfg.lines[yamlx.Key(col)], _ = yamlx.NodePos(col.Key)
		}
	}
	if err := cfg.check(); err != nil {
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			return Config{}, err
		}
		return Config{}, &yamlx.Error{File: file, Msg: err.Error()}
	}
	return cfg, nil
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
				return c.columnError(name, "unknown method %q (want one of %v)", cc.Method, MethodNames())
			}
		}
		if cc.Threshold != nil && (*cc.Threshold < 0 || *cc.Threshold != *cc.Threshold) {
			return c.columnError(name, "threshold must be a non-negative number")
		}
		if cc.Severity != "" && cc.Severity != "warn" && cc.Severity != "error" {
			return c.columnError(name, "severity %q (want warn or error)", cc.Severity)
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

// columnError is an error at a column's entry.
func (c Config) columnError(column, format string, args ...any) error {
	return &yamlx.Error{File: c.File, Line: c.lines[column], Msg: fmt.Sprintf("column %q: ", column) + fmt.Sprintf(format, args...)}
}

// line is the config line of a column's entry, 0 when it has none.
func (c Config) line(column string) int { return c.lines[column] }
