package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

func load(t *testing.T, paths ...string) *Engine {
	t.Helper()
	e, err := Load(context.Background(), paths, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// eval evaluates the engine on an input whose model metadata is meta: the
// test policies read their switches from there, a field every input has.
func eval(t *testing.T, e *Engine, meta map[string]any) []evidence.PolicyResult {
	t.Helper()
	in := NewInput()
	in.Model.Metadata = meta
	v, err := ParseInput(in)
	if err != nil {
		t.Fatal(err)
	}
	return e.Eval(context.Background(), v)
}

// byMessage indexes results by message for assertions.
func byMessage(results []evidence.PolicyResult) map[string]evidence.PolicyResult {
	m := map[string]evidence.PolicyResult{}
	for _, r := range results {
		m[r.Message] = r
	}
	return m
}

func TestConventions(t *testing.T) {
	e := load(t, "testdata/conventions")
	if got := strings.Join(e.Rules(), " "); got != "data.conv.deny data.conv.deny_legacy data.conv.violation data.conv.warn_soft" {
		t.Fatalf("rules %s", got)
	}
	results := byMessage(eval(t, e, map[string]any{"deny": true, "violation": true, "warn": true, "legacy": true}))
	if len(results) != 5 {
		t.Fatalf("results %v", results)
	}
	plain := results["plain string"]
	src := filepath.Join("testdata", "conventions", "conventions.rego")
	if plain.Status != evidence.StatusFail || plain.Rule != "deny" || plain.Package != "conv" ||
		plain.Title != "Plain deny" || plain.Severity != "high" || plain.Remediation != "Package-level remediation." ||
		plain.Description != "Exercises every rule convention." || plain.Source == nil || !strings.HasSuffix(plain.Source.File, src) || plain.Source.Line != 13 {
		t.Errorf("plain deny: %+v %v", plain, plain.Source)
	}
	if second := results["second message"]; second.Title != "Plain deny" || second.Status != evidence.StatusFail {
		t.Errorf("second definition: %+v", second)
	}
	obj := results["object message"]
	if obj.Status != evidence.StatusFail || obj.Rule != "violation" || obj.Severity != "critical" || obj.Remediation != "do this instead" || obj.Title != "Violation with an object" {
		t.Errorf("violation object: %+v", obj)
	}
	soft := results["soft warning"]
	if soft.Status != evidence.StatusWarn || soft.Title != "Conventions package" || soft.Severity != "medium" {
		t.Errorf("warn: %+v", soft)
	}
	if legacy := results["legacy format"]; legacy.Status != evidence.StatusFail || legacy.Exempted {
		t.Errorf("legacy without exception: %+v", legacy)
	}
	for _, how := range []string{"exempt", "exempt_conftest"} {
		exempted := byMessage(eval(t, e, map[string]any{"legacy": true, how: true}))["legacy format"]
		if exempted.Status != evidence.StatusWarn || !exempted.Exempted {
			t.Errorf("%s: %+v", how, exempted)
		}
	}
}

func TestQuietRulesPass(t *testing.T) {
	results := eval(t, load(t, "testdata/conventions"), map[string]any{})
	if len(results) != 4 {
		t.Fatalf("want one passing result per rule, got %+v", results)
	}
	for _, r := range results {
		if r.Status != evidence.StatusPass || r.Message != "no violations" {
			t.Errorf("%+v", r)
		}
	}
}

// Fail closed: errors, undefined decisions and broken policies never pass.
func TestFailClosed(t *testing.T) {
	t.Run("compile error names file and line", func(t *testing.T) {
		_, err := Load(context.Background(), []string{"testdata/broken"}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "broken.rego:5: var unknown_var is unsafe") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a field the input does not have is a compile error", func(t *testing.T) {
		_, err := Load(context.Background(), []string{"testdata/typo"}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "typo.rego:4: undefined ref: input.modle.name") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("runtime error is an error result at its line", func(t *testing.T) {
		results := eval(t, load(t, "testdata/runtime"), map[string]any{"count": "many"})
		if len(results) != 1 || results[0].Status != evidence.StatusError || results[0].Source.Line != 4 ||
			!strings.Contains(results[0].Message, "to_number") {
			t.Fatalf("%+v", results)
		}
	})
	t.Run("undefined decision is an error", func(t *testing.T) {
		results := eval(t, load(t, "testdata/undefined"), map[string]any{})
		if len(results) != 1 || results[0].Status != evidence.StatusError || !strings.Contains(results[0].Message, "data.undefined.deny is undefined") {
			t.Fatalf("%+v", results)
		}
		results = eval(t, load(t, "testdata/undefined"), map[string]any{"never": true})
		if len(results) != 1 || results[0].Status != evidence.StatusFail || results[0].Message != "not allowed" {
			t.Fatalf("%+v", results)
		}
	})
	t.Run("malformed exception is an error", func(t *testing.T) {
		results := eval(t, load(t, "testdata/badexception"), map[string]any{"x": true})
		var sawError bool
		for _, r := range results {
			sawError = sawError || (r.Rule == "exception" && r.Status == evidence.StatusError && strings.Contains(r.Message, "found 42") &&
				r.Source != nil && strings.HasSuffix(r.Source.File, "badexc.rego") && r.Source.Line == 5)
		}
		if !sawError {
			t.Fatalf("%+v", results)
		}
	})
	t.Run("no decision rules", func(t *testing.T) {
		_, err := Load(context.Background(), []string{"testdata/empty"}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "no deny, violation or warn rules") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("no policies", func(t *testing.T) {
		_, err := Load(context.Background(), []string{t.TempDir()}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "no Rego policies found") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		_, err := Load(context.Background(), []string{"testdata/absent"}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "testdata/absent") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestSameFileTwiceIsOnePolicy(t *testing.T) {
	abs, err := filepath.Abs("testdata/conventions")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "testdata/conventions", "testdata/conventions/conventions.rego", "./testdata/conventions/", abs)
	if len(e.Files()) != 1 {
		t.Fatalf("files %v", e.Files())
	}
}

func TestTestFilesAreNotPolicies(t *testing.T) {
	for _, f := range load(t, "testdata/conventions").Files() {
		if strings.HasSuffix(f, "_test.rego") {
			t.Fatalf("loaded %s", f)
		}
	}
}
