package contract

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/mlgate/mlgate/internal/yamlx"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// ODCS is an Open Data Contract Standard v3 document (bitol-io), read into
// mlgate's own contract model: one Contract per schema object. Rules that
// mlgate cannot run are kept in each Contract's Skipped list with the reason,
// never dropped, so evidence and reports can say what was not checked.
type ODCS struct {
	File       string
	APIVersion string
	ID         string
	Name       string
	Version    string
	Objects    []*Contract
	Servers    []Server
}

// Server is an ODCS server entry of a type mlgate reads.
type Server struct {
	Name string
	Type string
	// Location is the data location as mlgate takes it: a local path or
	// glob, or an s3://, gs://, az:// URL.
	Location string
	Pos      Pos
}

// Skipped is a rule of a contract that mlgate does not run, and why.
type Skipped struct {
	// Rule names the rule as written ("tbl.amount quality[0] (sql)").
	Rule   string
	Reason string
	Pos    Pos
}

// odcsVersions are the ODCS releases whose JSON Schema mlgate embeds
// (bitol-io/open-data-contract-standard, Apache-2.0; see odcsschema/NOTICE).
var odcsVersions = []string{"v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0"}

//go:embed odcsschema/*.json
var odcsSchemas embed.FS

var (
	odcsCompiled   = map[string]*jsonschema.Schema{}
	odcsCompiledMu sync.Mutex
)

// odcsSchema compiles the JSON Schema of one ODCS release, once.
func odcsSchema(version string) (*jsonschema.Schema, error) {
	odcsCompiledMu.Lock()
	defer odcsCompiledMu.Unlock()
	if s := odcsCompiled[version]; s != nil {
		return s, nil
	}
	data, err := odcsSchemas.ReadFile("odcsschema/odcs-json-schema-" + version + ".json")
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	url := "odcs-" + version + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	odcsCompiled[version] = s
	return s, nil
}

// isODCS reports whether a parsed document declares itself ODCS: an
// apiVersion of v2.x or v3.x beside kind DataContract.
func isODCS(body ast.Node) (string, bool) {
	entries, ok := yamlx.Entries(body)
	if !ok {
		return "", false
	}
	for _, kv := range entries {
		if yamlx.Key(kv) == "apiVersion" {
			if s, ok := yamlx.Unwrap(kv.Value).(*ast.StringNode); ok && strings.HasPrefix(s.Value, "v") && s.Value != APIVersion {
				return s.Value, true
			}
		}
	}
	return "", false
}

// ParseODCS reads an ODCS v3.0.x or v3.1.0 contract. The document is first
// checked against the release's official JSON Schema; errors name the file,
// line and column.
func ParseODCS(file string, data []byte) (*ODCS, error) {
	doc, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	return parseODCSDoc(file, data, doc)
}

func parseODCSDoc(file string, data []byte, doc *yamlx.Doc) (*ODCS, error) {
	p := &odcsParser{contractParser: contractParser{file: file}, doc: doc}
	return p.read(data)
}

type odcsParser struct {
	contractParser
	doc *yamlx.Doc
	out *ODCS
	// tables are the names a SQL rule of the object being read may count
	// rows FROM: its name and physical name.
	tables []string
}

// get returns the value of key in mapping n, or nil.
func get(n ast.Node, key string) ast.Node {
	entries, _ := yamlx.Entries(n)
	for _, kv := range entries {
		if yamlx.Key(kv) == key {
			return kv.Value
		}
	}
	return nil
}

// keyPos is the position of key in mapping n, or of n itself.
func keyPos(n ast.Node, key string) Pos {
	entries, _ := yamlx.Entries(n)
	for _, kv := range entries {
		if yamlx.Key(kv) == key {
			return pos(kv.Key)
		}
	}
	l, c := yamlx.NodePos(n)
	return Pos{l, c}
}

func items(n ast.Node) []ast.Node {
	if s, ok := yamlx.Unwrap(n).(*ast.SequenceNode); ok {
		return s.Values
	}
	return nil
}

// text is a scalar's text, "" for anything else.
func text(n ast.Node) string {
	switch v := yamlx.Unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		return v.Value.Value
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value
	}
	return ""
}

func (p *odcsParser) read(data []byte) (*ODCS, error) {
	version, _ := isODCS(p.doc.Body)
	supported := false
	for _, v := range odcsVersions {
		supported = supported || v == version
	}
	if !supported {
		return nil, p.errorf(get(p.doc.Body, "apiVersion"), "ODCS apiVersion %q is not supported (want one of %s)", version, strings.Join(odcsVersions, ", "))
	}
	if err := p.validateSchema(version, data); err != nil {
		return nil, err
	}
	body := p.doc.Body
	p.out = &ODCS{File: p.file, APIVersion: version, ID: text(get(body, "id")), Name: text(get(body, "name")), Version: text(get(body, "version"))}
	for _, s := range items(get(body, "servers")) {
		if srv, ok := p.server(s); ok {
			p.out.Servers = append(p.out.Servers, srv)
		}
	}
	for _, obj := range items(get(body, "schema")) {
		c, err := p.object(obj)
		if err != nil {
			return nil, err
		}
		p.out.Objects = append(p.out.Objects, c)
	}
	if len(p.out.Objects) == 0 {
		return nil, p.errorf(body, "the contract has no schema objects to validate")
	}
	for _, c := range p.out.Objects {
		c.DataLocation = p.out.DataLocation()
	}
	for _, sla := range items(get(body, "slaProperties")) {
		if err := p.sla(sla); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

// validateSchema checks the document against the release's JSON Schema and
// reports the deepest failing place at its line and column.
func (p *odcsParser) validateSchema(version string, data []byte) error {
	sch, err := odcsSchema(version)
	if err != nil {
		return fmt.Errorf("ODCS %s schema: %w", version, err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return &Error{File: p.file, Pos: Pos{1, 1}, Msg: "not convertible to JSON for the ODCS schema: " + err.Error()}
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return &Error{File: p.file, Pos: Pos{1, 1}, Msg: "not convertible to JSON for the ODCS schema: " + err.Error()}
	}
	verr := sch.Validate(v)
	if verr == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return &Error{File: p.file, Pos: Pos{1, 1}, Msg: "does not follow the ODCS " + version + " schema: " + verr.Error()}
	}
	// The deepest leaf is the most specific complaint.
	var best *jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 && (best == nil || len(e.InstanceLocation) > len(best.InstanceLocation)) {
			best = e
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if best == nil {
		best = ve
	}
	path := "$"
	for _, seg := range best.InstanceLocation {
		if i, err := strconv.Atoi(seg); err == nil {
			path += fmt.Sprintf("[%d]", i)
		} else {
			path += "." + yamlPathKey(seg)
		}
	}
	line, col := p.doc.Pos(path)
	if line == 0 {
		line, col = 1, 1
	}
	where := "/" + strings.Join(best.InstanceLocation, "/")
	return &Error{File: p.file, Pos: Pos{line, col}, Msg: fmt.Sprintf("does not follow the ODCS %s schema at %s: %s", version, where, best.ErrorKind.LocalizedString(message.NewPrinter(language.English)))}
}

// pathWord is a key a YAML path names without quotes.
var pathWord = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlPathKey quotes a key for a YAML path when it is not a plain word.
func yamlPathKey(k string) string {
	if pathWord.MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

// odcsServerTypes maps ODCS server types mlgate reads to how the location
// is built from the server's fields.
func (p *odcsParser) server(n ast.Node) (Server, bool) {
	s := Server{Name: text(get(n, "server")), Type: text(get(n, "type")), Pos: keyPos(n, "type")}
	switch s.Type {
	case "local":
		// A relative path is the contract's neighbour, wherever mlgate runs.
		s.Location = text(get(n, "path"))
		if s.Location != "" && !filepath.IsAbs(s.Location) {
			s.Location = filepath.Join(filepath.Dir(p.file), s.Location)
		}
	case "s3":
		s.Location = text(get(n, "location"))
	case "gcs":
		s.Location = text(get(n, "location"))
	case "azure":
		s.Location = text(get(n, "location"))
		if strings.HasPrefix(s.Location, "abfss://") || strings.HasPrefix(s.Location, "https://") {
			s.Location = "" // only az://container/key is read; said by DataLocation
		}
	default:
		return s, false
	}
	return s, true
}

// object reads one schema object into a Contract.
func (p *odcsParser) object(n ast.Node) (*Contract, error) {
	name := text(get(n, "name"))
	c := &Contract{File: p.file, Name: name, Format: FormatODCS, Object: name}
	p.tables = []string{name, text(get(n, "physicalName"))}
	var err error
	if c.Where, err = p.where(n); err != nil {
		return nil, err
	}
	var keys []*Column
	if err := p.properties(c, get(n, "properties"), "", &keys); err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		sort.SliceStable(keys, func(i, j int) bool { return keys[i].pkPosition < keys[j].pkPosition })
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.Name
		}
		c.Dataset.Keys = names // examples of failed checks name their row by it
		if len(names) > 1 {
			c.Dataset.Unique = append(c.Dataset.Unique, &Rule[[]string]{Value: names, Pos: keys[0].pkPos})
		} else if keys[0].Unique == nil {
			keys[0].Unique = &Rule[bool]{Value: true, Pos: keys[0].pkPos}
		}
	}
	for i, q := range items(get(n, "quality")) {
		if err := p.objectQuality(c, q, fmt.Sprintf("%s quality[%d]", name, i)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// where reads the row filter an ODCS element carries as a custom property
// "where" (or "filter", as DQX writes it): ODCS v3 has no field for one.
func (p *odcsParser) where(n ast.Node) (*Filter, error) {
	var out *Filter
	for _, cp := range items(get(n, "customProperties")) {
		switch text(get(cp, "property")) {
		case "where", "filter":
		default:
			continue
		}
		if out != nil {
			return nil, p.errorf(cp, "a second row filter; an element takes one")
		}
		f, err := p.filter(get(cp, "value"), "customProperties where")
		if err != nil {
			return nil, err
		}
		out = f
	}
	return out, nil
}

// properties reads a property list; nested object properties become dotted
// column paths.
func (p *odcsParser) properties(c *Contract, list ast.Node, prefix string, keys *[]*Column) error {
	for _, pn := range items(list) {
		name := text(get(pn, "physicalName"))
		if name == "" {
			name = text(get(pn, "name"))
		}
		if name == "" {
			c.Skipped = append(c.Skipped, Skipped{Rule: "a property without a name", Reason: "a column needs a name or physicalName", Pos: posOf(pn)})
			continue
		}
		path := prefix + name
		col := &Column{Name: path, Description: text(get(pn, "description")), Pos: keyPos(pn, "name")}
		if prev := c.Column(path); prev != nil {
			return &Error{File: p.file, Pos: col.Pos, Msg: fmt.Sprintf("property %q is defined twice (first at line %d)", path, prev.Pos.Line)}
		}
		logical := text(get(pn, "logicalType"))
		if err := p.propertyType(c, col, pn, logical); err != nil {
			return err
		}
		if b, ok := yamlx.Unwrap(get(pn, "required")).(*ast.BoolNode); ok && b.Value {
			col.Nullable = &Rule[bool]{Value: false, Pos: keyPos(pn, "required")}
		}
		if b, ok := yamlx.Unwrap(get(pn, "unique")).(*ast.BoolNode); ok && b.Value {
			col.Unique = &Rule[bool]{Value: true, Pos: keyPos(pn, "unique")}
		}
		if b, ok := yamlx.Unwrap(get(pn, "primaryKey")).(*ast.BoolNode); ok && b.Value {
			// A primary key is never null, and its columns together are unique.
			col.pkPos = keyPos(pn, "primaryKey")
			col.pkPosition, _ = strconv.Atoi(text(get(pn, "primaryKeyPosition")))
			if col.Nullable == nil {
				col.Nullable = &Rule[bool]{Value: false, Pos: col.pkPos}
			}
			*keys = append(*keys, col)
		}
		if err := p.typeOptions(c, col, pn, logical); err != nil {
			return err
		}
		for i, q := range items(get(pn, "quality")) {
			if err := p.propertyQuality(c, col, q, fmt.Sprintf("%s quality[%d]", path, i)); err != nil {
				return err
			}
		}
		if it := get(pn, "items"); it != nil {
			c.Skipped = append(c.Skipped, Skipped{Rule: path + " items", Reason: "rules on array elements are not run", Pos: keyPos(pn, "items")})
		}
		c.Columns = append(c.Columns, col)
		if sub := get(pn, "properties"); sub != nil {
			if err := p.properties(c, sub, path+".", keys); err != nil {
				return err
			}
		}
		if err := p.checkColumn(col); err != nil {
			return err
		}
	}
	return nil
}

func posOf(n ast.Node) Pos {
	l, c := yamlx.NodePos(n)
	return Pos{l, c}
}

// odcsLogical maps ODCS logical types to the contract type that checks them.
var odcsLogical = map[string]string{
	"string": "string", "date": "date", "timestamp": "timestamp", "time": "time",
	"number": "number", "integer": "integer", "boolean": "boolean",
	"object": "struct", "array": "list",
}

// propertyType takes physicalType when it names a Parquet type mlgate knows
// ("int64", "decimal(10,2)"), else the logical type; a database type such as
// varchar(18) cannot be checked on Parquet, and is listed as skipped.
func (p *odcsParser) propertyType(c *Contract, col *Column, pn ast.Node, logical string) error {
	physical := text(get(pn, "physicalType"))
	if physical != "" {
		if t, err := ParseType(physical); err == nil && !t.IsFamily() {
			col.Type = &Rule[TypeSpec]{Value: t, Pos: keyPos(pn, "physicalType")}
			return nil
		}
		if logical == "" {
			c.Skipped = append(c.Skipped, Skipped{Rule: col.Name + " physicalType " + strconv.Quote(physical), Reason: "not a Parquet type, and no logicalType is given", Pos: keyPos(pn, "physicalType")})
		}
	}
	if logical == "" {
		return nil
	}
	name, ok := odcsLogical[logical]
	if !ok {
		return p.errorf(get(pn, "logicalType"), "logicalType %q is not an ODCS logical type", logical)
	}
	t, err := ParseType(name)
	if err != nil {
		return p.errorf(get(pn, "logicalType"), "%s", err)
	}
	col.Type = &Rule[TypeSpec]{Value: t, Pos: keyPos(pn, "logicalType")}
	return nil
}

// typeOptions reads logicalTypeOptions: bounds, lengths and patterns.
func (p *odcsParser) typeOptions(c *Contract, col *Column, pn ast.Node, logical string) error {
	opts := get(pn, "logicalTypeOptions")
	entries, _ := yamlx.Entries(opts)
	for _, kv := range entries {
		key, at := yamlx.Key(kv), pos(kv.Key)
		skip := func(reason string) {
			c.Skipped = append(c.Skipped, Skipped{Rule: col.Name + " logicalTypeOptions." + key, Reason: reason, Pos: at})
		}
		var err error
		switch {
		case key == "minLength" || key == "maxLength":
			var v int64
			if v, err = p.integer(kv.Value, col.Name+" "+key); err == nil {
				r := &Rule[int64]{Value: v, Pos: at}
				if key == "minLength" {
					col.MinLength = r
				} else {
					col.MaxLength = r
				}
			}
		case key == "pattern":
			var s string
			if s, err = p.str(kv.Value, col.Name+" pattern"); err == nil {
				if _, rerr := regexp.Compile(s); rerr != nil {
					skip("ODCS patterns are ECMA-262; this one is not valid RE2, the syntax mlgate runs: " + rerr.Error())
					continue
				}
				col.Pattern = &Rule[string]{Value: s, Pos: at}
			}
		case (logical == "integer" || logical == "number") && (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum"):
			var v Number
			if v, err = p.exact(kv.Value, col.Name+" "+key); err != nil {
				break
			}
			if strings.HasPrefix(key, "exclusive") {
				if logical != "integer" || !v.Rat.IsInt() {
					skip("an exclusive bound is exact only on integers")
					continue
				}
				step := big.NewRat(1, 1)
				if key == "exclusiveMaximum" {
					step.Neg(step)
				}
				r := new(big.Rat).Add(v.Rat, step)
				v = Number{Text: r.RatString(), Rat: r}
			}
			r := &Rule[Number]{Value: v, Pos: at}
			if strings.HasSuffix(strings.ToLower(key), "minimum") {
				col.Min = r
			} else {
				col.Max = r
			}
		case key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum":
			skip("bounds on " + logical + " values are not run; mlgate's min and max are numeric")
		case key == "format" && logical == "integer":
			// i8..u128 describe storage, which the Parquet type already pins.
		default:
			skip("not a rule mlgate runs")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// threshold is an ODCS operator with its number(s).
type threshold struct {
	op     string // mustBe, mustBeLessThan, ...
	value  float64
	upper  float64
	unit   string // rows (default) or percent
	at     Pos
	opNode ast.Node
}

var odcsOperators = []string{"mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan", "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween"}

func (p *odcsParser) threshold(q ast.Node) (threshold, bool, error) {
	t := threshold{unit: text(get(q, "unit"))}
	if t.unit == "" {
		t.unit = "rows"
	}
	for _, op := range odcsOperators {
		v := get(q, op)
		if v == nil {
			continue
		}
		t.op, t.at, t.opNode = op, keyPos(q, op), v
		if strings.HasSuffix(op, "Between") {
			b := items(v)
			if len(b) != 2 {
				return t, false, p.errorf(v, "%s wants two numbers", op)
			}
			var err error
			if t.value, err = p.number(b[0], op); err != nil {
				return t, false, err
			}
			if t.upper, err = p.number(b[1], op); err != nil {
				return t, false, err
			}
			return t, true, nil
		}
		x, err := p.number(v, op)
		return threshold{op: op, value: x, unit: t.unit, at: t.at, opNode: v}, err == nil, err
	}
	return t, false, nil
}

// failureBound turns an operator on a count of failing rows into the most
// failures allowed. mlgate bounds failures from above; "at least 3 nulls"
// is not a data-quality rule it runs.
func (t threshold) failureBound() (*MaxFailures, string) {
	switch t.unit {
	case "rows", "percent":
	default:
		return nil, fmt.Sprintf("unit %q is not rows or percent", t.unit)
	}
	pct := t.unit == "percent"
	switch t.op {
	case "mustBe":
		if t.value == 0 {
			return &MaxFailures{}, ""
		}
	case "mustBeLessOrEqualTo":
		if pct {
			return &MaxFailures{IsPercent: true, Percent: t.value}, ""
		}
		return &MaxFailures{Rows: int64(t.value)}, ""
	case "mustBeLessThan":
		if pct {
			return &MaxFailures{IsPercent: true, Percent: t.value, Strict: true}, ""
		}
		if t.value == float64(int64(t.value)) {
			return &MaxFailures{Rows: int64(t.value) - 1}, ""
		}
		return &MaxFailures{Rows: int64(t.value)}, ""
	}
	return nil, t.op + " on a count of failing rows: mlgate bounds failures from above (mustBe 0, mustBeLessThan, mustBeLessOrEqualTo)"
}

func (m *MaxFailures) none() bool { return m != nil && !m.IsPercent && m.Rows == 0 }

// propertyQuality reads one quality rule of a property.
func (p *odcsParser) propertyQuality(c *Contract, col *Column, q ast.Node, name string) error {
	if done, err := p.sqlCount(c, q, name, col.Name); done || err != nil {
		return err
	}
	metric, sev, t, skip, ok, err := p.qualityRule(c, q, name)
	if err != nil || !ok {
		return err
	}
	bound, why := t.failureBound()
	if bound == nil {
		skip(why)
		return nil
	}
	if bound.none() {
		bound = nil // none may fail: the rule's plain form
	}
	where, err := p.where(q)
	if err != nil {
		return err
	}
	args := get(q, "arguments")
	switch metric {
	case "nullValues":
		col.Nullable = &Rule[bool]{Value: false, Severity: sev, Pos: t.at, MaxFailures: bound, Where: where}
	case "invalidValues":
		set := false
		if vv := get(args, "validValues"); vv != nil {
			var vals []string
			for _, it := range items(vv) {
				vals = append(vals, text(it))
			}
			col.Allowed = &Rule[[]string]{Value: vals, Severity: sev, Pos: t.at, MaxFailures: bound, Where: where}
			set = true
		}
		if pat := get(args, "pattern"); pat != nil {
			s := text(pat)
			if _, rerr := regexp.Compile(s); rerr != nil {
				skip("pattern is not valid RE2, the syntax mlgate runs: " + rerr.Error())
			} else {
				col.Pattern = &Rule[string]{Value: s, Severity: sev, Pos: t.at, MaxFailures: bound, Where: where}
			}
			set = true
		}
		if !set {
			skip("invalidValues needs arguments.validValues or arguments.pattern")
		}
	case "duplicateValues":
		if bound != nil {
			skip("duplicateValues with a tolerance: mlgate's uniqueness check allows no duplicates")
			return nil
		}
		col.Unique = &Rule[bool]{Value: true, Severity: sev, Pos: t.at, Where: where}
	case "missingValues":
		list := get(args, "missingValues")
		if list == nil {
			skip("missingValues needs arguments.missingValues")
			return nil
		}
		var m Missing
		for _, it := range items(list) {
			if _, null := yamlx.Unwrap(it).(*ast.NullNode); null {
				m.Nulls = true
				continue
			}
			m.Values = append(m.Values, text(it))
		}
		col.Missing = &Rule[Missing]{Value: m, Severity: sev, Pos: t.at, MaxFailures: bound, Where: where}
	default:
		skip(fmt.Sprintf("metric %q does not apply to a property", metric))
	}
	return nil
}

// qualityRule reads a quality rule's metric, severity and operator. A rule
// mlgate does not run is recorded in the contract as skipped, and ok is
// false; skip records more.
func (p *odcsParser) qualityRule(c *Contract, q ast.Node, name string) (metric string, sev evidence.Severity, t threshold, skip func(string), ok bool, err error) {
	skip = func(reason string) {
		c.Skipped = append(c.Skipped, Skipped{Rule: name, Reason: reason, Pos: posOf(q)})
	}
	if metric, sev, ok, err = p.libraryRule(q, skip); err != nil || !ok {
		return
	}
	var has bool
	if t, has, err = p.threshold(q); err != nil {
		return
	}
	if !has {
		skip("no operator (mustBe, mustBeLessThan, ...)")
		return metric, sev, t, skip, false, nil
	}
	return metric, sev, t, skip, true, nil
}

// libraryRule reads a quality rule's type, metric and severity; anything
// but a library metric is skipped.
func (p *odcsParser) libraryRule(q ast.Node, skip func(string)) (metric string, sev evidence.Severity, ok bool, err error) {
	typ := text(get(q, "type"))
	metric = text(get(q, "metric"))
	if metric == "" {
		// ODCS v3.0 spelled it rule, with other names.
		metric = map[string]string{"nullCheck": "nullValues", "duplicateCount": "duplicateValues", "validValues": "invalidValues", "rowCount": "rowCount"}[text(get(q, "rule"))]
		if metric == "" && text(get(q, "rule")) != "" {
			skip(fmt.Sprintf("library rule %q is not one mlgate knows", text(get(q, "rule"))))
			return "", "", false, nil
		}
	}
	switch {
	case typ == "sql":
		skip("SQL rules need a SQL engine over the server; mlgate runs library metrics")
		return "", "", false, nil
	case typ == "custom":
		skip(fmt.Sprintf("custom rules for engine %q are not run by mlgate", text(get(q, "engine"))))
		return "", "", false, nil
	case typ == "text":
		skip("a text rule is documentation, not a check")
		return "", "", false, nil
	case metric == "":
		skip("no metric")
		return "", "", false, nil
	}
	sev, ok, err = p.severityOf(q)
	return metric, sev, ok, err
}

// severityOf reads a quality rule's severity.
func (p *odcsParser) severityOf(q ast.Node) (evidence.Severity, bool, error) {
	switch s := text(get(q, "severity")); s {
	case "", "error":
		// The default severity, left unset as a mlgate contract leaves it.
	case "warning", "warn", "info":
		return evidence.SeverityWarn, true, nil
	default:
		return "", false, p.errorf(get(q, "severity"), "severity %q: want error, warning or info", s)
	}
	return "", true, nil
}

// objectQuality reads one schema-level quality rule.
func (p *odcsParser) objectQuality(c *Contract, q ast.Node, name string) error {
	if done, err := p.sqlCount(c, q, name, ""); done || err != nil {
		return err
	}
	metric, sev, t, skip, ok, err := p.qualityRule(c, q, name)
	if err != nil || !ok {
		return err
	}
	where, err := p.where(q)
	if err != nil {
		return err
	}
	switch metric {
	case "rowCount":
		if t.unit != "rows" {
			skip("rowCount is a number of rows")
			return nil
		}
		lo, hi, why := rowBounds(t)
		if why != "" {
			skip(why)
			return nil
		}
		if lo != nil {
			c.Dataset.MinRows = &Rule[int64]{Value: *lo, Severity: sev, Pos: t.at, Where: where}
		}
		if hi != nil {
			c.Dataset.MaxRows = &Rule[int64]{Value: *hi, Severity: sev, Pos: t.at, Where: where}
		}
	case "duplicateValues":
		bound, why := t.failureBound()
		if bound == nil || !bound.none() {
			if why == "" {
				why = "duplicateValues with a tolerance: mlgate's uniqueness check allows no duplicates"
			}
			skip(why)
			return nil
		}
		var cols []string
		for _, it := range items(get(get(q, "arguments"), "properties")) {
			cols = append(cols, text(it))
		}
		if len(cols) == 0 {
			skip("schema-level duplicateValues needs arguments.properties")
			return nil
		}
		for _, name := range cols {
			if c.Column(name) == nil {
				return &Error{File: p.file, Pos: t.at, Msg: fmt.Sprintf("duplicateValues: property %q is not in object %q", name, c.Name)}
			}
		}
		c.Dataset.Unique = append(c.Dataset.Unique, &Rule[[]string]{Value: cols, Severity: sev, Pos: t.at, Where: where})
	default:
		skip(fmt.Sprintf("metric %q does not apply to a schema object", metric))
	}
	return nil
}

// sqlCountQuery is the one shape of SQL rule mlgate runs itself: a count of
// an object's rows matching a predicate, as the standard's own example
// writes it ("select count(*) from Air_Quality where DataValue <= 0 or
// DataValue >= 500", mustBe: 0).
var sqlCountQuery = regexp.MustCompile(`(?is)^\s*select\s+count\s*\(\s*\*\s*\)\s+from\s+(\S+)\s+where\s+(.+?)\s*;?\s*$`)

// sqlPlaceholder matches the placeholders ODCS tools substitute in a query:
// {object}, ${table}, {column}...
var sqlPlaceholder = regexp.MustCompile(`["']?\$?\{(object|table|model|column|property|field)\}["']?`)

// sqlCount reads a SQL rule counting the rows where a predicate holds as a
// row count under that filter (dataset.rows with where). done is false for
// any other rule, which the library reader then takes (and skips, if SQL).
func (p *odcsParser) sqlCount(c *Contract, q ast.Node, name, column string) (done bool, err error) {
	if text(get(q, "type")) != "sql" {
		return false, nil
	}
	m := sqlCountQuery.FindStringSubmatch(text(get(q, "query")))
	if m == nil {
		return false, nil
	}
	skip := func(reason string) (bool, error) {
		c.Skipped = append(c.Skipped, Skipped{Rule: name, Reason: reason, Pos: posOf(q)})
		return true, nil
	}
	from := strings.Trim(m[1], "\"'`")
	if sqlPlaceholder.MatchString(m[1]) {
		from = c.Object
	}
	if !slices.Contains(p.tables, from) {
		return skip(fmt.Sprintf("the query counts rows of %s, not of object %s", m[1], c.Object))
	}
	pred := sqlPlaceholder.ReplaceAllStringFunc(m[2], func(ph string) string {
		if strings.Contains(ph, "{object}") || strings.Contains(ph, "{table}") || strings.Contains(ph, "{model}") {
			return c.Object
		}
		return `"` + column + `"`
	})
	f, ferr := ParseFilter(pred)
	if ferr != nil {
		return skip(fmt.Sprintf("the WHERE clause is not a predicate mlgate evaluates (%v); other SQL needs a SQL engine", ferr))
	}
	t, has, err := p.threshold(q)
	if err != nil {
		return true, err
	}
	if !has || t.unit != "rows" {
		return skip("a count of rows needs an operator (mustBe, mustBeLessThan, ...) on rows")
	}
	sev, ok, err := p.severityOf(q)
	if err != nil || !ok {
		return true, err
	}
	lo, hi, why := rowBounds(t)
	if why != "" {
		return skip(why)
	}
	if lo != nil && c.Dataset.MinRows != nil || hi != nil && c.Dataset.MaxRows != nil {
		return skip("mlgate holds one minimum and one maximum row count per object, and this one is taken")
	}
	if lo != nil {
		c.Dataset.MinRows = &Rule[int64]{Value: *lo, Severity: sev, Pos: t.at, Where: f}
	}
	if hi != nil {
		c.Dataset.MaxRows = &Rule[int64]{Value: *hi, Severity: sev, Pos: t.at, Where: f}
	}
	return true, nil
}

// rowBounds turns an operator on the row count into inclusive bounds.
// mustBeBetween is exclusive at both ends, as the standard's text says:
// "`mustBeBetween` is the equivalent to `mustBeGreaterThan` and
// `mustBeLessThan`." (ODCS v3.1.0 docs/data-quality.md, line 330), with
// [0, 100] written out as mustBeGreaterThan 0, mustBeLessThan 100 (lines
// 332-349). The JSON Schema only says "between the two numbers". Other
// tools read it inclusively (datacontract-cli's Threshold: v <= a <= v2).
func rowBounds(t threshold) (lo, hi *int64, why string) {
	integer := func(f float64) (int64, bool) { return int64(f), f == float64(int64(f)) && f >= 0 }
	a, okA := integer(t.value)
	b, okB := integer(t.upper)
	if !okA || (strings.HasSuffix(t.op, "Between") && !okB) {
		return nil, nil, "a row count bound must be a non-negative integer"
	}
	p := func(v int64) *int64 { return &v }
	switch t.op {
	case "mustBe":
		return p(a), p(a), ""
	case "mustBeGreaterThan":
		return p(a + 1), nil, ""
	case "mustBeGreaterOrEqualTo":
		return p(a), nil, ""
	case "mustBeLessThan":
		if a == 0 {
			return nil, nil, "fewer than 0 rows cannot be met"
		}
		return nil, p(a - 1), ""
	case "mustBeLessOrEqualTo":
		return nil, p(a), ""
	case "mustBeBetween":
		return p(a + 1), p(b - 1), ""
	}
	return nil, nil, t.op + " on the row count is not a range mlgate checks"
}

// Object returns the schema object by name, or the only one when name is
// empty.
func (o *ODCS) Object(name string) (*Contract, error) {
	var names []string
	for _, c := range o.Objects {
		if c.Object == name || name == "" && len(o.Objects) == 1 {
			return c, nil
		}
		names = append(names, c.Object)
	}
	if name == "" {
		return nil, &Error{File: o.File, Pos: Pos{1, 1}, Msg: fmt.Sprintf("the contract has %d schema objects (%s); choose one as %s#NAME", len(names), strings.Join(names, ", "), o.File)}
	}
	msg := fmt.Sprintf("no schema object %q (objects: %s)", name, strings.Join(names, ", "))
	if s := yamlx.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return nil, &Error{File: o.File, Pos: Pos{1, 1}, Msg: msg}
}

// DataLocation is the data of the first server of a type mlgate reads, for
// runs that name no data; "" when the contract has none.
func (o *ODCS) DataLocation() string {
	for _, s := range o.Servers {
		if s.Location != "" {
			return s.Location
		}
	}
	return ""
}

// sla reads an SLA property; latency (ODCS's word for freshness) on an
// element becomes that column's freshness rule. The other SLA properties
// (availability dates, retention, time of availability) describe the
// service, not the data mlgate reads.
func (p *odcsParser) sla(n ast.Node) error {
	prop := text(get(n, "property"))
	if prop != "latency" && prop != "ly" && prop != "freshness" {
		return nil
	}
	at := keyPos(n, "property")
	element := text(get(n, "element"))
	value, unit := text(get(n, "value")), text(get(n, "unit"))
	skipAll := func(reason string) {
		for _, c := range p.out.Objects {
			c.Skipped = append(c.Skipped, Skipped{Rule: "slaProperties " + prop, Reason: reason, Pos: at})
		}
	}
	if element == "" {
		skipAll("latency without an element names no column to hold to it")
		return nil
	}
	age, err := slaAge(value, unit)
	if err != nil {
		return p.errorf(get(n, "value"), "slaProperties %s: %v", prop, err)
	}
	for _, el := range strings.Split(element, ",") {
		object, column, qualified := strings.Cut(strings.TrimSpace(el), ".")
		var targets []*Contract
		for _, c := range p.out.Objects {
			if !qualified || c.Object == object {
				targets = append(targets, c)
			}
		}
		if !qualified {
			column = object
		}
		found := false
		for _, c := range targets {
			if col := c.Column(column); col != nil {
				col.Freshness = &Rule[time.Duration]{Value: age, Pos: at}
				found = true
			}
		}
		if !found {
			return &Error{File: p.file, Pos: keyPos(n, "element"), Msg: fmt.Sprintf("slaProperties %s: element %q is not a property of the contract", prop, el)}
		}
	}
	return nil
}

// slaAge reads an SLA value and unit (d, day, days; h, hours; y, years...).
func slaAge(value, unit string) (time.Duration, error) {
	n, err := strconv.ParseFloat(value, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("value %q is not a positive number", value)
	}
	units := map[string]time.Duration{
		"y": 365 * 24 * time.Hour, "yr": 365 * 24 * time.Hour, "year": 365 * 24 * time.Hour, "years": 365 * 24 * time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
		"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	}
	u, ok := units[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("unit %q: want d, h, m or y", unit)
	}
	return time.Duration(n * float64(u)), nil
}
