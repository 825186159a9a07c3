package contract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A row filter restricts a rule, or a whole run, to the rows matching a
// small predicate: comparisons of a column with a literal of its type
// (=, !=, <>, <, <=, >, >=), IN lists, IS [NOT] NULL, AND, OR, NOT and
// parentheses, with SQL's three-valued logic (a comparison with a null is
// unknown, and only rows whose predicate is true are kept). Literals are
// numbers, 'quoted strings' ('' for a quote), true and false; a quoted
// string compared with a date or timestamp column is read as one
// ('2026-01-31', '2026-01-31T12:00:00Z'), as DuckDB casts it. Column names
// are bare (dotted paths allowed) or "double-quoted".

// Filter limits: a predicate is typed by a person, so anything beyond them
// is refused, not parsed.
const (
	maxFilterLen     = 4096
	maxFilterDepth   = 32
	maxFilterNodes   = 256
	maxFilterLiteral = 1024
	maxFilterList    = 1000
)

// Filter is a parsed row predicate.
type Filter struct {
	// Text is the predicate as written; it is what the evidence shows and
	// what a converted contract carries.
	Text string
	root fnode
}

// FilterError is a syntax error at a 1-based character offset of the text.
type FilterError struct {
	Offset int
	Msg    string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("at character %d: %s", e.Offset, e.Msg)
}

// fnode is a node of a predicate: and, or, not or an atom.
type fnode interface{ String() string }

type andNode struct{ l, r fnode }
type orNode struct{ l, r fnode }
type notNode struct{ x fnode }

// atom is a test of one column: a comparison (op and one literal), an IN
// list (op "in") or IS NULL (op "null").
type atom struct {
	col  string
	op   string
	lits []literal
	// at is the atom's offset in the text, for errors found when the
	// column meets a file.
	at int
}

// literal is a constant as written: a number's text, a string, or a
// boolean.
type literal struct {
	kind byte // 'n' number, 's' string, 'b' boolean
	text string
}

func (n *andNode) String() string { return "(" + n.l.String() + " AND " + n.r.String() + ")" }
func (n *orNode) String() string  { return "(" + n.l.String() + " OR " + n.r.String() + ")" }
func (n *notNode) String() string { return "NOT " + n.x.String() }
func (a *atom) String() string {
	col := a.col
	if !isBareIdent(col) {
		col = `"` + strings.ReplaceAll(col, `"`, `""`) + `"`
	}
	switch a.op {
	case "null":
		return col + " IS NULL"
	case "in":
		parts := make([]string, len(a.lits))
		for i, l := range a.lits {
			parts[i] = l.String()
		}
		return col + " IN (" + strings.Join(parts, ", ") + ")"
	}
	return col + " " + a.op + " " + a.lits[0].String()
}

func (l literal) String() string {
	if l.kind == 's' {
		return "'" + strings.ReplaceAll(l.text, "'", "''") + "'"
	}
	return l.text
}

// String is the predicate fully parenthesised, for tests and messages.
func (f *Filter) String() string { return f.root.String() }

// ParseFilter parses a row predicate.
func ParseFilter(text string) (*Filter, error) {
	if len(text) > maxFilterLen {
		return nil, &FilterError{Offset: 1, Msg: fmt.Sprintf("the predicate is %d bytes; at most %d are allowed", len(text), maxFilterLen)}
	}
	if !utf8.ValidString(text) {
		return nil, &FilterError{Offset: 1, Msg: "the predicate is not valid UTF-8"}
	}
	toks, err := lexFilter(text)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, end: utf8.RuneCountInString(text) + 1}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected %s after the predicate", t.describe())
	}
	return &Filter{Text: text, root: root}, nil
}

// And is the predicate matching rows that both match; nil stands for
// every row.
func (f *Filter) And(g *Filter) *Filter {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return &Filter{Text: "(" + f.Text + ") AND (" + g.Text + ")", root: &andNode{f.root, g.root}}
}

// Columns lists the columns the predicate reads, in order of appearance.
func (f *Filter) Columns() []string {
	var out []string
	seen := map[string]bool{}
	f.eachAtom(func(a *atom) {
		if !seen[a.col] {
			seen[a.col] = true
			out = append(out, a.col)
		}
	})
	return out
}

// eachAtom calls fn with each comparison of the predicate, left to right.
func (f *Filter) eachAtom(fn func(*atom)) {
	var walk func(n fnode)
	walk = func(n fnode) {
		switch n := n.(type) {
		case *andNode:
			walk(n.l)
			walk(n.r)
		case *orNode:
			walk(n.l)
			walk(n.r)
		case *notNode:
			walk(n.x)
		case *atom:
			fn(n)
		}
	}
	walk(f.root)
}

// Token kinds.
const (
	tEOF = iota
	tIdent
	tQuotedIdent
	tNumber
	tString
	tOp
	tLParen
	tRParen
	tComma
)

type ftoken struct {
	kind int
	text string
	at   int // 1-based character offset
}

func (t ftoken) describe() string {
	switch t.kind {
	case tEOF:
		return "end of the predicate"
	case tString:
		return "string " + literal{kind: 's', text: t.text}.String()
	}
	return fmt.Sprintf("%q", t.text)
}

// keyword reports whether t is the (case-insensitive) keyword k.
func (t ftoken) keyword(k string) bool { return t.kind == tIdent && strings.EqualFold(t.text, k) }

func isBareIdent(s string) bool {
	if s == "" || reserved(s) {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || r == '.')) {
			return false
		}
	}
	return true
}

func reserved(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE", "DATE", "TIMESTAMP":
		return true
	}
	return false
}

func lexFilter(text string) ([]ftoken, error) {
	var toks []ftoken
	rs := []rune(text)
	for i := 0; i < len(rs); {
		r, at := rs[i], i+1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')' || r == ',':
			k := map[rune]int{'(': tLParen, ')': tRParen, ',': tComma}[r]
			toks = append(toks, ftoken{kind: k, text: string(r), at: at})
			i++
		case r == '=' || r == '<' || r == '>' || r == '!':
			op := string(r)
			if i+1 < len(rs) && (rs[i+1] == '=' || r == '<' && rs[i+1] == '>') {
				op += string(rs[i+1])
			}
			if op == "!" {
				return nil, &FilterError{Offset: at, Msg: "'!' must be followed by '=' (or write NOT)"}
			}
			if op == "==" {
				return nil, &FilterError{Offset: at, Msg: "'==' is not an operator; write '='"}
			}
			toks = append(toks, ftoken{kind: tOp, text: op, at: at})
			i += len([]rune(op))
		case r == '\'' || r == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(rs) {
					what := "string"
					if r == '"' {
						what = "quoted column name"
					}
					return nil, &FilterError{Offset: at, Msg: "unterminated " + what}
				}
				if rs[j] == r {
					if j+1 < len(rs) && rs[j+1] == r {
						b.WriteRune(r)
						j++
						continue
					}
					break
				}
				b.WriteRune(rs[j])
			}
			if b.Len() > maxFilterLiteral {
				return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("a literal of %d bytes; at most %d are allowed", b.Len(), maxFilterLiteral)}
			}
			k := tString
			if r == '"' {
				k = tQuotedIdent
				if b.Len() == 0 {
					return nil, &FilterError{Offset: at, Msg: "empty column name"}
				}
			}
			toks = append(toks, ftoken{kind: k, text: b.String(), at: at})
			i = j + 1
		case unicode.IsDigit(r) || (r == '-' || r == '+' || r == '.') && i+1 < len(rs) && (unicode.IsDigit(rs[i+1]) || rs[i+1] == '.'):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E' ||
				(rs[j] == '-' || rs[j] == '+') && (rs[j-1] == 'e' || rs[j-1] == 'E')) {
				j++
			}
			s := string(rs[i:j])
			if len(s) > maxFilterLiteral {
				return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("a literal of %d bytes; at most %d are allowed", len(s), maxFilterLiteral)}
			}
			if _, err := ParseNumber(s); err != nil {
				return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("%q is not a number", s)}
			}
			toks = append(toks, ftoken{kind: tNumber, text: s, at: at})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || rs[j] == '.' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			if j-i > maxFilterLiteral {
				return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("a name of %d characters; at most %d are allowed", j-i, maxFilterLiteral)}
			}
			toks = append(toks, ftoken{kind: tIdent, text: string(rs[i:j]), at: at})
			i = j
		default:
			return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return toks, nil
}

type filterParser struct {
	toks  []ftoken
	i     int
	end   int
	nodes int
}

func (p *filterParser) peek() ftoken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ftoken{kind: tEOF, at: p.end}
}

func (p *filterParser) next() ftoken {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *filterParser) errAt(t ftoken, format string, args ...any) error {
	return &FilterError{Offset: t.at, Msg: fmt.Sprintf(format, args...)}
}

// node counts a node against the size bound.
func (p *filterParser) node(t ftoken) error {
	p.nodes++
	if p.nodes > maxFilterNodes {
		return p.errAt(t, "the predicate has more than %d terms", maxFilterNodes)
	}
	return nil
}

func (p *filterParser) depth(t ftoken, d int) error {
	if d > maxFilterDepth {
		return p.errAt(t, "the predicate nests deeper than %d levels", maxFilterDepth)
	}
	return nil
}

func (p *filterParser) or(d int) (fnode, error) {
	l, err := p.and(d)
	if err != nil {
		return nil, err
	}
	for p.peek().keyword("OR") {
		t := p.next()
		if err := p.node(t); err != nil {
			return nil, err
		}
		r, err := p.and(d)
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
	return l, nil
}

func (p *filterParser) and(d int) (fnode, error) {
	l, err := p.not(d)
	if err != nil {
		return nil, err
	}
	for p.peek().keyword("AND") {
		t := p.next()
		if err := p.node(t); err != nil {
			return nil, err
		}
		r, err := p.not(d)
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
	return l, nil
}

func (p *filterParser) not(d int) (fnode, error) {
	if t := p.peek(); t.keyword("NOT") {
		p.next()
		if err := p.depth(t, d+1); err != nil {
			return nil, err
		}
		if err := p.node(t); err != nil {
			return nil, err
		}
		x, err := p.not(d + 1)
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	}
	return p.primary(d)
}

func (p *filterParser) primary(d int) (fnode, error) {
	t := p.next()
	switch {
	case t.kind == tLParen:
		if err := p.depth(t, d+1); err != nil {
			return nil, err
		}
		x, err := p.or(d + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(c, "expected ')' to close the '(' at character %d, found %s", t.at, c.describe())
		}
		return x, nil
	case t.kind == tQuotedIdent || t.kind == tIdent && !reserved(t.text):
		return p.test(t)
	case t.kind == tIdent:
		return nil, p.errAt(t, "expected a column name, found the keyword %s", strings.ToUpper(t.text))
	}
	return nil, p.errAt(t, "expected a column name or '(', found %s", t.describe())
}

// test parses what follows a column name.
func (p *filterParser) test(col ftoken) (fnode, error) {
	if err := p.node(col); err != nil {
		return nil, err
	}
	a := &atom{col: col.text, at: col.at}
	t := p.next()
	switch {
	case t.kind == tOp:
		a.op = t.text
		if a.op == "<>" {
			a.op = "!="
		}
		l, err := p.literal()
		if err != nil {
			return nil, err
		}
		a.lits = []literal{l}
		return a, nil
	case t.keyword("IS"):
		neg := false
		if p.peek().keyword("NOT") {
			p.next()
			neg = true
		}
		if n := p.next(); !n.keyword("NULL") {
			return nil, p.errAt(n, "expected NULL after IS, found %s", n.describe())
		}
		a.op = "null"
		if neg {
			return &notNode{a}, nil
		}
		return a, nil
	case t.keyword("NOT") || t.keyword("IN"):
		neg := t.keyword("NOT")
		if neg {
			if n := p.next(); !n.keyword("IN") {
				return nil, p.errAt(n, "expected IN after NOT, found %s", n.describe())
			}
		}
		if o := p.next(); o.kind != tLParen {
			return nil, p.errAt(o, "expected '(' to open the IN list, found %s", o.describe())
		}
		a.op = "in"
		for {
			l, err := p.literal()
			if err != nil {
				return nil, err
			}
			a.lits = append(a.lits, l)
			if len(a.lits) > maxFilterList {
				return nil, p.errAt(col, "an IN list of more than %d values", maxFilterList)
			}
			sep := p.next()
			if sep.kind == tRParen {
				break
			}
			if sep.kind != tComma {
				return nil, p.errAt(sep, "expected ',' or ')' in the IN list, found %s", sep.describe())
			}
		}
		if neg {
			return &notNode{a}, nil
		}
		return a, nil
	}
	return nil, p.errAt(t, "expected an operator (=, !=, <, <=, >, >=, IN, IS NULL) after column %q, found %s", col.text, t.describe())
}

func (p *filterParser) literal() (literal, error) {
	t := p.next()
	switch {
	case t.kind == tNumber:
		return literal{kind: 'n', text: t.text}, nil
	case t.kind == tString:
		return literal{kind: 's', text: t.text}, nil
	case t.keyword("TRUE") || t.keyword("FALSE"):
		return literal{kind: 'b', text: strings.ToLower(t.text)}, nil
	case t.keyword("DATE") || t.keyword("TIMESTAMP"):
		// DATE '2026-01-31' reads as the quoted string: the column's type
		// decides how it is read.
		s := p.next()
		if s.kind != tString {
			return literal{}, p.errAt(s, "expected a quoted value after %s, found %s", strings.ToUpper(t.text), s.describe())
		}
		return literal{kind: 's', text: s.text}, nil
	case t.keyword("NULL"):
		return literal{}, p.errAt(t, "a comparison with NULL is never true; write IS NULL or IS NOT NULL")
	}
	return literal{}, p.errAt(t, "expected a value (a number, 'text', true or false), found %s", t.describe())
}
