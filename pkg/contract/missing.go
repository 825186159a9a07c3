package contract

import (
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Missing is the missing rule's value: sentinel values that stand for "no
// value" ("", "N/A", -1), and whether nulls count too, as ODCS's
// missingValues list says with a null entry.
type Missing struct {
	Values []string
	Nulls  bool
}

// String writes the list as a contract does: [null, "", N/A].
func (m Missing) String() string {
	items := make([]string, 0, len(m.Values)+1)
	if m.Nulls {
		items = append(items, "null")
	}
	for _, v := range m.Values {
		items = append(items, yamlString(v))
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// missingCheck counts missing values: nulls when the list names null, and
// the sentinel values, matched as allowed values are (numbers exactly,
// dates and timestamps as written).
type missingCheck struct {
	base
	sentinels *allowedCheck
	nulls     bool
}

func newMissingCheck(b base, m Missing) *missingCheck {
	return &missingCheck{base: b, sentinels: newAllowedCheck(b, m.Values), nulls: m.Nulls}
}

func (c *missingCheck) rejects(col *parquetx.Column) string { return anyColumn(col) }

// perValue: a dictionary holds no nulls, so it decides only when nulls do
// not count.
func (c *missingCheck) perValue() bool { return !c.nulls }

// fromStats decides a chunk with no sentinel values to look for: only its
// null count matters then.
func (c *missingCheck) fromStats(col *parquetx.Column, st parquetx.ChunkStats, _ *outcome) (int64, bool) {
	if len(c.sentinels.text) > 0 {
		return 0, false
	}
	if col.MaxDefinitionLevel == 0 {
		return 0, true
	}
	return st.NullCount, st.HasNullCount
}

func (c *missingCheck) test(col *parquetx.Column, v parquet.Value, o *outcome) verdict {
	if v.IsNull() {
		if c.nulls {
			return fail
		}
		return skip
	}
	if len(c.sentinels.text) > 0 && c.sentinels.test(col, v, o) == pass {
		return fail
	}
	return pass
}

func (c *missingCheck) message(o *outcome) string {
	what := "one of the missing values"
	if c.nulls {
		what = "null or " + what
	}
	return fmt.Sprintf("%s of %s values are %s", count(o.failures), count(o.total), what) + mostlyNote(o.failures, o.total, c.mostly)
}

// expected is the rule as evidence records it: the list, null as JSON null.
func (m Missing) expected() []any {
	out := make([]any, 0, len(m.Values)+1)
	if m.Nulls {
		out = append(out, nil)
	}
	for _, v := range m.Values {
		out = append(out, v)
	}
	return out
}
