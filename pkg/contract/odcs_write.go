package contract

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// ODCSVersion is the ODCS release MarshalODCS writes.
const ODCSVersion = "v3.1.0"

// MarshalODCS writes a contract as an ODCS v3.1.0 document with one schema
// object, and lists what ODCS cannot say (a strict column set, the severity
// of a bound) so that a conversion never loses a rule in silence.
func MarshalODCS(c *Contract) (out []byte, lost []string) {
	var b strings.Builder
	name := c.Object
	if name == "" {
		name = c.Name
	}
	if name == "" {
		name = "data"
	}
	fmt.Fprintf(&b, "apiVersion: %s\nkind: DataContract\nid: %s\nversion: 1.0.0\nstatus: active\n", ODCSVersion, yamlString(name))
	if c.Name != "" && c.Name != name {
		fmt.Fprintf(&b, "name: %s\n", yamlString(c.Name))
	}
	fmt.Fprintf(&b, "schema:\n  - name: %s\n", yamlString(name))
	if c.Where != nil {
		writeList(&b, "    ", "customProperties", []string{whereProperty(c.Where)})
	}
	var quality []string
	d := c.Dataset
	if d.MinRows != nil {
		quality = append(quality, withWhere(odcsQuality("rowCount", "mustBeGreaterOrEqualTo", strconv.FormatInt(d.MinRows.Value, 10), "", d.MinRows.Severity, nil), d.MinRows.Where))
	}
	if d.MaxRows != nil {
		quality = append(quality, withWhere(odcsQuality("rowCount", "mustBeLessOrEqualTo", strconv.FormatInt(d.MaxRows.Value, 10), "", d.MaxRows.Severity, nil), d.MaxRows.Where))
	}
	pk := primaryKey(c)
	for _, k := range d.Unique {
		if len(pk) > 1 && len(k.Value) == len(pk) && strings.Join(k.Value, ",") == strings.Join(pk, ",") && k.Severity == "" && k.Mostly == 0 && k.Where == nil {
			continue // written as the primary key
		}
		quality = append(quality, withWhere(odcsQuality("duplicateValues", "mustBe", "0", "", k.Severity, map[string]string{"properties": yamlList(k.Value)}), k.Where))
	}
	if len(d.Keys) > 0 && pk == nil {
		lost = append(lost, "dataset.keys: ODCS names the columns that identify a row only as a primary key, which also makes them unique and not null")
	}
	if d.Strict != nil && d.Strict.Value {
		lost = append(lost, "dataset.strict: ODCS has no rule refusing columns the contract does not list")
	}
	writeList(&b, "    ", "quality", quality)
	if len(c.Columns) > 0 {
		b.WriteString("    properties:\n")
	}
	for _, col := range c.Columns {
		position := 0
		for i, k := range pk {
			if k == col.Name {
				position = i + 1
			}
		}
		lost = append(lost, writeODCSProperty(&b, col, position, len(pk))...)
	}
	var sla []string
	for _, col := range c.Columns {
		if r := col.Freshness; r != nil {
			value, unit := strconv.FormatFloat(r.Value.Hours(), 'g', -1, 64), "h"
			if r.Value%(24*time.Hour) == 0 {
				value, unit = strconv.FormatInt(int64(r.Value/(24*time.Hour)), 10), "d"
			}
			sla = append(sla, fmt.Sprintf("property: latency\nvalue: %s\nunit: %s\nelement: %s\n", value, unit, yamlString(name+"."+col.Name)))
			if r.Severity == evidence.SeverityWarn || col.Default.Severity == evidence.SeverityWarn {
				lost = append(lost, col.Name+".freshness: ODCS SLA properties have no severity; written as an error")
			}
			if r.Where != nil {
				lost = append(lost, col.Name+".freshness: ODCS SLA properties have no row filter; written for every row")
			}
		}
	}
	writeList(&b, "", "slaProperties", sla)
	for _, s := range c.Skipped {
		lost = append(lost, fmt.Sprintf("%s: not run by mlgate (%s), so not carried over", s.Rule, s.Reason))
	}
	return []byte(b.String()), lost
}

// odcsLogicalOf is the ODCS logical type of a contract type.
func odcsLogicalOf(t TypeSpec) string {
	switch {
	case t.Family != "":
		return t.Family
	case t.Name.IsInteger():
		return "integer"
	case t.Name.IsNumeric():
		return "number"
	case t.Name == parquetx.TypeString, t.Name == parquetx.TypeDate, t.Name == parquetx.TypeTimestamp, t.Name == parquetx.TypeTime, t.Name == parquetx.TypeBoolean:
		return string(t.Name)
	case t.Name == parquetx.TypeStruct:
		return "object"
	case t.Name == parquetx.TypeList:
		return "array"
	}
	return ""
}

// primaryKey is the contract's keys when they are an ODCS primary key: not
// null, and unique together, each with the default severity and no
// tolerance; nil otherwise.
func primaryKey(c *Contract) []string {
	keys := c.Dataset.Keys
	if len(keys) == 0 {
		return nil
	}
	plain := func(sev evidence.Severity, mostly float64, mf *MaxFailures) bool {
		return sev == "" && mostly == 0 && mf == nil
	}
	for _, k := range keys {
		col := c.Column(k)
		if col == nil || col.Nullable == nil || col.Nullable.Value || !plain(col.Nullable.Severity, col.Nullable.Mostly, col.Nullable.MaxFailures) || col.Nullable.Where != nil || col.Default != (RuleDefaults{}) {
			return nil
		}
	}
	if len(keys) == 1 {
		if u := c.Column(keys[0]).Unique; u != nil && u.Value && plain(u.Severity, u.Mostly, u.MaxFailures) && u.Where == nil {
			return keys
		}
		return nil
	}
	for _, u := range c.Dataset.Unique {
		if strings.Join(u.Value, ",") == strings.Join(keys, ",") && plain(u.Severity, u.Mostly, u.MaxFailures) && u.Where == nil {
			return keys
		}
	}
	return nil
}

// writeODCSProperty writes a column; pkPosition > 0 places it in a primary
// key of pkLen columns, which already says not null (and, alone, unique).
func writeODCSProperty(b *strings.Builder, col *Column, pkPosition, pkLen int) (lost []string) {
	const in = "        "
	fmt.Fprintf(b, "      - name: %s\n", yamlString(col.Name))
	if col.Description != "" {
		fmt.Fprintf(b, "%sdescription: %s\n", in, yamlString(col.Description))
	}
	sev := func(s evidence.Severity) evidence.Severity { return severityOf(s, col.Default.Severity) }
	// tolerance is a rule's bound on failures in ODCS terms: the column's
	// mostly and the rule's own settings; nil means none may fail.
	tolerance := func(mostly float64, mf *MaxFailures) *MaxFailures {
		if mf != nil {
			return mf
		}
		if m := mostlyOf(mostly, col.Default.Mostly); m < 1 {
			return &MaxFailures{IsPercent: true, Percent: roundPercent((1 - m) * 100)}
		}
		return nil
	}
	plain := func(s evidence.Severity, mostly float64, mf *MaxFailures) bool {
		return sev(s) == evidence.SeverityError && tolerance(mostly, mf) == nil
	}
	logical := ""
	if col.Type != nil {
		logical = odcsLogicalOf(col.Type.Value)
		if logical != "" {
			fmt.Fprintf(b, "%slogicalType: %s\n", in, logical)
		}
		if !col.Type.Value.IsFamily() {
			fmt.Fprintf(b, "%sphysicalType: %s\n", in, yamlString(col.Type.Value.String()))
		}
		if col.Type.Severity == evidence.SeverityWarn {
			lost = append(lost, col.Name+".type: ODCS types have no severity; written as an error")
		}
	}
	var quality []string
	if pkPosition > 0 {
		fmt.Fprintf(b, "%sprimaryKey: true\n%sprimaryKeyPosition: %d\n", in, in, pkPosition)
	}
	if r := col.Nullable; r != nil && !r.Value && pkPosition == 0 {
		if plain(r.Severity, r.Mostly, r.MaxFailures) && r.Where == nil {
			fmt.Fprintf(b, "%srequired: true\n", in)
		} else {
			quality = append(quality, withWhere(odcsTolerance("nullValues", tolerance(r.Mostly, r.MaxFailures), sev(r.Severity), nil), r.Where))
		}
	}
	if r := col.MaxNullFraction; r != nil {
		quality = append(quality, withWhere(odcsQuality("nullValues", "mustBeLessOrEqualTo", yamlNumber(roundPercent(r.Value*100)), "percent", sev(r.Severity), nil), r.Where))
	}
	if r := col.Unique; r != nil && r.Value && !(pkPosition > 0 && pkLen == 1) {
		if plain(r.Severity, r.Mostly, r.MaxFailures) && r.Where == nil {
			fmt.Fprintf(b, "%sunique: true\n", in)
		} else {
			quality = append(quality, withWhere(odcsQuality("duplicateValues", "mustBe", "0", "", sev(r.Severity), nil), r.Where))
			if tolerance(r.Mostly, r.MaxFailures) != nil {
				lost = append(lost, col.Name+".unique: ODCS duplicateValues with a tolerance is not run by mlgate; written with none")
			}
		}
	}
	if r := col.Allowed; r != nil {
		quality = append(quality, withWhere(odcsTolerance("invalidValues", tolerance(r.Mostly, r.MaxFailures), sev(r.Severity), map[string]string{"validValues": yamlList(r.Value)}), r.Where))
	}
	if r := col.Missing; r != nil {
		quality = append(quality, withWhere(odcsTolerance("missingValues", tolerance(r.Mostly, r.MaxFailures), sev(r.Severity), map[string]string{"missingValues": r.Value.String()}), r.Where))
	}
	var opts []string
	if r := col.Pattern; r != nil {
		if plain(r.Severity, r.Mostly, r.MaxFailures) && logical == "string" && r.Where == nil {
			opts = append(opts, "pattern: "+yamlString(r.Value))
		} else {
			quality = append(quality, withWhere(odcsTolerance("invalidValues", tolerance(r.Mostly, r.MaxFailures), sev(r.Severity), map[string]string{"pattern": yamlString(r.Value)}), r.Where))
		}
	}
	option := func(key string, r interface{ settings() ruleSettings }, value string) {
		s := r.settings()
		opts = append(opts, key+": "+value)
		if !plain(s.severity, s.mostly, s.maxFailures) {
			lost = append(lost, fmt.Sprintf("%s.%s: ODCS logicalTypeOptions have no severity or tolerance; written as an error with none", col.Name, key))
		}
		if s.where != nil {
			lost = append(lost, fmt.Sprintf("%s.%s: ODCS logicalTypeOptions have no row filter; written for every row", col.Name, key))
		}
	}
	numeric := logical == "integer" || logical == "number"
	for key, r := range map[string]*Rule[Number]{"minimum": col.Min, "maximum": col.Max} {
		if r == nil {
			continue
		}
		if !numeric {
			lost = append(lost, fmt.Sprintf("%s.%s: ODCS bounds need logicalType integer or number", col.Name, key))
			continue
		}
		option(key, r, r.Value.Text)
	}
	for key, r := range map[string]*Rule[int64]{"minLength": col.MinLength, "maxLength": col.MaxLength} {
		if r == nil {
			continue
		}
		if logical != "string" {
			lost = append(lost, fmt.Sprintf("%s.%s: ODCS lengths need logicalType string", col.Name, key))
			continue
		}
		option(key, r, strconv.FormatInt(r.Value, 10))
	}
	if len(opts) > 0 {
		sortOptions(opts)
		fmt.Fprintf(b, "%slogicalTypeOptions:\n", in)
		for _, o := range opts {
			fmt.Fprintf(b, "%s  %s\n", in, o)
		}
	}
	writeList(b, in, "quality", quality)
	return lost
}

// sortOptions orders logicalTypeOptions as a person writes them.
func sortOptions(opts []string) {
	rank := map[string]int{"minimum": 0, "maximum": 1, "minLength": 2, "maxLength": 3, "pattern": 4}
	key := func(s string) int { k, _, _ := strings.Cut(s, ":"); return rank[k] }
	for i := 1; i < len(opts); i++ {
		for j := i; j > 0 && key(opts[j]) < key(opts[j-1]); j-- {
			opts[j], opts[j-1] = opts[j-1], opts[j]
		}
	}
}

// roundPercent drops float noise ((1-0.95)*100 is 5.000000000000004).
func roundPercent(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	return v
}

// ruleSettings are a rule's severity and tolerances, whatever its value type.
type ruleSettings struct {
	severity    evidence.Severity
	mostly      float64
	maxFailures *MaxFailures
	where       *Filter
}

func (r *Rule[T]) settings() ruleSettings {
	return ruleSettings{r.Severity, r.Mostly, r.MaxFailures, r.Where}
}

// whereProperty is a row filter as an ODCS custom property, the standard's
// place for what it has no field for: ODCS v3 has no row filter.
func whereProperty(f *Filter) string {
	return "property: where\nvalue: " + yamlString(f.Text) + "\n"
}

// withWhere adds a rule's row filter to an ODCS quality rule.
func withWhere(quality string, f *Filter) string {
	if f == nil {
		return quality
	}
	var b strings.Builder
	b.WriteString(quality)
	writeList(&b, "", "customProperties", []string{whereProperty(f)})
	return b.String()
}

// odcsTolerance writes a library metric bounded by a tolerance.
func odcsTolerance(metric string, m *MaxFailures, sev evidence.Severity, args map[string]string) string {
	switch {
	case m == nil:
		return odcsQuality(metric, "mustBe", "0", "", sev, args)
	case !m.IsPercent:
		return odcsQuality(metric, "mustBeLessOrEqualTo", strconv.FormatInt(m.Rows, 10), "rows", sev, args)
	case m.Strict:
		return odcsQuality(metric, "mustBeLessThan", yamlNumber(m.Percent), "percent", sev, args)
	}
	return odcsQuality(metric, "mustBeLessOrEqualTo", yamlNumber(m.Percent), "percent", sev, args)
}

// odcsQuality writes one library quality rule as a list item body.
func odcsQuality(metric, op, value, unit string, sev evidence.Severity, args map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "metric: %s\n", metric)
	if len(args) > 0 {
		b.WriteString("arguments:\n")
		for _, k := range []string{"properties", "validValues", "missingValues", "pattern"} {
			if v, ok := args[k]; ok {
				fmt.Fprintf(&b, "  %s: %s\n", k, v)
			}
		}
	}
	fmt.Fprintf(&b, "%s: %s\n", op, value)
	if unit != "" {
		fmt.Fprintf(&b, "unit: %s\n", unit)
	}
	if sev == evidence.SeverityWarn {
		b.WriteString("severity: warning\n")
	}
	return b.String()
}

// writeList writes key: followed by items, each a block of lines.
func writeList(b *strings.Builder, indent, key string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "%s%s:\n", indent, key)
	for _, it := range items {
		lines := strings.Split(strings.TrimSuffix(it, "\n"), "\n")
		for i, l := range lines {
			lead := "    "
			if i == 0 {
				lead = "  - "
			}
			fmt.Fprintf(b, "%s%s%s\n", indent, lead, l)
		}
	}
}

// Write writes a contract in a format, FormatMlgate or FormatODCS, and says
// what the format cannot carry. A contract's skipped rules are never run by
// mlgate, so they are reported lost in either format.
func Write(c *Contract, format string) (out []byte, lost []string, err error) {
	switch format {
	case FormatODCS:
		out, lost = MarshalODCS(c)
		return out, lost, nil
	case FormatMlgate, "":
		for _, s := range c.Skipped {
			lost = append(lost, fmt.Sprintf("%s: not run by mlgate (%s), so not carried over", s.Rule, s.Reason))
		}
		return Marshal(c), lost, nil
	}
	return nil, nil, fmt.Errorf("contract format %q: want %s or %s", format, FormatMlgate, FormatODCS)
}
