package contract

import (
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// schemaRule is a rule decided once per dataset from the schemas and the
// footers alone: a column's presence and type, strictness, row counts. Like
// the value checks, each kind is a small type.
type schemaRule interface {
	decide(files []*parquetx.Handle) (ok bool, message string)
}

// presentRule: every file has the column.
type presentRule struct{ column string }

func (r presentRule) decide(files []*parquetx.Handle) (bool, string) {
	var missing []string
	for _, f := range files {
		if f.Schema.Lookup(r.column) == nil {
			missing = append(missing, f.Path)
		}
	}
	if len(missing) > 0 {
		return false, "missing from " + strings.Join(firstN(missing, 10), ", ")
	}
	return true, "present in every file"
}

// typeRule: wherever the column is, it has the contract's type.
type typeRule struct {
	column string
	spec   TypeSpec
}

func (r typeRule) decide(files []*parquetx.Handle) (bool, string) {
	var mistyped []string
	for _, f := range files {
		if fc := f.Schema.Lookup(r.column); fc != nil && !r.spec.Matches(fc.Type) {
			mistyped = append(mistyped, fmt.Sprintf("%s in %s", fc.Type, f.Path))
		}
	}
	if len(mistyped) > 0 {
		return false, fmt.Sprintf("the contract says %s but the data has %s", r.spec, strings.Join(firstN(mistyped, 10), ", "))
	}
	return true, "type " + r.spec.String()
}

// rowsRule: the dataset's row count is at least (or at most) limit.
type rowsRule struct {
	limit int64
	upper bool
	// sel, when set, counts the rows a filter keeps.
	sel   *selection
	known *int64 // the row count a table's metadata states
}

func (r rowsRule) decide(files []*parquetx.Handle) (bool, string) {
	var rows int64
	for _, f := range files {
		rows += f.Rows
	}
	switch {
	case r.sel != nil:
		rows = r.sel.Rows
	case r.known != nil:
		rows = *r.known
	}
	if r.upper {
		return rows <= r.limit, fmt.Sprintf("%s rows, at most %s allowed", count(rows), count(r.limit))
	}
	return rows >= r.limit, fmt.Sprintf("%s rows, at least %s required", count(rows), count(r.limit))
}

// strictRule: no file has a column the contract does not describe.
type strictRule struct{ columns []*Column }

func (r strictRule) decide(files []*parquetx.Handle) (bool, string) {
	var extra []string
	for _, f := range files {
		for _, leaf := range f.Schema.Leaves {
			if !r.covered(leaf.Path) {
				extra = append(extra, fmt.Sprintf("%s (in %s)", leaf.Path, f.Path))
			}
		}
	}
	if len(extra) > 0 {
		return false, fmt.Sprintf("%d columns are not in the contract: %s", len(extra), strings.Join(firstN(extra, 10), ", "))
	}
	return true, "every column is in the contract"
}

// covered reports whether a file's leaf is described by the contract: named,
// or inside (or above) a named column.
func (r strictRule) covered(leaf string) bool {
	for _, c := range r.columns {
		if leaf == c.Name || strings.HasPrefix(leaf, c.Name+".") || strings.HasPrefix(c.Name, leaf+".") {
			return true
		}
	}
	return false
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}
