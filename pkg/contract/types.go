package contract

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// TypeSpec is a contract type: a name with the parameters the contract
// pins. Unset parameters match anything (a plain "timestamp" matches every
// unit), so contracts can be as strict as their authors want.
type TypeSpec struct {
	Name parquetx.TypeName
	// Unit (ms, us, ns) and UTC are for time and timestamp; HasUTC says
	// whether the contract pinned the UTC flag.
	Unit   string
	UTC    bool
	HasUTC bool
	// Precision and Scale are for decimal; zero Precision matches any.
	Precision, Scale int
	// Family, when set instead of Name, matches every type of a kind:
	// "integer" (int8..uint64) or "number" (integers, floats, decimals),
	// as ODCS's logical types do.
	Family string
}

// typeFamilies are the type kinds a contract may name instead of one type.
var typeFamilies = map[string]func(parquetx.TypeName) bool{
	"integer": parquetx.TypeName.IsInteger,
	"number":  parquetx.TypeName.IsNumeric,
}

// IsFamily reports whether the spec names a kind of types, not one.
func (t TypeSpec) IsFamily() bool { return t.Family != "" }

// typeNames are the names a contract may use.
var typeNames = func() []string {
	out := make([]string, len(parquetx.TypeNames))
	for i, n := range parquetx.TypeNames {
		out[i] = string(n)
	}
	return out
}()

// ParseType parses "int64", "decimal(10,2)", "timestamp(us, utc)",
// "timestamp(ms, local)", "time(ns)".
func ParseType(s string) (TypeSpec, error) {
	s = strings.TrimSpace(s)
	name, args, hasArgs := strings.Cut(s, "(")
	name = strings.ToLower(strings.TrimSpace(name))
	if _, ok := typeFamilies[name]; ok && !hasArgs {
		return TypeSpec{Family: name}, nil
	}
	var params []string
	if hasArgs {
		if !strings.HasSuffix(args, ")") {
			return TypeSpec{}, fmt.Errorf("type %q: missing closing parenthesis", s)
		}
		for _, p := range strings.Split(strings.TrimSuffix(args, ")"), ",") {
			params = append(params, strings.ToLower(strings.TrimSpace(p)))
		}
	}
	known := false
	for _, n := range typeNames {
		if n == name {
			known = true
		}
	}
	candidates := append(append([]string{}, typeNames...), "integer", "number")
	if !known {
		msg := fmt.Sprintf("unknown type %q", name)
		if sug := yamlx.Suggest(name, candidates); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		return TypeSpec{}, fmt.Errorf("%s; valid types: %s", msg, strings.Join(candidates, ", "))
	}
	t := TypeSpec{Name: parquetx.TypeName(name)}
	switch t.Name {
	case parquetx.TypeDecimal:
		if !hasArgs {
			return t, nil
		}
		if len(params) != 2 {
			return TypeSpec{}, fmt.Errorf("type %q: decimal takes (precision, scale)", s)
		}
		p, err1 := strconv.Atoi(params[0])
		sc, err2 := strconv.Atoi(params[1])
		if err1 != nil || err2 != nil || p < 1 || sc < 0 || sc > p {
			return TypeSpec{}, fmt.Errorf("type %q: want decimal(precision, scale) with 0 <= scale <= precision", s)
		}
		t.Precision, t.Scale = p, sc
	case parquetx.TypeTime, parquetx.TypeTimestamp:
		if len(params) > 2 {
			return TypeSpec{}, fmt.Errorf("type %q: %s takes (unit) or (unit, utc|local)", s, name)
		}
		for i, p := range params {
			switch {
			case i == 0 && (p == "ms" || p == "us" || p == "ns"):
				t.Unit = p
			case i == 1 && (p == "utc" || p == "local"):
				t.UTC, t.HasUTC = p == "utc", true
			default:
				return TypeSpec{}, fmt.Errorf("type %q: %q is not a unit (ms, us, ns) or utc|local", s, p)
			}
		}
	default:
		if hasArgs {
			return TypeSpec{}, fmt.Errorf("type %q: %s takes no parameters", s, name)
		}
	}
	return t, nil
}

// String formats the type as a contract writes it.
func (t TypeSpec) String() string {
	switch {
	case t.Family != "":
		return t.Family
	case t.Name.IsDecimal() && t.Precision > 0:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case (t.Name == parquetx.TypeTime || t.Name == parquetx.TypeTimestamp) && t.Unit != "":
		if !t.HasUTC {
			return fmt.Sprintf("%s(%s)", t.Name, t.Unit)
		}
		if t.UTC {
			return fmt.Sprintf("%s(%s, utc)", t.Name, t.Unit)
		}
		return fmt.Sprintf("%s(%s, local)", t.Name, t.Unit)
	}
	return string(t.Name)
}

// SpecOf is the fully pinned spec of a file's type.
func SpecOf(t parquetx.Type) TypeSpec {
	s := TypeSpec{Name: t.Name, Precision: t.Precision, Scale: t.Scale}
	if t.Name == parquetx.TypeTime || t.Name == parquetx.TypeTimestamp {
		s.Unit, s.UTC, s.HasUTC = t.Unit, t.UTC, true
	}
	return s
}

// Matches reports whether a file's type satisfies the spec.
func (t TypeSpec) Matches(ft parquetx.Type) bool {
	if t.Family != "" {
		return typeFamilies[t.Family](ft.Name)
	}
	if t.Name != ft.Name {
		return false
	}
	switch {
	case t.Unit != "" && t.Unit != ft.Unit:
		return false
	case t.HasUTC && t.UTC != ft.UTC:
		return false
	case t.Precision > 0 && (t.Precision != ft.Precision || t.Scale != ft.Scale):
		return false
	}
	return true
}

// numeric reports whether min and max apply to the type.
func (t TypeSpec) numeric() bool { return t.Family != "" || t.Name.IsNumeric() }

// textual reports whether pattern and lengths apply to the type.
func (t TypeSpec) textual() bool {
	return t.Name.IsTextual()
}
