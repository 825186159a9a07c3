package contract

import (
	"strconv"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// APIVersion and Kind identify a contract document.
const (
	APIVersion = "mlgate.dev/v1"
	Kind       = "DataContract"
)

// Pos is a 1-based line and column in the contract file.
type Pos struct {
	Line, Column int
}

// Rule is one constraint with its optional per-rule severity and mostly (the
// fraction of rows that must pass), and where it was written.
type Rule[T any] struct {
	Value    T
	Severity evidence.Severity
	Mostly   float64
	// MaxFailures, when set, also bounds the failing rows (ODCS's
	// "mustBeLessThan: 5, unit: rows").
	MaxFailures *MaxFailures
	// Where, when set, restricts the rule to the rows matching it.
	Where *Filter
	Pos   Pos
}

// MaxFailures is the most failing rows a rule allows: a count, or a
// percentage of the rows checked, at most (or, Strict, less than) Percent.
type MaxFailures struct {
	Rows      int64
	Percent   float64
	IsPercent bool
	Strict    bool
}

// Allows reports whether failures of total stay within the bound.
func (m *MaxFailures) Allows(failures, total int64) bool {
	if m == nil {
		return true
	}
	if !m.IsPercent {
		return failures <= m.Rows
	}
	if total == 0 {
		return failures == 0
	}
	share := 100 * float64(failures) / float64(total)
	if m.Strict {
		return share < m.Percent
	}
	return share <= m.Percent
}

// describe says the bound in a message.
func (m *MaxFailures) describe() string {
	switch {
	case !m.IsPercent:
		return "at most " + count(m.Rows) + " may fail"
	case m.Strict:
		return "less than " + yamlNumber(m.Percent) + "% may fail"
	}
	return "at most " + yamlNumber(m.Percent) + "% may fail"
}

// String writes the bound as the contract's max_failures does: "5", "1%",
// "<1%".
func (m *MaxFailures) String() string {
	switch {
	case !m.IsPercent:
		return strconv.FormatInt(m.Rows, 10)
	case m.Strict:
		return "<" + yamlNumber(m.Percent) + "%"
	}
	return yamlNumber(m.Percent) + "%"
}

// Contract is a parsed data contract.
type Contract struct {
	// File is the path the contract was read from, used in sources.
	File string
	// SHA256 is the digest of the bytes it was read from (Load), so that
	// evidence names the contract it checked and a gate can require one.
	SHA256  string
	Name    string
	Dataset Dataset
	Columns []*Column
	// Format is FormatMlgate or FormatODCS; Object, for ODCS, the schema
	// object this contract is.
	Format string
	Object string
	// Skipped lists the rules of the file that are not run, with why.
	Skipped []Skipped
	// DataLocation is where an ODCS contract's server says the data is.
	DataLocation string
	// Where, when set, restricts every rule to the rows matching it.
	Where *Filter
}

// Empty reports whether the contract has no rule to check. Such a contract
// passes any data ("0 of 0 checks"), which is never what its author meant.
func (c *Contract) Empty() bool {
	d := c.Dataset
	return len(c.Columns) == 0 && d.MinRows == nil && d.MaxRows == nil && d.Strict == nil && len(d.Unique) == 0
}

// The contract formats mlgate reads.
const (
	FormatMlgate = "mlgate"
	FormatODCS   = "odcs"
)

// Dataset holds the dataset-level rules.
type Dataset struct {
	MinRows *Rule[int64]
	MaxRows *Rule[int64]
	// Strict fails columns present in the data but absent from the contract.
	Strict *Rule[bool]
	// Unique lists compound keys whose combination must be unique.
	Unique []*Rule[[]string]
	// Keys name the columns that identify a row: examples of failed
	// checks carry their values (an ODCS primary key is the default).
	Keys    []string
	keysPos Pos
}

// Column holds the rules of one column, by dotted path.
type Column struct {
	Name        string
	Description string
	Pos         Pos
	// Type is the expected type as written ("int64", "timestamp(us, utc)");
	// TypePos its position. Empty when the contract does not constrain it.
	Type    *Rule[TypeSpec]
	Default RuleDefaults

	Nullable        *Rule[bool]
	MaxNullFraction *Rule[float64]
	Min             *Rule[Number]
	Max             *Rule[Number]
	Allowed         *Rule[[]string]
	Pattern         *Rule[string]
	Unique          *Rule[bool]
	MinLength       *Rule[int64]
	MaxLength       *Rule[int64]
	// Missing fails values that stand for no value (and nulls, if listed).
	Missing *Rule[Missing]
	// Freshness requires the newest value within an age of the as-of time.
	Freshness *Rule[time.Duration]

	// pkPos and pkPosition place an ODCS primary-key property.
	pkPos      Pos
	pkPosition int
}

// RuleDefaults are a column's severity and mostly, inherited by its rules.
type RuleDefaults struct {
	Severity evidence.Severity
	Mostly   float64
}

// Column returns the column with the given name, or nil.
func (c *Contract) Column(name string) *Column {
	for _, col := range c.Columns {
		if col.Name == name {
			return col
		}
	}
	return nil
}

// severityOf and mostlyOf resolve a rule's settings against its column's.
func severityOf(rule, col evidence.Severity) evidence.Severity {
	switch {
	case rule != "":
		return rule
	case col != "":
		return col
	}
	return evidence.SeverityError
}

func mostlyOf(rule, col float64) float64 {
	switch {
	case rule > 0:
		return rule
	case col > 0:
		return col
	}
	return 1
}
