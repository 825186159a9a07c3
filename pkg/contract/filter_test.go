package contract

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]string{
		"a = 1":                                      "a = 1",
		"a <> 'x' AND b >= -2.5":                     "(a != 'x' AND b >= -2.5)",
		"a = 1 OR b = 2 AND c = 3":                   "(a = 1 OR (b = 2 AND c = 3))",
		"(a = 1 OR b = 2) AND NOT c IS NULL":         "((a = 1 OR b = 2) AND NOT c IS NULL)",
		"s IN ('a', 'it''s') and t is not null":      "(s IN ('a', 'it''s') AND NOT t IS NULL)",
		"d NOT IN (1, 2)":                            "NOT d IN (1, 2)",
		`"odd name" = true`:                          `"odd name" = true`,
		"ts >= TIMESTAMP '2026-01-01 00:00:00'":      "ts >= '2026-01-01 00:00:00'",
		"day < DATE '2026-01-31' and user.id != 1e3": "(day < '2026-01-31' AND user.id != 1e3)",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := f.String(); got != want {
			t.Errorf("%q parsed as %s, want %s", in, got, want)
		}
		// The rendering parses back to itself.
		if g, err := ParseFilter(f.String()); err != nil || g.String() != want {
			t.Errorf("%q: rendering %q does not parse back (%v)", in, f.String(), err)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":            "at character 1: expected a column name or '(', found end of the predicate",
		"a = ":        "at character 5: expected a value",
		"a = 1 b = 2": "at character 7: unexpected \"b\" after the predicate",
		"(a = 1":      "at character 7: expected ')' to close the '(' at character 1",
		"a == 1":      "at character 3: '==' is not an operator",
		"a = 'x":      "at character 5: unterminated string",
		"a = NULL":    "at character 5: a comparison with NULL is never true; write IS NULL",
		"a IS 1":      "at character 6: expected NULL after IS",
		"and = 1":     "at character 1: expected a column name, found the keyword AND",
		"a = 1 AND":   "at character 10: expected a column name",
		"a IN (1 2)":  "at character 9: expected ',' or ')' in the IN list",
		"a ~ 1":       "at character 3: unexpected character '~'",
		"a = 1.2.3":   `at character 5: "1.2.3" is not a number`,
		"a LIKE 'x%'": `at character 3: expected an operator (=, !=, <, <=, >, >=, IN, IS NULL) after column "a", found "LIKE"`,
		`"" = 1`:      "at character 1: empty column name",
	} {
		_, err := ParseFilter(in)
		var fe *FilterError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %s...", in, err, want)
		}
	}
}

// Hostile predicates are refused by their size, depth and term count,
// never parsed at length.
func TestParseFilterBounds(t *testing.T) {
	for name, in := range map[string]string{
		"deep parentheses": strings.Repeat("(", 10000) + "a = 1" + strings.Repeat(")", 10000),
		"deep nesting":     strings.Repeat("(", 40) + "a = 1" + strings.Repeat(")", 40),
		"deep NOT":         strings.Repeat("NOT ", 40) + "a = 1",
		"long text":        "a = '" + strings.Repeat("x", 5000) + "'",
		"huge literal":     "a = '" + strings.Repeat("x", 2000) + "'",
		"huge number":      "a = " + strings.Repeat("9", 2000),
		"many terms":       strings.Repeat("a = 1 OR ", 300) + "a = 1",
		"long IN list":     "a IN (" + strings.Repeat("1,", 1200) + "1)",
	} {
		_, err := ParseFilter(in)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("%s: accepted (%v)", name, err)
			continue
		}
		if !strings.Contains(fe.Msg, "at most") && !strings.Contains(fe.Msg, "more than") && !strings.Contains(fe.Msg, "deeper than") {
			t.Errorf("%s: %v does not say the bound", name, err)
		}
	}
	// Within the bounds, a predicate parses.
	if _, err := ParseFilter(strings.Repeat("(", 30) + "a = 1" + strings.Repeat(")", 30)); err != nil {
		t.Error(err)
	}
}

func TestThreeValuedLogic(t *testing.T) {
	all := canTrue | canFalse | canUnknown
	if got := lift(canUnknown, canFalse, and3); got != canFalse {
		t.Errorf("unknown AND false = %d", got)
	}
	if got := lift(canUnknown, canTrue, or3); got != canTrue {
		t.Errorf("unknown OR true = %d", got)
	}
	if got := lift(canTrue|canUnknown, canTrue, and3); got != canTrue|canUnknown {
		t.Errorf("{true,unknown} AND true = %d", got)
	}
	if got := lift(all, canFalse, and3); got != canFalse {
		t.Errorf("anything AND false = %d", got)
	}
}
