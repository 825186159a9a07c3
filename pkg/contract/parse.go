package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// Error is a problem in a contract file, at a line and column.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	return evidence.Source{File: e.File, Line: e.Pos.Line, Column: e.Pos.Column}.String() + ": " + e.Msg
}

// maxContractSize bounds what Load reads: contracts are hand-edited files.
const maxContractSize = 8 << 20

// Load reads and parses a contract file. An ODCS contract with several
// schema objects takes the object after a #: "orders.odcs.yaml#orders".
func Load(path string) (*Contract, error) {
	file, object := splitObject(path)
	data, err := readlimit.ReadFile(file, maxContractSize, "a contract")
	var tl *readlimit.TooLargeError
	if errors.As(err, &tl) {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d MiB; not a contract", maxContractSize>>20)}
	}
	if err != nil {
		return nil, fmt.Errorf("reading contract: %w", err)
	}
	c, err := ParseObject(file, data, object)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	c.SHA256 = hex.EncodeToString(sum[:])
	return c, nil
}

// splitObject splits "file#object"; a path that exists as written is a file.
func splitObject(path string) (file, object string) {
	i := strings.LastIndex(path, "#")
	if i < 0 {
		return path, ""
	}
	if _, err := os.Stat(path); err == nil {
		return path, ""
	}
	return path[:i], path[i+1:]
}

// Parse parses a contract; file names it in errors and sources.
func Parse(file string, data []byte) (*Contract, error) {
	return ParseObject(file, data, "")
}

// ParseObject parses a contract in mlgate's format or ODCS; object chooses
// the schema object of an ODCS contract that has several.
func ParseObject(file string, data []byte, object string) (*Contract, error) {
	doc, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	if _, ok := isODCS(doc.Body); ok {
		o, err := parseODCSDoc(file, data, doc)
		if err != nil {
			return nil, err
		}
		return o.Object(object)
	}
	if object != "" {
		return nil, &Error{File: file, Pos: Pos{1, 1}, Msg: fmt.Sprintf("#%s chooses an ODCS schema object, and this is not an ODCS contract", object)}
	}
	p := &contractParser{file: file}
	c := &Contract{File: file, Format: FormatMlgate}
	if err := p.document(doc.Body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// parseYAML parses a contract file's one YAML document, with errors as
// contract errors.
func parseYAML(file string, data []byte) (*yamlx.Doc, error) {
	doc, err := yamlx.Parse(file, data)
	if err != nil {
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			return nil, &Error{File: file, Pos: Pos{ye.Line, ye.Column}, Msg: ye.Msg}
		}
		return nil, err
	}
	if doc.Empty() {
		return nil, &Error{File: file, Pos: Pos{1, 1}, Msg: "want exactly one YAML document"}
	}
	return doc, nil
}

type contractParser struct{ file string }

func (p *contractParser) errorf(n ast.Node, format string, args ...any) error {
	return &Error{File: p.file, Pos: pos(n), Msg: fmt.Sprintf(format, args...)}
}

func pos(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil {
		return Pos{}
	}
	t := n.GetToken().Position
	return Pos{t.Line, t.Column}
}

// entry is one key of a mapping.
type entry struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// mapping reads a mapping, rejecting unknown and duplicate keys with a
// did-you-mean.
func (p *contractParser) mapping(n ast.Node, what string, allowed []string) ([]entry, error) {
	m, ok := yamlx.Unwrap(n).(*ast.MappingNode)
	if !ok {
		return nil, p.errorf(n, "%s must be a mapping", what)
	}
	seen := map[string]bool{}
	var out []entry
	for _, kv := range m.Values {
		key := strings.TrimSpace(kv.Key.String())
		if s, ok := yamlx.Unwrap(kv.Key).(*ast.StringNode); ok {
			key = s.Value
		}
		if seen[key] {
			return nil, p.errorf(kv.Key, "%s: duplicate key %q", what, key)
		}
		seen[key] = true
		known := false
		for _, a := range allowed {
			if a == key {
				known = true
			}
		}
		if !known {
			msg := fmt.Sprintf("%s: unknown key %q", what, key)
			if s := yamlx.Suggest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (valid keys: %s)", strings.Join(allowed, ", "))
			}
			return nil, p.errorf(kv.Key, "%s", msg)
		}
		out = append(out, entry{key: key, keyN: kv.Key, value: kv.Value})
	}
	return out, nil
}

func (p *contractParser) str(n ast.Node, what string) (string, error) {
	switch v := yamlx.Unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, nil
	}
	return "", p.errorf(n, "%s must be a string", what)
}

func (p *contractParser) number(n ast.Node, what string) (float64, error) {
	switch v := yamlx.Unwrap(n).(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		}
	case *ast.FloatNode:
		if !math.IsNaN(v.Value) {
			return v.Value, nil
		}
	}
	return 0, p.errorf(n, "%s must be a number", what)
}

// exact reads a limit from its YAML text, without a float64 on the way.
func (p *contractParser) exact(n ast.Node, what string) (Number, error) {
	switch v := yamlx.Unwrap(n).(type) {
	case *ast.IntegerNode:
		if x, err := ParseNumber(v.GetToken().Value); err == nil {
			return x, nil
		}
		switch x := v.Value.(type) { // hexadecimal, octal
		case int64:
			return ParseNumber(strconv.FormatInt(x, 10))
		case uint64:
			return ParseNumber(strconv.FormatUint(x, 10))
		}
	case *ast.FloatNode:
		if x, err := ParseNumber(v.GetToken().Value); err == nil {
			return x, nil
		}
	case *ast.StringNode:
		// The YAML parser leaves integers beyond 64 bits as plain strings.
		if v.Token.Type == token.StringType {
			if x, err := ParseNumber(v.Value); err == nil {
				return x, nil
			}
		}
	}
	return Number{}, p.errorf(n, "%s must be a finite number", what)
}

func (p *contractParser) integer(n ast.Node, what string) (int64, error) {
	if v, ok := yamlx.Unwrap(n).(*ast.IntegerNode); ok {
		switch x := v.Value.(type) {
		case int64:
			return x, nil
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), nil
			}
		}
	}
	return 0, p.errorf(n, "%s must be an integer", what)
}

func (p *contractParser) boolean(n ast.Node, what string) (bool, error) {
	if v, ok := yamlx.Unwrap(n).(*ast.BoolNode); ok {
		return v.Value, nil
	}
	return false, p.errorf(n, "%s must be true or false", what)
}

func (p *contractParser) sequence(n ast.Node, what string) ([]ast.Node, error) {
	s, ok := yamlx.Unwrap(n).(*ast.SequenceNode)
	if !ok {
		return nil, p.errorf(n, "%s must be a list", what)
	}
	return s.Values, nil
}

func (p *contractParser) severity(n ast.Node) (evidence.Severity, error) {
	s, err := p.str(n, "severity")
	if err != nil {
		return "", err
	}
	switch evidence.Severity(s) {
	case evidence.SeverityError, evidence.SeverityWarn:
		return evidence.Severity(s), nil
	}
	return "", p.errorf(n, "severity %q: want error or warn", s)
}

func (p *contractParser) mostly(n ast.Node) (float64, error) {
	m, err := p.number(n, "mostly")
	if err != nil {
		return 0, err
	}
	if m <= 0 || m > 1 {
		return 0, p.errorf(n, "mostly %v: want a fraction in (0, 1]", m)
	}
	return m, nil
}

// maxFailures reads a bound on failing rows: 5 (rows), "1%" (at most) or
// "<1%" (less than).
func (p *contractParser) maxFailures(n ast.Node) (*MaxFailures, error) {
	if v, ok := yamlx.Unwrap(n).(*ast.IntegerNode); ok {
		rows, err := p.integer(v, "max_failures")
		if err == nil && rows < 0 {
			err = p.errorf(n, "max_failures must not be negative")
		}
		return &MaxFailures{Rows: rows}, err
	}
	s, err := p.str(n, "max_failures")
	if err != nil {
		return nil, err
	}
	m := &MaxFailures{IsPercent: true}
	t := strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(t, "<"); ok {
		m.Strict, t = true, strings.TrimSpace(rest)
	}
	num, ok := strings.CutSuffix(t, "%")
	f, perr := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || perr != nil || f < 0 || f > 100 {
		return nil, p.errorf(n, "max_failures %q: want a number of rows, a percentage such as \"1%%\", or \"<1%%\"", s)
	}
	m.Percent = f
	return m, nil
}

// filter reads a row filter; a syntax error points at its character.
func (p *contractParser) filter(n ast.Node, what string) (*Filter, error) {
	s, err := p.str(n, what)
	if err != nil {
		return nil, err
	}
	f, err := ParseFilter(s)
	if err != nil {
		return nil, p.errorf(n, "%s %q: %v", what, s, err)
	}
	return f, nil
}

// rule reads a rule written either as its value or as a mapping
// {value: ..., severity: ..., mostly: ...}.
func rule[T any](p *contractParser, e entry, read func(ast.Node) (T, error)) (*Rule[T], error) {
	r := &Rule[T]{Pos: pos(e.keyN)}
	valueN := e.value
	if m, ok := yamlx.Unwrap(e.value).(*ast.MappingNode); ok {
		entries, err := p.mapping(m, e.key, []string{"value", "severity", "mostly", "max_failures", "where"})
		if err != nil {
			return nil, err
		}
		valueN = nil
		for _, se := range entries {
			switch se.key {
			case "value":
				valueN = se.value
			case "severity":
				if r.Severity, err = p.severity(se.value); err != nil {
					return nil, err
				}
			case "mostly":
				if r.Mostly, err = p.mostly(se.value); err != nil {
					return nil, err
				}
			case "max_failures":
				if r.MaxFailures, err = p.maxFailures(se.value); err != nil {
					return nil, err
				}
			case "where":
				if r.Where, err = p.filter(se.value, e.key+".where"); err != nil {
					return nil, err
				}
			}
		}
		if valueN == nil {
			return nil, p.errorf(e.keyN, "%s: the mapping form needs a value key", e.key)
		}
	}
	v, err := read(valueN)
	if err != nil {
		return nil, err
	}
	r.Value = v
	return r, nil
}

func (p *contractParser) document(body ast.Node, c *Contract) error {
	entries, err := p.mapping(body, "contract", []string{"apiVersion", "kind", "metadata", "where", "dataset", "columns"})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.key] = true
		switch e.key {
		case "apiVersion":
			v, err := p.str(e.value, "apiVersion")
			if err != nil {
				return err
			}
			if v != APIVersion {
				return p.errorf(e.value, "apiVersion %q is not supported (want %s)", v, APIVersion)
			}
		case "kind":
			v, err := p.str(e.value, "kind")
			if err != nil {
				return err
			}
			if v != Kind {
				return p.errorf(e.value, "kind %q: want %s", v, Kind)
			}
		case "metadata":
			md, err := p.mapping(e.value, "metadata", []string{"name", "description", "owner"})
			if err != nil {
				return err
			}
			for _, m := range md {
				s, err := p.str(m.value, "metadata."+m.key)
				if err != nil {
					return err
				}
				if m.key == "name" {
					c.Name = s
				}
			}
		case "where":
			if c.Where, err = p.filter(e.value, "where"); err != nil {
				return err
			}
		case "dataset":
			if err := p.dataset(e.value, &c.Dataset); err != nil {
				return err
			}
		case "columns":
			items, err := p.sequence(e.value, "columns")
			if err != nil {
				return err
			}
			for _, it := range items {
				col, err := p.column(it)
				if err != nil {
					return err
				}
				if prev := c.Column(col.Name); prev != nil {
					return p.errorf(it, "column %q is defined twice (first at line %d)", col.Name, prev.Pos.Line)
				}
				c.Columns = append(c.Columns, col)
			}
		}
	}
	for _, k := range []string{"apiVersion", "kind"} {
		if !have[k] {
			return p.errorf(body, "missing %s (want %s: %s)", k, k, map[string]string{"apiVersion": APIVersion, "kind": Kind}[k])
		}
	}
	for _, name := range c.Dataset.Keys {
		if c.Column(name) == nil {
			return &Error{File: p.file, Pos: c.Dataset.keysPos, Msg: fmt.Sprintf("dataset.keys: column %q is not in the contract's columns", name)}
		}
	}
	for _, key := range c.Dataset.Unique {
		for _, name := range key.Value {
			if c.Column(name) == nil {
				return &Error{File: p.file, Pos: key.Pos, Msg: fmt.Sprintf("dataset.unique: column %q is not in the contract's columns", name)}
			}
		}
	}
	return nil
}

func (p *contractParser) dataset(n ast.Node, d *Dataset) error {
	entries, err := p.mapping(n, "dataset", []string{"rows", "strict", "unique", "keys"})
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.key {
		case "rows":
			rows, err := p.mapping(e.value, "dataset.rows", []string{"min", "max"})
			if err != nil {
				return err
			}
			for _, r := range rows {
				rr, err := rule(p, r, func(n ast.Node) (int64, error) {
					v, err := p.integer(n, "dataset.rows."+r.key)
					if err == nil && v < 0 {
						err = p.errorf(n, "dataset.rows.%s must not be negative", r.key)
					}
					return v, err
				})
				if err != nil {
					return err
				}
				if r.key == "min" {
					d.MinRows = rr
				} else {
					d.MaxRows = rr
				}
			}
			if d.MinRows != nil && d.MaxRows != nil && d.MinRows.Value > d.MaxRows.Value {
				return &Error{File: p.file, Pos: d.MaxRows.Pos, Msg: fmt.Sprintf("dataset.rows: min %d is greater than max %d", d.MinRows.Value, d.MaxRows.Value)}
			}
		case "keys":
			items, err := p.sequence(e.value, "dataset.keys")
			if err != nil {
				return err
			}
			for _, it := range items {
				name, err := p.str(it, "a key column")
				if err != nil {
					return err
				}
				d.Keys = append(d.Keys, name)
			}
			if len(d.Keys) == 0 {
				return p.errorf(e.value, "dataset.keys needs at least one column")
			}
			d.keysPos = pos(e.keyN)
		case "strict":
			if d.Strict, err = rule(p, e, func(n ast.Node) (bool, error) { return p.boolean(n, "dataset.strict") }); err != nil {
				return err
			}
			if d.Strict.Where != nil {
				return &Error{File: p.file, Pos: d.Strict.Pos, Msg: "dataset.strict: a row filter does not apply to the columns of the files"}
			}
		case "unique":
			items, err := p.sequence(e.value, "dataset.unique")
			if err != nil {
				return err
			}
			for _, it := range items {
				key, err := rule(p, entry{key: "unique", keyN: it, value: it}, func(n ast.Node) ([]string, error) {
					cols, err := p.sequence(n, "a dataset.unique key")
					if err != nil {
						return nil, err
					}
					var names []string
					for _, cn := range cols {
						s, err := p.str(cn, "a key column")
						if err != nil {
							return nil, err
						}
						names = append(names, s)
					}
					if len(names) == 0 {
						return nil, p.errorf(n, "a dataset.unique key needs at least one column")
					}
					return names, nil
				})
				if err != nil {
					return err
				}
				d.Unique = append(d.Unique, key)
			}
		}
	}
	return nil
}

var columnKeys = []string{
	"name", "type", "description", "nullable", "max_null_fraction", "min", "max",
	"allowed", "pattern", "unique", "min_length", "max_length", "missing", "freshness", "severity", "mostly",
}

func (p *contractParser) column(n ast.Node) (*Column, error) {
	entries, err := p.mapping(n, "column", columnKeys)
	if err != nil {
		return nil, err
	}
	col := &Column{Pos: pos(n)}
	for _, e := range entries {
		if e.key != "name" {
			continue
		}
		if col.Name, err = p.str(e.value, "column name"); err != nil {
			return nil, err
		}
		col.Pos = pos(e.keyN)
	}
	if col.Name == "" {
		return nil, p.errorf(n, "a column needs a name")
	}
	what := func(key string) string { return fmt.Sprintf("column %q: %s", col.Name, key) }
	nonNegInt := func(key string) func(ast.Node) (int64, error) {
		return func(n ast.Node) (int64, error) {
			v, err := p.integer(n, what(key))
			if err == nil && v < 0 {
				err = p.errorf(n, "%s must not be negative", what(key))
			}
			return v, err
		}
	}
	num := func(key string) func(ast.Node) (Number, error) {
		return func(n ast.Node) (Number, error) { return p.exact(n, what(key)) }
	}
	for _, e := range entries {
		switch e.key {
		case "type":
			col.Type, err = rule(p, e, func(n ast.Node) (TypeSpec, error) {
				s, err := p.str(n, what("type"))
				if err != nil {
					return TypeSpec{}, err
				}
				t, err := ParseType(s)
				if err != nil {
					return TypeSpec{}, p.errorf(n, "%s", err)
				}
				return t, nil
			})
		case "description":
			col.Description, err = p.str(e.value, what("description"))
		case "severity":
			col.Default.Severity, err = p.severity(e.value)
		case "mostly":
			col.Default.Mostly, err = p.mostly(e.value)
		case "nullable":
			col.Nullable, err = rule(p, e, func(n ast.Node) (bool, error) { return p.boolean(n, what("nullable")) })
		case "unique":
			col.Unique, err = rule(p, e, func(n ast.Node) (bool, error) { return p.boolean(n, what("unique")) })
		case "max_null_fraction":
			col.MaxNullFraction, err = rule(p, e, func(n ast.Node) (float64, error) {
				v, err := p.number(n, what("max_null_fraction"))
				if err == nil && (v < 0 || v > 1) {
					err = p.errorf(n, "%s %v: want a fraction in [0, 1]", what("max_null_fraction"), v)
				}
				return v, err
			})
		case "min":
			col.Min, err = rule(p, e, num("min"))
		case "max":
			col.Max, err = rule(p, e, num("max"))
		case "min_length":
			col.MinLength, err = rule(p, e, nonNegInt("min_length"))
		case "max_length":
			col.MaxLength, err = rule(p, e, nonNegInt("max_length"))
		case "pattern":
			col.Pattern, err = rule(p, e, func(n ast.Node) (string, error) {
				s, err := p.str(n, what("pattern"))
				if err != nil {
					return "", err
				}
				if _, rerr := regexp.Compile(s); rerr != nil {
					return "", p.errorf(n, "%s is not a valid RE2 regular expression: %v", what("pattern"), rerr)
				}
				return s, nil
			})
		case "freshness":
			col.Freshness, err = rule(p, e, func(n ast.Node) (time.Duration, error) {
				s, err := p.str(n, what("freshness"))
				if err != nil {
					return 0, err
				}
				d, err := ParseAge(s)
				if err != nil {
					return 0, p.errorf(n, "%s: %v", what("freshness"), err)
				}
				return d, nil
			})
			if err == nil && (col.Freshness.Mostly > 0 || col.Freshness.MaxFailures != nil) {
				err = p.errorf(e.keyN, "%s: freshness is about the newest value and takes no mostly or max_failures", what("freshness"))
			}
		case "missing":
			col.Missing, err = rule(p, e, func(n ast.Node) (Missing, error) {
				items, err := p.sequence(n, what("missing"))
				if err != nil {
					return Missing{}, err
				}
				var m Missing
				for _, it := range items {
					if _, null := yamlx.Unwrap(it).(*ast.NullNode); null {
						m.Nulls = true
						continue
					}
					s, err := p.str(it, what("missing")+" value")
					if err != nil {
						return Missing{}, err
					}
					m.Values = append(m.Values, s)
				}
				if len(items) == 0 {
					return Missing{}, p.errorf(n, "%s must list at least one value (null for nulls)", what("missing"))
				}
				return m, nil
			})
		case "allowed":
			col.Allowed, err = rule(p, e, func(n ast.Node) ([]string, error) {
				items, err := p.sequence(n, what("allowed"))
				if err != nil {
					return nil, err
				}
				if len(items) == 0 {
					return nil, p.errorf(n, "%s must list at least one value", what("allowed"))
				}
				var vals []string
				for _, it := range items {
					s, err := p.str(it, what("allowed")+" value")
					if err != nil {
						return nil, err
					}
					vals = append(vals, s)
				}
				return vals, nil
			})
		}
		if err != nil {
			return nil, err
		}
	}
	return col, p.checkColumn(col)
}

// checkColumn rejects rules that contradict each other or the column type.
func (p *contractParser) checkColumn(col *Column) error {
	errAt := func(at Pos, format string, args ...any) error {
		return &Error{File: p.file, Pos: at, Msg: fmt.Sprintf("column %q: ", col.Name) + fmt.Sprintf(format, args...)}
	}
	if col.Min != nil && col.Max != nil && col.Min.Value.Cmp(col.Max.Value) > 0 {
		return errAt(col.Max.Pos, "min %v is greater than max %v", col.Min.Value, col.Max.Value)
	}
	if col.MinLength != nil && col.MaxLength != nil && col.MinLength.Value > col.MaxLength.Value {
		return errAt(col.MaxLength.Pos, "min_length %d is greater than max_length %d", col.MinLength.Value, col.MaxLength.Value)
	}
	if col.Nullable != nil && !col.Nullable.Value && col.MaxNullFraction != nil && col.MaxNullFraction.Value > 0 {
		return errAt(col.MaxNullFraction.Pos, "max_null_fraction is set but nullable is false")
	}
	if col.Type == nil {
		return nil
	}
	if col.Type.Where != nil {
		return errAt(col.Type.Pos, "a row filter does not apply to a type")
	}
	t := col.Type.Value
	if !t.numeric() {
		for _, r := range []*Rule[Number]{col.Min, col.Max} {
			if r != nil {
				return errAt(r.Pos, "min and max apply to numeric types, not %s", t)
			}
		}
	}
	if !t.textual() {
		if col.Pattern != nil {
			return errAt(col.Pattern.Pos, "pattern applies to string and binary types, not %s", t)
		}
		for _, r := range []*Rule[int64]{col.MinLength, col.MaxLength} {
			if r != nil {
				return errAt(r.Pos, "min_length and max_length apply to string and binary types, not %s", t)
			}
		}
	}
	if col.Freshness != nil && !t.Name.IsTemporal() || col.Freshness != nil && t.Name == "time" {
		return errAt(col.Freshness.Pos, "freshness applies to date and timestamp columns, not %s", t)
	}
	if t.Name.IsGroup() {
		if col.Allowed != nil || col.Unique != nil {
			return errAt(col.Type.Pos, "allowed and unique do not apply to %s columns; constrain their leaf fields by dotted path", t)
		}
	}
	if col.Allowed != nil && t.numeric() {
		float := t.Name.IsFloat() || t.Family == "number"
		for _, v := range col.Allowed.Value {
			if _, err := ParseNumber(v); err != nil && !(float && isSpecialFloat(v)) {
				return errAt(col.Allowed.Pos, "allowed value %q is not a number but the column is %s", v, t)
			}
		}
	}
	return nil
}
