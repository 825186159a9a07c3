package contract

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/actions"
)

// Marshal writes a contract as YAML that Parse reads back, in the layout a
// person would write: header, dataset rules, then one block per column.
// Per-rule severity and mostly are written in the mapping form.
func Marshal(c *Contract) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\n", APIVersion, Kind)
	if c.Name != "" {
		fmt.Fprintf(&b, "metadata:\n  name: %s\n", yamlString(c.Name))
	}
	if c.Where != nil {
		fmt.Fprintf(&b, "where: %s\n", yamlString(c.Where.Text))
	}
	d := c.Dataset
	if d.MinRows != nil || d.MaxRows != nil || d.Strict != nil || len(d.Unique) > 0 || len(d.Keys) > 0 {
		b.WriteString("dataset:\n")
		if d.MinRows != nil || d.MaxRows != nil {
			b.WriteString("  rows:\n")
			writeRule(&b, "    ", "min", d.MinRows, func(v int64) string { return strconv.FormatInt(v, 10) })
			writeRule(&b, "    ", "max", d.MaxRows, func(v int64) string { return strconv.FormatInt(v, 10) })
		}
		writeRule(&b, "  ", "strict", d.Strict, strconv.FormatBool)
		if len(d.Keys) > 0 {
			fmt.Fprintf(&b, "  keys: %s\n", yamlList(d.Keys))
		}
		if len(d.Unique) > 0 {
			b.WriteString("  unique:\n")
			for _, k := range d.Unique {
				if k.Where != nil {
					fmt.Fprintf(&b, "    - {value: %s, where: %s}\n", yamlList(k.Value), yamlString(k.Where.Text))
					continue
				}
				fmt.Fprintf(&b, "    - %s\n", yamlList(k.Value))
			}
		}
	}
	if len(c.Columns) == 0 {
		b.WriteString("columns: []\n")
		return []byte(b.String())
	}
	b.WriteString("columns:\n")
	for _, col := range c.Columns {
		fmt.Fprintf(&b, "  - name: %s\n", yamlString(col.Name))
		const in = "    "
		writeRule(&b, in, "type", col.Type, func(t TypeSpec) string { return yamlString(t.String()) })
		if col.Description != "" {
			fmt.Fprintf(&b, "%sdescription: %s\n", in, yamlString(col.Description))
		}
		if col.Default.Severity != "" {
			fmt.Fprintf(&b, "%sseverity: %s\n", in, col.Default.Severity)
		}
		if col.Default.Mostly > 0 {
			fmt.Fprintf(&b, "%smostly: %s\n", in, yamlNumber(col.Default.Mostly))
		}
		writeRule(&b, in, "nullable", col.Nullable, strconv.FormatBool)
		writeRule(&b, in, "max_null_fraction", col.MaxNullFraction, yamlNumber)
		writeRule(&b, in, "min", col.Min, yamlExact)
		writeRule(&b, in, "max", col.Max, yamlExact)
		writeRule(&b, in, "allowed", col.Allowed, yamlList)
		writeRule(&b, in, "pattern", col.Pattern, yamlString)
		writeRule(&b, in, "missing", col.Missing, Missing.String)
		writeRule(&b, in, "freshness", col.Freshness, FormatAge)
		writeRule(&b, in, "min_length", col.MinLength, func(v int64) string { return strconv.FormatInt(v, 10) })
		writeRule(&b, in, "max_length", col.MaxLength, func(v int64) string { return strconv.FormatInt(v, 10) })
		writeRule(&b, in, "unique", col.Unique, strconv.FormatBool)
	}
	return []byte(b.String())
}

// yamlNumber formats a number so YAML reads it back as one: integers in
// full, others with a mantissa dot before any exponent ("1.5e+20").
func yamlNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if mant, exp, ok := strings.Cut(s, "e"); ok && !strings.Contains(mant, ".") {
		s = mant + ".0e" + exp
	}
	return s
}

func writeRule[T any](b *strings.Builder, indent, key string, r *Rule[T], format func(T) string) {
	if r == nil {
		return
	}
	if r.Severity == "" && r.Mostly == 0 && r.MaxFailures == nil && r.Where == nil {
		fmt.Fprintf(b, "%s%s: %s\n", indent, key, format(r.Value))
		return
	}
	fmt.Fprintf(b, "%s%s: {value: %s", indent, key, format(r.Value))
	if r.Severity != "" {
		fmt.Fprintf(b, ", severity: %s", r.Severity)
	}
	if r.Mostly > 0 {
		fmt.Fprintf(b, ", mostly: %s", yamlNumber(r.Mostly))
	}
	if m := r.MaxFailures; m != nil {
		if m.IsPercent {
			fmt.Fprintf(b, ", max_failures: %q", m.String())
		} else {
			fmt.Fprintf(b, ", max_failures: %s", m.String())
		}
	}
	if r.Where != nil {
		fmt.Fprintf(b, ", where: %s", yamlString(r.Where.Text))
	}
	b.WriteString("}\n")
}

// plainScalar matches strings YAML reads back as the same string unquoted.
var plainScalar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yamlString quotes a string unless it is a plain word that YAML would not
// read as another type (true, null, numbers...).
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return strconv.Quote(s)
	}
	if plainScalar.MatchString(s) {
		return s
	}
	return runnerNeutral(strconv.Quote(s))
}

// runnerNeutral keeps a quoted string's value and spells no workflow command
// in its bytes, so a contract printed into a CI log is still the contract:
// "[" after "##" and every character the runner's matching looks through
// (strconv.Quote keeps some, e.g. variation selectors) become escapes.
func runnerNeutral(quoted string) string {
	if !strings.Contains(quoted, "##[") && !strings.ContainsFunc(quoted, actions.Ignorable) {
		return quoted
	}
	var b strings.Builder
	hashes := 0
	for _, r := range quoted {
		switch {
		case r == '[' && hashes >= 2:
			b.WriteString(`\x5b`)
		case actions.Ignorable(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case actions.Ignorable(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		if r == '#' {
			hashes++
		} else {
			hashes = 0
		}
	}
	return b.String()
}

func yamlList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = yamlString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
