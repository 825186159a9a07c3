// Package yamlx is mlgate's one YAML reader for hand-edited files (contracts,
// gate files, drift configs, model cards, metrics files): it parses once into
// goccy/go-yaml's tree, so every error and every decoded rule has a
// file:line:column, refuses unknown keys with a did-you-mean, and turns the
// parser's panics on hostile input into errors in one place.
package yamlx

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Error is a problem at a place in a YAML file; Line and Column are 1-based
// (0 when unknown).
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Doc is one parsed YAML document.
type Doc struct {
	File string
	// Body is the document's root node; nil for an empty document.
	Body ast.Node
}

// Parse parses data as at most one YAML document; file names it in errors.
func Parse(file string, data []byte) (doc *Doc, err error) {
	err = guard(file, func() error {
		tokens := lexer.Tokenize(string(data))
		if err := checkPaths(file, tokens, len(data)); err != nil {
			return err
		}
		f, err := parser.Parse(tokens, 0)
		if err != nil {
			return wrap(file, err, "invalid YAML: ")
		}
		doc = &Doc{File: file}
		var bodies []ast.Node
		for _, d := range f.Docs {
			if d != nil && d.Body != nil {
				bodies = append(bodies, d.Body)
			}
		}
		switch len(bodies) {
		case 0:
		case 1:
			doc.Body = bodies[0]
		default:
			return &Error{File: file, Line: 1, Column: 1, Msg: "want exactly one YAML document"}
		}
		a := aliases{file: file, sizes: map[string]int64{}}
		a.size(doc.Body)
		return a.err
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// Empty reports whether the document holds nothing.
func (d *Doc) Empty() bool { return d.Body == nil }

// Decode decodes the document into v strictly: a key that is none of the
// target struct's fields is an error at the key, with the closest field
// suggested; duplicate keys and type mismatches are errors at their place.
func (d *Doc) Decode(v any) error {
	return d.DecodeNode(d.Body, v)
}

// DecodeNode is Decode for a node of the document.
func (d *Doc) DecodeNode(n ast.Node, v any) error {
	if n == nil {
		return nil
	}
	return guard(d.File, func() error {
		if err := d.checkKeys(n, reflect.TypeOf(v)); err != nil {
			return err
		}
		if err := yaml.NodeToValue(n, v, yaml.DisallowUnknownField()); err != nil {
			return wrap(d.File, err, "")
		}
		return nil
	})
}

// Pos returns the line and column of the node at a YAML path such as
// "$.metrics[2]" or "$.columns.age", or zeros when there is none.
func (d *Doc) Pos(path string) (line, column int) {
	if d.Body == nil {
		return 0, 0
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return 0, 0
	}
	var n ast.Node
	if guard(d.File, func() error { n, err = p.FilterNode(d.Body); return err }) != nil || n == nil {
		return 0, 0
	}
	return NodePos(n)
}

// NodePos returns a node's line and column; a mapping's is its first key's
// (go-yaml's token for a mapping is the colon).
func NodePos(n ast.Node) (line, column int) {
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return NodePos(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return NodePos(m.Key)
	}
	if n == nil || n.GetToken() == nil {
		return 0, 0
	}
	p := n.GetToken().Position
	return p.Line, p.Column
}

// Errorf is an error at node n of the document.
func (d *Doc) Errorf(n ast.Node, format string, args ...any) error {
	line, col := NodePos(n)
	return &Error{File: d.File, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// guard runs fn, turning a panic of the YAML library on hostile input into an
// error naming the file: the one recover for every YAML file mlgate reads.
func guard(file string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{File: file, Msg: fmt.Sprintf("the YAML parser failed on this file (%v)", r)}
		}
	}()
	return fn()
}

// wrap gives a go-yaml error its place in the file.
func wrap(file string, err error, prefix string) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &Error{File: file, Line: p.Line, Column: p.Column, Msg: prefix + ye.GetMessage()}
	}
	return &Error{File: file, Msg: prefix + err.Error()}
}

// Unwrap strips tags and anchors around a value.
func Unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
}

// Key is a mapping key's text.
func Key(kv *ast.MappingValueNode) string {
	if s, ok := Unwrap(kv.Key).(*ast.StringNode); ok {
		return s.Value
	}
	return strings.TrimSpace(kv.Key.String())
}

// Entries returns the key-value pairs of a mapping node, or false when n is
// not a mapping.
func Entries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := Unwrap(n).(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

var (
	nodeUnmarshaler  = reflect.TypeFor[yaml.NodeUnmarshaler]()
	bytesUnmarshaler = reflect.TypeFor[yaml.BytesUnmarshaler]()
	funcUnmarshaler  = reflect.TypeFor[yaml.InterfaceUnmarshaler]()
)

// checkKeys walks n alongside the Go type it decodes into and refuses keys
// that are no field of the struct they would fill.
func (d *Doc) checkKeys(n ast.Node, t reflect.Type) error {
	n = Unwrap(n)
	if n == nil || t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(nodeUnmarshaler) || pt.Implements(bytesUnmarshaler) || pt.Implements(funcUnmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		entries, ok := Entries(n)
		if !ok {
			return nil // the decoder reports the type mismatch
		}
		fields := yamlFields(t)
		for _, kv := range entries {
			key := Key(kv)
			ft, ok := fields[key]
			if !ok {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				slices.Sort(names)
				msg := fmt.Sprintf("unknown key %q", key)
				if s := Suggest(key, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				return d.Errorf(kv.Key, "%s", msg)
			}
			if err := d.checkKeys(kv.Value, ft); err != nil {
				return err
			}
		}
	case reflect.Map:
		entries, _ := Entries(n)
		for _, kv := range entries {
			if err := d.checkKeys(kv.Value, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if s, ok := n.(*ast.SequenceNode); ok {
			for _, v := range s.Values {
				if err := d.checkKeys(v, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// yamlFields maps the YAML keys of a struct (as go-yaml names them, inline
// fields flattened) to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "" {
			tag = f.Tag.Get("json")
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range yamlFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// Suggest returns the candidate closest to s when it is close enough to be a
// likely typo, else "".
func Suggest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance: Levenshtein with
// adjacent transpositions counting one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1) // a transposition, "mni" for "min"
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// maxAliased bounds the values aliases may add to a document once expanded.
// A few lines of anchors, each aliased ten times by the next ("billion
// laughs"), expand to more values than memory holds when the document is
// decoded or its values encoded again (model card metadata goes to JSON).
const maxAliased = 1 << 20

// aliases measures a document with its aliases expanded: sizes holds each
// anchor's size in values, added what aliases have added so far, and err
// is set when that passes maxAliased.
type aliases struct {
	file  string
	sizes map[string]int64
	added int64
	err   error
}

// size is the number of values n holds once its aliases are expanded (at
// most maxAliased+1 for one alias).
func (a *aliases) size(n ast.Node) int64 {
	if a.err != nil {
		return 0
	}
	switch n := n.(type) {
	case nil:
		return 0
	case *ast.AnchorNode:
		s := a.size(n.Value)
		if n.Name != nil && n.Name.GetToken() != nil {
			a.sizes[n.Name.GetToken().Value] = s
		}
		return s
	case *ast.AliasNode:
		s := int64(1)
		if n.Value != nil {
			s = max(s, a.sizes[n.Value.String()])
		}
		if a.added += s; a.added > maxAliased {
			line, col := NodePos(n)
			a.err = &Error{File: a.file, Line: line, Column: col,
				Msg: fmt.Sprintf("YAML aliases expand this document by more than %d values", maxAliased)}
		}
		return s
	case *ast.TagNode:
		return a.size(n.Value)
	case *ast.MappingKeyNode:
		return a.size(n.Value)
	case *ast.MappingNode:
		var s int64 = 1
		for _, kv := range n.Values {
			s = min(s+a.size(kv), maxAliased+1)
		}
		return s
	case *ast.MappingValueNode:
		return min(1+a.size(n.Key)+a.size(n.Value), maxAliased+1)
	case *ast.SequenceNode:
		var s int64 = 1
		for _, v := range n.Values {
			s = min(s+a.size(v), maxAliased+1)
		}
		return s
	}
	return 1
}

// go-yaml's parser gives every node its path ("$.columns[3].name") as a
// string of its own, so a long key over many values costs their product:
// a 110 KB file (a 100,000-byte key over a list of 5,000 numbers) took
// 584 MB, and a contract's 8 MiB could ask for terabytes. checkPaths
// estimates those paths' bytes from the tokens before the parser runs and
// refuses a file over maxPathBytes plus 16 bytes per byte of the file (a
// real file's paths take a few bytes per byte). A key that is itself a
// collection (or an explicit "? key") would repeat its whole text in each
// path: such keys are refused; no file mlgate reads has them.
const maxPathBytes = 64 << 20

// pathFrame is a segment of the current path: a key's (col, its column in a
// block, flow the flow depth it is in) or a sequence index's.
type pathFrame struct {
	col, flow int
	seg       int64
	index     bool
}

func checkPaths(file string, tokens token.Tokens, size int) error {
	budget := maxPathBytes + 16*int64(size)
	var stack []pathFrame
	cur, total := int64(1), int64(0) // "$"
	flow, prevLine := 0, -1
	push := func(f pathFrame) { stack = append(stack, f); cur += f.seg }
	pop := func() { cur -= stack[len(stack)-1].seg; stack = stack[:len(stack)-1] }
	for i, tk := range tokens {
		if tk.Type == token.CommentType || tk.Position == nil {
			continue
		}
		col, atStart := tk.Position.Column, tk.Position.Line != prevLine
		prevLine = tk.Position.Line
		if flow == 0 && atStart {
			// A block ends at a line starting left of it; a key's entries
			// ("- x") may start in its own column.
			for len(stack) > 0 {
				top := stack[len(stack)-1]
				if top.flow != 0 || top.col < col || top.col == col && tk.Type == token.SequenceEntryType && !top.index {
					break
				}
				pop()
			}
		}
		switch tk.Type {
		case token.MappingKeyType:
			line, column := tk.Position.Line, tk.Position.Column
			return &Error{File: file, Line: line, Column: column, Msg: "explicit mapping keys (\"? key\") are not supported"}
		case token.MappingValueType:
			if prev := tk.Prev; prev != nil && (prev.Type == token.SequenceEndType || prev.Type == token.MappingEndType) {
				line, column := tk.Position.Line, tk.Position.Column
				return &Error{File: file, Line: line, Column: column, Msg: "a mapping key that is a collection is not supported"}
			}
		case token.SequenceEntryType:
			push(pathFrame{col: col, seg: 12, index: true})
		case token.SequenceStartType, token.MappingStartType:
			total += cur
			flow++
			if tk.Type == token.SequenceStartType {
				push(pathFrame{flow: flow, seg: 12, index: true})
			}
		case token.SequenceEndType, token.MappingEndType:
			for len(stack) > 0 && stack[len(stack)-1].flow >= flow && flow > 0 {
				pop()
			}
			flow = max(flow-1, 0)
		case token.CollectEntryType:
			for len(stack) > 0 && stack[len(stack)-1].flow == flow && flow > 0 && !stack[len(stack)-1].index {
				pop()
			}
		default:
			total += cur
			if next := nextToken(tokens, i); next != nil && next.Type == token.MappingValueType {
				push(pathFrame{col: col, flow: flow, seg: int64(len(tk.Value)) + 3})
			}
		}
		if total > budget {
			line, column := tk.Position.Line, tk.Position.Column
			return &Error{File: file, Line: line, Column: column,
				Msg: fmt.Sprintf("the YAML parser would spend more than %d MiB on this file's paths (long keys over many values)", budget>>20)}
		}
	}
	return nil
}

// nextToken is the token after tokens[i], comments skipped.
func nextToken(tokens token.Tokens, i int) *token.Token {
	for _, tk := range tokens[i+1:] {
		if tk.Type != token.CommentType {
			return tk
		}
	}
	return nil
}
