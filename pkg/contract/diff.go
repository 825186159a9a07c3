package contract

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Change is one difference between two contracts, judged from the data's
// consumers' side: a change is breaking when data valid under the new
// contract may violate a guarantee the old one gave (a column gone, a type
// changed, a range or value list widened, nulls or duplicates newly
// allowed, a rule weakened). Tightening is compatible.
type Change struct {
	// Path names the rule, e.g. "column.amount.max" or "dataset.strict".
	Path string
	// Kind is removed, added, renamed, changed, widened, narrowed, relaxed or tightened.
	Kind     string
	Breaking bool
	Message  string
	// Pos is the rule's place in the new contract (the old one for removals).
	Pos  Pos
	File string
}

// Diff lists every change from old to new, in contract order.
func Diff(old, new *Contract) []Change {
	d := &differ{old: old, new: new}
	d.whereChange("", old.Where, new.Where, Pos{1, 1}, new.Dataset.MinRows != nil)
	d.dataset()
	var removed, added []*Column
	for _, oc := range old.Columns {
		nc := new.Column(oc.Name)
		if nc == nil {
			removed = append(removed, oc)
			continue
		}
		d.column(oc, nc)
	}
	for _, nc := range new.Columns {
		if old.Column(nc.Name) == nil {
			added = append(added, nc)
		}
	}
	for _, oc := range removed {
		if nc := renameOf(oc, added); nc != nil {
			added = slices.DeleteFunc(added, func(c *Column) bool { return c == nc })
			d.add("column."+oc.Name, "renamed", true, nc.Pos, new.File,
				fmt.Sprintf("column %q was renamed to %q: consumers reading %q break", oc.Name, nc.Name, oc.Name))
			continue
		}
		d.add("column."+oc.Name, "removed", true, oc.Pos, old.File, fmt.Sprintf("column %q was removed", oc.Name))
	}
	for _, nc := range added {
		d.add("column."+nc.Name, "added", false, nc.Pos, new.File, fmt.Sprintf("column %q was added", nc.Name))
	}
	return d.changes
}

// renameOf guesses that a removed column was renamed when exactly one added
// column has the same type and rules.
func renameOf(oc *Column, added []*Column) *Column {
	var match *Column
	for _, nc := range added {
		if sameRules(oc, nc) {
			if match != nil {
				return nil
			}
			match = nc
		}
	}
	return match
}

func sameRules(a, b *Column) bool {
	x, y := *a, *b
	x.Name, y.Name, x.Description, y.Description = "", "", "", ""
	return string(Marshal(&Contract{Columns: []*Column{&x}})) == string(Marshal(&Contract{Columns: []*Column{&y}}))
}

type differ struct {
	old, new *Contract
	changes  []Change
}

func (d *differ) add(path, kind string, breaking bool, at Pos, file, msg string) {
	d.changes = append(d.changes, Change{Path: path, Kind: kind, Breaking: breaking, Message: msg, Pos: at, File: file})
}

// ruleChange compares one optional rule. looser(o, n) reports whether the
// new value accepts more data than the old; equal values are no change.
func ruleChange[T any](d *differ, path string, o, n *Rule[T], colDefaults [2]RuleDefaults, show func(T) string, equal func(a, b T) bool, looser func(o, n T) bool) {
	switch {
	case o == nil && n == nil:
		return
	case o == nil:
		d.add(path, "added", false, n.Pos, d.new.File, fmt.Sprintf("%s %s was added", path, show(n.Value)))
		return
	case n == nil:
		d.add(path, "removed", true, o.Pos, d.old.File, fmt.Sprintf("%s %s was removed: the guarantee is gone", path, show(o.Value)))
		return
	}
	if !equal(o.Value, n.Value) {
		if looser(o.Value, n.Value) {
			d.add(path, "widened", true, n.Pos, d.new.File, fmt.Sprintf("%s widened from %s to %s", path, show(o.Value), show(n.Value)))
		} else {
			d.add(path, "narrowed", false, n.Pos, d.new.File, fmt.Sprintf("%s narrowed from %s to %s", path, show(o.Value), show(n.Value)))
		}
	}
	os, ns := severityOf(o.Severity, colDefaults[0].Severity), severityOf(n.Severity, colDefaults[1].Severity)
	if os != ns {
		weaker := ns == evidence.SeverityWarn
		d.add(path+".severity", map[bool]string{true: "relaxed", false: "tightened"}[weaker], weaker, n.Pos, d.new.File,
			fmt.Sprintf("%s severity changed from %s to %s", path, os, ns))
	}
	om, nm := mostlyOf(o.Mostly, colDefaults[0].Mostly), mostlyOf(n.Mostly, colDefaults[1].Mostly)
	if om != nm {
		weaker := nm < om
		d.add(path+".mostly", map[bool]string{true: "relaxed", false: "tightened"}[weaker], weaker, n.Pos, d.new.File,
			fmt.Sprintf("%s mostly changed from %s to %s", path, num(om), num(nm)))
	}
	if om, nm := o.MaxFailures, n.MaxFailures; !sameMaxFailures(om, nm) {
		weaker := looserMaxFailures(om, nm)
		show := func(m *MaxFailures) string {
			if m == nil {
				return "none"
			}
			return m.String()
		}
		d.add(path+".max_failures", map[bool]string{true: "relaxed", false: "tightened"}[weaker], weaker, n.Pos, d.new.File,
			fmt.Sprintf("%s max_failures changed from %s to %s", path, show(om), show(nm)))
	}
	d.whereChange(path, o.Where, n.Where, n.Pos, path == "dataset.rows.min")
}

// whereChange compares a row filter. A rule that drops its filter now
// holds on every row: tighter, except a minimum row count, which a filter
// makes harder to meet. Whether one predicate implies another is not
// decided, so any other change is breaking.
func (d *differ) whereChange(path string, o, n *Filter, at Pos, countsRows bool) {
	ow, nw := o.text(), n.text()
	if ow == nw {
		return
	}
	tighter := nw == "" && !countsRows || ow == "" && countsRows
	show := func(s string) string {
		if s == "" {
			return "none"
		}
		return fmt.Sprintf("%q", s)
	}
	d.add(strings.TrimPrefix(path+".where", "."), map[bool]string{false: "relaxed", true: "tightened"}[tighter], !tighter, at, d.new.File,
		fmt.Sprintf("%s changed from %s to %s", strings.TrimPrefix(path+" where", " "), show(ow), show(nw)))
}

func sameMaxFailures(a, b *MaxFailures) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// looserMaxFailures reports whether n may allow more failures than o. A
// bound in rows against one in percent cannot be compared without the data,
// so it counts as looser: the consumer's guarantee is no longer provable.
func looserMaxFailures(o, n *MaxFailures) bool {
	switch {
	case n == nil:
		return false
	case o == nil:
		return true
	case o.IsPercent != n.IsPercent:
		return true
	case !n.IsPercent:
		return n.Rows > o.Rows
	}
	return n.Percent > o.Percent || n.Percent == o.Percent && o.Strict && !n.Strict
}

func eq[T comparable](a, b T) bool { return a == b }

func (d *differ) dataset() {
	o, n := d.old.Dataset, d.new.Dataset
	none := [2]RuleDefaults{}
	itoa := func(v int64) string { return fmt.Sprint(v) }
	ruleChange(d, "dataset.rows.min", o.MinRows, n.MinRows, none, itoa, eq[int64], func(o, n int64) bool { return n < o })
	ruleChange(d, "dataset.rows.max", o.MaxRows, n.MaxRows, none, itoa, eq[int64], func(o, n int64) bool { return n > o })
	strict := func(r *Rule[bool]) *Rule[bool] {
		if r == nil || !r.Value {
			return nil
		}
		return r
	}
	ruleChange(d, "dataset.strict", strict(o.Strict), strict(n.Strict), none, func(bool) string { return "true" }, eq[bool], func(bool, bool) bool { return false })
	keyOf := func(r *Rule[[]string]) string { return strings.Join(r.Value, ",") }
	for _, ok := range o.Unique {
		var match *Rule[[]string]
		for _, nk := range n.Unique {
			if keyOf(nk) == keyOf(ok) {
				match = nk
			}
		}
		path := "dataset.unique." + keyOf(ok)
		ruleChange(d, path, ok, match, none, func(v []string) string { return "[" + strings.Join(v, ", ") + "]" }, slices.Equal[[]string], func(_, _ []string) bool { return false })
	}
	for _, nk := range n.Unique {
		found := false
		for _, ok := range o.Unique {
			found = found || keyOf(ok) == keyOf(nk)
		}
		if !found {
			d.add("dataset.unique."+keyOf(nk), "added", false, nk.Pos, d.new.File, fmt.Sprintf("unique key [%s] was added", strings.Join(nk.Value, ", ")))
		}
	}
}

func (d *differ) column(o, n *Column) {
	p := "column." + o.Name + "."
	defs := [2]RuleDefaults{o.Default, n.Default}
	d.columnType(p+"type", o.Type, n.Type)
	// nullable: false is the guarantee; true or absent allows nulls.
	notNull := func(r *Rule[bool]) *Rule[bool] {
		if r == nil || r.Value {
			return nil
		}
		return r
	}
	ruleChange(d, p+"nullable", notNull(o.Nullable), notNull(n.Nullable), defs, func(bool) string { return "false" }, eq[bool], func(bool, bool) bool { return false })
	ruleChange(d, p+"max_null_fraction", o.MaxNullFraction, n.MaxNullFraction, defs, num, eq[float64], func(o, n float64) bool { return n > o })
	sameNumber := func(a, b Number) bool { return a.Cmp(b) == 0 }
	ruleChange(d, p+"min", o.Min, n.Min, defs, yamlExact, sameNumber, func(o, n Number) bool { return n.Cmp(o) < 0 })
	ruleChange(d, p+"max", o.Max, n.Max, defs, yamlExact, sameNumber, func(o, n Number) bool { return n.Cmp(o) > 0 })
	ruleChange(d, p+"allowed", o.Allowed, n.Allowed, defs, yamlList, func(a, b []string) bool { return setEqual(a, b) },
		func(o, n []string) bool { return !subset(n, o) })
	ruleChange(d, p+"missing", o.Missing, n.Missing, defs, Missing.String, func(a, b Missing) bool { return a.Nulls == b.Nulls && setEqual(a.Values, b.Values) },
		func(o, n Missing) bool { return o.Nulls && !n.Nulls || !subset(o.Values, n.Values) })
	ruleChange(d, p+"freshness", o.Freshness, n.Freshness, defs, FormatAge, eq[time.Duration], func(o, n time.Duration) bool { return n > o })
	ruleChange(d, p+"pattern", o.Pattern, n.Pattern, defs, yamlString, eq[string], func(string, string) bool { return true })
	ruleChange(d, p+"min_length", o.MinLength, n.MinLength, defs, func(v int64) string { return fmt.Sprint(v) }, eq[int64], func(o, n int64) bool { return n < o })
	ruleChange(d, p+"max_length", o.MaxLength, n.MaxLength, defs, func(v int64) string { return fmt.Sprint(v) }, eq[int64], func(o, n int64) bool { return n > o })
	unique := func(r *Rule[bool]) *Rule[bool] {
		if r == nil || !r.Value {
			return nil
		}
		return r
	}
	ruleChange(d, p+"unique", unique(o.Unique), unique(n.Unique), defs, func(bool) string { return "true" }, eq[bool], func(bool, bool) bool { return false })
}

// columnType: any change of the type name or of a pinned parameter is
// breaking; pinning a parameter the old contract left open is compatible.
func (d *differ) columnType(path string, o, n *Rule[TypeSpec]) {
	switch {
	case o == nil && n == nil:
		return
	case o == nil:
		d.add(path, "added", false, n.Pos, d.new.File, fmt.Sprintf("%s %s was added", path, n.Value))
		return
	case n == nil:
		d.add(path, "removed", true, o.Pos, d.old.File, fmt.Sprintf("%s %s was removed: any type is now allowed", path, o.Value))
		return
	}
	ot, nt := o.Value, n.Value
	if ot == nt {
		return
	}
	pins := ot.Name == nt.Name &&
		(ot.Unit == "" || ot.Unit == nt.Unit) &&
		(!ot.HasUTC || (nt.HasUTC && ot.UTC == nt.UTC)) &&
		(ot.Precision == 0 || (ot.Precision == nt.Precision && ot.Scale == nt.Scale))
	if pins {
		d.add(path, "narrowed", false, n.Pos, d.new.File, fmt.Sprintf("%s narrowed from %s to %s", path, ot, nt))
		return
	}
	d.add(path, "changed", true, n.Pos, d.new.File, fmt.Sprintf("%s changed from %s to %s", path, ot, nt))
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func setEqual(a, b []string) bool { return subset(a, b) && subset(b, a) }
