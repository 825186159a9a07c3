// Package policy evaluates governance policies written in Rego v1 with OPA: it
// loads policies from files and folders, compiles and prepares them once, and
// evaluates them on the documented input (input.go) as many times as needed.
// Rules follow conftest's conventions: deny and violation rules (and
// deny_NAME, violation_NAME) fail, warn rules warn, each result is a string or
// an object with msg, and exception rules exempt named rules. METADATA
// annotations give every result its title, description, severity and
// remediation. Anything that prevents a decision fails closed.
package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Rule kinds: the prefixes of rule names the engine decides on.
const (
	KindDeny      = "deny"
	KindViolation = "violation"
	KindWarn      = "warn"
	exceptionRule = "exception"
)

// Engine holds prepared policies. It is safe for concurrent Eval calls.
type Engine struct {
	decisions  []*decision
	exceptions []*exception
	files      []string
}

// decision is one decision rule of a package (all definitions of one name).
type decision struct {
	pkg, name, kind string
	ref             string // data.pkg.name
	meta            metadata
	source          evidence.Source
	query           rego.PreparedEvalQuery
}

// exception is a package's exception rule, which exempts its decision rules.
type exception struct {
	pkg    string
	source evidence.Source
	query  rego.PreparedEvalQuery
}

// metadata is what METADATA annotations say about a rule.
type metadata struct {
	Title, Description, Severity, Remediation string
}

// Load reads the Rego policies under paths (files or folders; *_test.rego
// files are skipped) and the data documents in dataPaths (JSON or YAML, merged
// under data), compiles them and prepares one query per decision rule.
// Errors name the file and line.
func Load(ctx context.Context, paths, dataPaths []string) (*Engine, error) {
	if len(paths) == 0 {
		return nil, errors.New("no policy paths given")
	}
	res, err := loader.NewFileLoader().
		WithRegoVersion(ast.RegoV1).
		WithProcessAnnotation(true).
		Filtered(paths, policyFilesOnly)
	if err != nil {
		return nil, fmt.Errorf("loading policies: %w", err)
	}
	if len(res.Modules) == 0 {
		return nil, fmt.Errorf("no Rego policies found in %s", strings.Join(paths, ", "))
	}
	modules := make(map[string]*ast.Module, len(res.Modules))
	e := &Engine{}
	for name, m := range res.Modules {
		modules[name] = m.Parsed
		e.files = append(e.files, name)
	}
	sort.Strings(e.files)
	store, err := loadData(dataPaths)
	if err != nil {
		return nil, err
	}
	schemas, err := typeCheckSchema()
	if err != nil {
		return nil, err
	}
	compiler := ast.NewCompiler().
		WithEnablePrintStatements(false).
		WithStrict(true).
		WithSchemas(schemas)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("compiling policies: %w", locatedErrors(compiler.Errors))
	}
	annotations := compiler.GetAnnotationSet()
	if err := e.collect(ctx, compiler, store, annotations); err != nil {
		return nil, err
	}
	if len(e.decisions) == 0 {
		return nil, fmt.Errorf("no deny, violation or warn rules in %s: nothing to decide", strings.Join(paths, ", "))
	}
	return e, nil
}

// policyFilesOnly keeps .rego files that are not tests (data comes from
// dataPaths, tests from `mlgate policy test`).
func policyFilesOnly(_ string, info fs.FileInfo, _ int) bool {
	if info.IsDir() {
		return false
	}
	name := info.Name()
	return !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego")
}

func loadData(paths []string) (storage.Store, error) {
	if len(paths) == 0 {
		return inmem.New(), nil
	}
	res, err := loader.NewFileLoader().All(paths)
	if err != nil {
		return nil, fmt.Errorf("loading policy data: %w", err)
	}
	if len(res.Modules) > 0 {
		return nil, errors.New("policy data: --data takes JSON or YAML documents; give Rego files with --policy")
	}
	return inmem.NewFromObject(res.Documents), nil
}

// collect finds the decision and exception rules of every package and prepares
// a query for each.
func (e *Engine) collect(ctx context.Context, c *ast.Compiler, store storage.Store, as *ast.AnnotationSet) error {
	byRef := map[string]*decision{}
	exceptions := map[string]bool{}
	for _, name := range e.files {
		m := c.Modules[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			ruleName := r.Head.Name.String()
			if len(r.Head.Ref()) > 1 {
				continue // ref heads (deny.x contains ...) are not decisions
			}
			ref := m.Package.Path.String() + "." + ruleName
			if ruleName == exceptionRule {
				if !exceptions[pkg] {
					q, err := prepare(ctx, c, store, ref)
					if err != nil {
						return err
					}
					exceptions[pkg] = true
					e.exceptions = append(e.exceptions, &exception{pkg: pkg, query: q, source: ruleSource(r)})
				}
				continue
			}
			kind := decisionKind(ruleName)
			if kind == "" {
				continue
			}
			if d, seen := byRef[ref]; seen {
				// Later definitions add their rule-scoped metadata if the first had none.
				d.meta = d.meta.or(ruleMetadata(as.Chain(r)))
				continue
			}
			q, err := prepare(ctx, c, store, ref)
			if err != nil {
				return err
			}
			d := &decision{
				pkg: pkg, name: ruleName, kind: kind, ref: ref, query: q,
				meta:   ruleMetadata(as.Chain(r)),
				source: ruleSource(r),
			}
			byRef[ref] = d
			e.decisions = append(e.decisions, d)
		}
	}
	sort.Slice(e.decisions, func(i, j int) bool { return e.decisions[i].ref < e.decisions[j].ref })
	return nil
}

func ruleSource(r *ast.Rule) evidence.Source {
	return evidence.Source{File: r.Location.File, Line: r.Location.Row, Column: r.Location.Col}
}

// decisionKind is deny, violation or warn for rules named so or with that
// prefix and an underscore (conftest's deny_NAME), else "".
func decisionKind(name string) string {
	for _, k := range []string{KindDeny, KindViolation, KindWarn} {
		if name == k || strings.HasPrefix(name, k+"_") {
			return k
		}
	}
	return ""
}

func prepare(ctx context.Context, c *ast.Compiler, store storage.Store, ref string) (rego.PreparedEvalQuery, error) {
	q, err := rego.New(
		rego.Query(ref),
		rego.Compiler(c),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return q, fmt.Errorf("preparing %s: %w", ref, err)
	}
	return q, nil
}

// ruleMetadata reads the annotation chain from the rule outwards: the closest
// title, description and custom fields win.
func ruleMetadata(chain ast.AnnotationsRefSet) metadata {
	var md metadata
	for _, ref := range chain {
		a := ref.Annotations
		if a == nil {
			continue
		}
		md = md.or(metadata{
			Title:       a.Title,
			Description: a.Description,
			Severity:    customString(a.Custom, "severity"),
			Remediation: customString(a.Custom, "remediation"),
		})
	}
	return md
}

// or fills md's empty fields from other.
func (md metadata) or(other metadata) metadata {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return metadata{
		Title:       pick(md.Title, other.Title),
		Description: pick(md.Description, other.Description),
		Severity:    pick(md.Severity, other.Severity),
		Remediation: pick(md.Remediation, other.Remediation),
	}
}

func customString(custom map[string]any, key string) string {
	if v, ok := custom[key]; ok {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	return ""
}

// locatedErrors formats OPA errors as "file:line: message", one per line.
func locatedErrors(errs ast.Errors) error {
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		if e.Location != nil {
			lines = append(lines, fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Row, e.Message))
		} else {
			lines = append(lines, e.Message)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Files lists the policy files loaded.
func (e *Engine) Files() []string { return e.files }

// Rules lists the decision rules by reference (data.pkg.deny).
func (e *Engine) Rules() []string {
	refs := make([]string, len(e.decisions))
	for i, d := range e.decisions {
		refs[i] = d.ref
	}
	return refs
}

// ParseInput converts an input document once, for evaluating many rules (or
// many engines) on it.
func ParseInput(in any) (ast.Value, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	v, err := ast.ValueFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	return v, nil
}

// Eval evaluates every decision rule on the input and returns one result per
// message, plus one passing result per rule that produced none, sorted by rule.
// A rule that errors or is undefined yields an error result at its source.
func (e *Engine) Eval(ctx context.Context, input ast.Value) []evidence.PolicyResult {
	exempt := map[string]map[string]bool{}
	var results []evidence.PolicyResult
	for _, ex := range e.exceptions {
		names, err := exceptionNames(ctx, ex.query, input)
		if err != nil {
			src := ex.source
			results = append(results, evidence.PolicyResult{
				Rule: exceptionRule, Package: ex.pkg, Status: evidence.StatusError,
				Message: "exception rule failed: " + err.Error(), Source: errorSource(err, &src),
			})
			continue
		}
		exempt[ex.pkg] = names
	}
	// Decisions are independent and prepared queries are safe for concurrent
	// use, so they are evaluated on every core; results keep the rule order.
	perRule := make([][]evidence.PolicyResult, len(e.decisions))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(e.decisions)) {
		wg.Go(func() {
			for i := range next {
				d := e.decisions[i]
				perRule[i] = d.eval(ctx, input, exempt[d.pkg])
			}
		})
	}
	for i := range e.decisions {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, rs := range perRule {
		results = append(results, rs...)
	}
	return results
}

func exceptionNames(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value) (map[string]bool, error) {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return names, nil
	}
	items, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return nil, errors.New("exception must be a set of rule names")
	}
	// Each element is a rule name, or (conftest's form) an array of names.
	for _, it := range items {
		group, isArray := it.([]any)
		if !isArray {
			group = []any{it}
		}
		for _, n := range group {
			s, ok := n.(string)
			if !ok {
				return nil, fmt.Errorf("exception must name rules with strings, found %v", n)
			}
			names[s] = true
		}
	}
	return names, nil
}

func (d *decision) base() evidence.PolicyResult {
	src := d.source
	return evidence.PolicyResult{
		Rule: d.name, Package: d.pkg,
		Title: d.meta.Title, Description: d.meta.Description,
		Severity: d.meta.Severity, Remediation: d.meta.Remediation,
		Status: evidence.StatusPass, Source: &src,
	}
}

func (d *decision) eval(ctx context.Context, input ast.Value, exempt map[string]bool) []evidence.PolicyResult {
	fail := func(msg string, err error) []evidence.PolicyResult {
		r := d.base()
		r.Status, r.Message = evidence.StatusError, msg
		if err != nil {
			r.Source = errorSource(err, r.Source)
		}
		return []evidence.PolicyResult{r}
	}
	rs, err := d.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return fail(fmt.Sprintf("%s failed: %v", d.ref, err), err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return fail(d.ref+" is undefined: a decision rule must be a set (deny contains msg if ...) or defined for every input", nil)
	}
	var items []any
	switch v := rs[0].Expressions[0].Value.(type) {
	case []any:
		items = v
	case bool:
		if v {
			items = []any{d.meta.Title}
		}
	default:
		items = []any{v}
	}
	status := evidence.StatusFail
	if d.kind == KindWarn {
		status = evidence.StatusWarn
	}
	exempted := exempt[d.name] || exempt[strings.TrimPrefix(strings.TrimPrefix(d.name, d.kind), "_")]
	var out []evidence.PolicyResult
	for _, it := range items {
		r := d.base()
		if err := fillResult(&r, it); err != nil {
			return fail(fmt.Sprintf("%s: %v", d.ref, err), nil)
		}
		r.Status, r.Exempted = status, exempted
		if exempted {
			r.Status = evidence.StatusPass
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		r := d.base()
		r.Message = "no violations"
		return []evidence.PolicyResult{r}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Message < out[j].Message })
	return out
}

// fill takes a rule's result: a string, or an object with msg and optionally
// title, description, severity and remediation overriding the metadata.
func fillResult(r *evidence.PolicyResult, v any) error {
	switch v := v.(type) {
	case string:
		r.Message = v
		return nil
	case map[string]any:
		msg, ok := v["msg"].(string)
		if !ok {
			return errors.New(`a result object needs a string "msg"`)
		}
		r.Message = msg
		for key, field := range map[string]*string{
			"title": &r.Title, "description": &r.Description,
			"severity": &r.Severity, "remediation": &r.Remediation,
		} {
			if s, ok := v[key].(string); ok && s != "" {
				*field = s
			}
		}
		return nil
	}
	return fmt.Errorf("a result must be a string or an object with msg, got %v", v)
}

// errorSource is the location OPA gives for an evaluation error, or fallback.
func errorSource(err error, fallback *evidence.Source) *evidence.Source {
	var te *topdown.Error
	if errors.As(err, &te) && te.Location != nil {
		return &evidence.Source{File: te.Location.File, Line: te.Location.Row, Column: te.Location.Col}
	}
	return fallback
}
