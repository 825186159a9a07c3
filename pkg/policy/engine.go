// Package policy evaluates governance policies written in Rego v1 with OPA: it
// loads policies from files and folders, compiles and prepares them once, and
// evaluates them on the documented input (input.go) as many times as needed.
// Rules follow conftest's conventions: deny and violation rules (and
// deny_NAME, violation_NAME) fail, warn rules warn, each result is a string or
// an object with msg, and exception rules exempt named rules of their own
// package (the results stay visible as warnings marked exempted). METADATA
// annotations give every result its title, description, severity and
// remediation. Policies run sandboxed (sandbox.go): no network, bounded time
// and memory, and the mlgate.* packages only as shipped. Anything that
// prevents a decision fails closed.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlgate/mlgate/policies"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

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
	limits     Options
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
// under data), compiles them in the sandbox opts describes and prepares one
// query per decision rule. Modules in the reserved mlgate packages must be the
// shipped library's files. Errors name the file and line.
func Load(ctx context.Context, paths, dataPaths []string, opts Options) (*Engine, error) {
	if len(paths) == 0 && !opts.Library {
		return nil, errors.New("no policy paths given")
	}
	var files []*loader.RegoFile
	if len(paths) > 0 {
		if err := checkFiles(paths); err != nil {
			return nil, fmt.Errorf("loading policies: %w", err)
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
		for _, f := range res.Modules {
			files = append(files, f)
		}
	}
	// Modules are keyed by the file's path as given (the loader's own keys
	// drop a leading slash), and a file reached through two paths
	// (policies/ and ./policies/x.rego) is one policy, not a duplicate package.
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	if opts.Library {
		lib, err := libraryFiles()
		if err != nil {
			return nil, err
		}
		files = append(lib, files...)
	}
	modules := make(map[string]*ast.Module, len(files))
	e := &Engine{limits: opts.withDefaults()}
	seen := map[string]bool{}
	for _, f := range files {
		key := f.Name
		if abs, err := filepath.Abs(f.Name); err == nil {
			key = abs
		}
		// A copy of a library file beside the built-in library is the
		// same policy, not a second definition of its rules.
		if opts.Library && shippedFiles()[string(f.Raw)] {
			key = "library:" + string(f.Raw)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := checkReserved(f); err != nil {
			return nil, err
		}
		modules[f.Name] = f.Parsed
		e.files = append(e.files, f.Name)
	}
	store, err := loadData(dataPaths)
	if err != nil {
		return nil, err
	}
	schemas, err := typeCheckSchema()
	if err != nil {
		return nil, err
	}
	compiler := ast.NewCompiler().
		WithCapabilities(e.limits.capabilities()).
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

// LibraryPrefix starts the names of the policy library's files when they
// are loaded from the binary (Options.Library), in results and errors.
const LibraryPrefix = "mlgate-library/"

// libraryFiles are the shipped policy files (tests left out), parsed.
func libraryFiles() ([]*loader.RegoFile, error) {
	var files []*loader.RegoFile
	err := fs.WalkDir(policies.Library, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		data, err := policies.Library.ReadFile(p)
		if err != nil {
			return err
		}
		name := LibraryPrefix + p
		m, err := ast.ParseModuleWithOpts(name, string(data), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return err
		}
		files = append(files, &loader.RegoFile{Name: name, Parsed: m, Raw: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading the built-in policy library: %w", err)
	}
	return files, nil
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
	if err := checkFiles(paths); err != nil {
		return nil, fmt.Errorf("loading policy data: %w", err)
	}
	res, err := loader.NewFileLoader().All(paths)
	if err != nil {
		return nil, fmt.Errorf("loading policy data: %w", err)
	}
	if len(res.Modules) > 0 {
		return nil, errors.New("policy data takes JSON or YAML documents; Rego files are policies, not data")
	}
	// Data under data.mlgate would sit beside (and could shadow) the library's rules.
	if _, ok := res.Documents[reservedRoot]; ok {
		culprit := strings.Join(paths, ", ")
		for _, p := range paths {
			if one, err := loader.NewFileLoader().All([]string{p}); err == nil && one.Documents[reservedRoot] != nil {
				culprit = p
				break
			}
		}
		return nil, fmt.Errorf("policy data %s: the top-level key %q is reserved for mlgate's policy library; put settings under config", culprit, reservedRoot)
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

// maxPolicyFile bounds each policy and data file: OPA's loader reads a file
// whole, and a link to /dev/zero (a pull request can commit one) never ends.
const maxPolicyFile = 32 << 20

// checkFiles refuses, under paths, a file the loader would read (Rego, JSON,
// YAML) that is not a regular file once links are followed, or is larger
// than maxPolicyFile, naming it.
func checkFiles(paths []string) error {
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch filepath.Ext(p) {
			case ".rego", ".json", ".yaml", ".yml":
			default:
				return nil
			}
			if d.IsDir() {
				return nil
			}
			st, err := os.Stat(p)
			switch {
			case err != nil:
				return err
			case !st.Mode().IsRegular():
				return fmt.Errorf("%s is not a regular file (%s)", p, st.Mode().Type())
			case st.Size() > maxPolicyFile:
				return fmt.Errorf("%s is larger than %d MiB", p, maxPolicyFile>>20)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
