package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/mlgate/mlgate/pkg/evidence"
)

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
		var names map[string]bool
		err := e.limits.bounded(ctx, func(ctx context.Context) (err error) {
			names, err = exceptionNames(ctx, ex.query, input)
			return err
		})
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
				perRule[i] = d.eval(ctx, e.limits, input, exempt[d.pkg])
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

// eval decides one rule within the sandbox's bounds. Results an exception of
// the rule's own package names are warnings marked exempted: an exemption is
// visible in every report and never reads as a pass.
func (d *decision) eval(ctx context.Context, limits Options, input ast.Value, exempt map[string]bool) []evidence.PolicyResult {
	fail := func(msg string, err error) []evidence.PolicyResult {
		r := d.base()
		r.Status, r.Message = evidence.StatusError, msg
		if err != nil {
			r.Source = errorSource(err, r.Source)
		}
		return []evidence.PolicyResult{r}
	}
	var rs rego.ResultSet
	err := limits.bounded(ctx, func(ctx context.Context) (err error) {
		rs, err = d.query.Eval(ctx, rego.EvalParsedInput(input))
		return err
	})
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
			r.Status = evidence.StatusWarn
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
