package policy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// writePolicy writes one policy file in a fresh folder and returns its path.
func writePolicy(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The attack of issue #10: a pull request adds a module to the library's
// package whose exception exempts the library's own deny rules.
func TestReservedPackagesAreTheShippedLibrary(t *testing.T) {
	evil := writePolicy(t, "exempt.rego", "package mlgate.signature\n\nexception contains name if {\n\tsome name in {\"missing\", \"unconfigured\", \"failed\", \"identity\"}\n}\n")
	_, err := Load(context.Background(), []string{libraryDir(t), evil}, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), evil+":1: package mlgate.signature is reserved for mlgate's policy library") {
		t.Fatalf("error %v", err)
	}
	// A library file changed by one byte is a look-alike too, as is the bare root.
	shipped, err := os.ReadFile(filepath.Join(libraryDir(t), "serialization.rego"))
	if err != nil {
		t.Fatal(err)
	}
	edited := writePolicy(t, "serialization.rego", strings.Replace(string(shipped), `"pkl",`, "", 1))
	root := writePolicy(t, "root.rego", "package mlgate\n\ndeny contains \"x\" if false\n")
	for _, p := range []string{edited, root} {
		if _, err := Load(context.Background(), []string{p}, nil, Options{}); err == nil || !strings.Contains(err.Error(), "is reserved for mlgate's policy library") {
			t.Fatalf("%s: error %v", p, err)
		}
	}
	// A byte-identical copy of the library loads wherever it lives, and a
	// package merely starting with the same letters is the user's.
	copyDir := t.TempDir()
	entries, _ := os.ReadDir(libraryDir(t))
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(libraryDir(t), e.Name()))
		os.WriteFile(filepath.Join(copyDir, e.Name()), data, 0o644)
	}
	own := writePolicy(t, "own.rego", "package mlgatex.signature\n\nexception contains \"identity\" if true\n\ndeny contains \"x\" if false\n")
	if _, err := Load(context.Background(), []string{copyDir, own}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
}

// Data documents cannot put values beside the library's rules either.
// A pull request's policy in package config would be part of data.config,
// the settings the library reads: a rule there turns a library check off
// wherever the settings file leaves its default (opa eval: drift.required
// false, and deny_missing passed without drift evidence). It does not load,
// alone or beside a settings file.
func TestSettingsPackageIsRefused(t *testing.T) {
	for _, src := range []string{
		"package config\n\ndrift := {\"required\": false}\n",
		"package config.drift\n\nrequired := false\n",
	} {
		evil := writePolicy(t, "settings.rego", src)
		for _, data := range [][]string{nil, {writePolicy(t, "config.json", `{"config": {"approval": {"label": "approved"}}}`)}} {
			_, err := Load(context.Background(), []string{evil}, data, Options{Library: true})
			if err == nil || !strings.Contains(err.Error(), evil+":1: package config") || !strings.Contains(err.Error(), "settings come only from the policy data files") {
				t.Errorf("%q with data %v: %v", src, data, err)
			}
		}
	}
}

func TestReservedDataKey(t *testing.T) {
	data := writePolicy(t, "settings.json", `{"mlgate": {"signature": {"exception": ["identity"]}}}`)
	_, err := Load(context.Background(), []string{libraryDir(t)}, []string{data}, Options{})
	if err == nil || !strings.Contains(err.Error(), data+`: the top-level key "mlgate" is reserved`) {
		t.Fatalf("error %v", err)
	}
}

// Exempted results are warnings marked exempted, never passes; an exception
// reaches only the rules of its own package.
func TestExemptedResultsWarn(t *testing.T) {
	other := writePolicy(t, "other.rego", "package other\n\nexception contains \"legacy\" if true\n\ndeny contains \"x\" if false\n")
	e := load(t, "testdata/conventions", other)
	results := byMessage(eval(t, e, map[string]any{"legacy": true}))
	if r := results["legacy format"]; r.Status != evidence.StatusFail || r.Exempted {
		t.Fatalf("another package's exception applied: %+v", r)
	}
	results = byMessage(eval(t, e, map[string]any{"legacy": true, "exempt": true}))
	if r := results["legacy format"]; r.Status != evidence.StatusWarn || !r.Exempted {
		t.Fatalf("exempted result: %+v", r)
	}
}

// Policies reach no network unless allowed: a local server sees no request
// from http.send or net.lookup_ip_addr, which do not even compile; with
// AllowNetwork the same policy reaches it (so the server would have counted).
// opa.runtime, which exposes the environment, never compiles.
func TestNoNetworkByDefault(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"allowed": false}`))
	}))
	defer srv.Close()
	fetch := writePolicy(t, "fetch.rego", "package fetch\n\ndeny contains \"remote says no\" if {\n\tresp := http.send({\"method\": \"GET\", \"url\": \""+srv.URL+"\"})\n\tnot resp.body.allowed\n}\n")
	lookup := writePolicy(t, "lookup.rego", "package lookup\n\ndeny contains \"resolved\" if {\n\tcount(net.lookup_ip_addr(\""+strings.TrimPrefix(srv.URL, "http://")+"\")) > 0\n}\n")
	runtime := writePolicy(t, "env.rego", "package env\n\ndeny contains k if {\n\tsome k, _ in opa.runtime().env\n}\n")
	cases := map[string]string{fetch: "fetch.rego:4: undefined function http.send", lookup: "lookup.rego:4: undefined function net.lookup_ip_addr", runtime: "env.rego:4: undefined function opa.runtime"}
	for p, want := range cases {
		if _, err := Load(context.Background(), []string{p}, nil, Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server received %d requests", n)
	}
	if _, err := Load(context.Background(), []string{runtime}, nil, Options{AllowNetwork: true}); err == nil {
		t.Fatal("opa.runtime compiled with AllowNetwork")
	}
	e, err := Load(context.Background(), []string{fetch}, nil, Options{AllowNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := eval(t, e, map[string]any{}); len(r) != 1 || r[0].Message != "remote says no" || hits.Load() != 1 {
		t.Fatalf("with AllowNetwork: %+v, %d requests", r, hits.Load())
	}
	if _, err := Load(context.Background(), []string{lookup}, nil, Options{AllowNetwork: true}); err != nil {
		t.Fatal(err)
	}
}

// testBudget is the time left before the test's deadline, for bounds that
// must not be what stops a test.
func testBudget(t *testing.T) time.Duration {
	if d, ok := t.Deadline(); ok {
		return time.Until(d) / 2
	}
	return 10 * time.Minute
}

// An evaluation that allocates without end is stopped at the memory bound
// (numbers.range(1, 3e8) reached 11.7 GB unbounded) and is an error result at
// the rule's line.
func TestMemoryBound(t *testing.T) {
	p := writePolicy(t, "huge.rego", "package huge\n\ndeny contains \"huge\" if {\n\tcount(numbers.range(1, 3e8)) > 0\n}\n")
	e, err := Load(context.Background(), []string{p}, nil, Options{Memory: 64 << 20, Timeout: testBudget(t)})
	if err != nil {
		t.Fatal(err)
	}
	r := eval(t, e, map[string]any{})
	if len(r) != 1 || r[0].Status != evidence.StatusError || !strings.Contains(r[0].Message, "stopped at the memory limit of 64 MiB") ||
		r[0].Source == nil || r[0].Source.File != p || r[0].Source.Line != 3 {
		t.Fatalf("%+v %v", r, r[0].Source)
	}
}

// An evaluation that runs without end is stopped at the deadline, also an
// error result at the rule's line. (8e9 iterations cannot finish in 100ms on
// any machine; nothing here measures how long it took.)
func TestTimeBound(t *testing.T) {
	p := writePolicy(t, "slow.rego", "package slow\n\nnums := numbers.range(1, 2000)\n\ndeny contains \"never\" if {\n\tsome a in nums\n\tsome b in nums\n\tsome c in nums\n\ta + b + c < 0\n}\n")
	e, err := Load(context.Background(), []string{p}, nil, Options{Timeout: 100 * time.Millisecond, Memory: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	r := eval(t, e, map[string]any{})
	if len(r) != 1 || r[0].Status != evidence.StatusError || !strings.Contains(r[0].Message, "stopped after the time limit of 100ms") ||
		r[0].Source == nil || r[0].Source.File != p || r[0].Source.Line != 5 {
		t.Fatalf("%+v %v", r, r[0].Source)
	}
}

// Built-ins one call of which runs, allocates or recurses without end, and
// never looks at the cancellation the bounds use, do not compile, with the
// network or without: a pull request's policy could otherwise hang the gate
// past its time bound or crash it (out of memory, a panic, a stack overflow).
func TestUnboundedBuiltinsDoNotCompile(t *testing.T) {
	cases := map[string]string{
		"strings.render_template":   `strings.render_template("{{range .a}}{{range $.a}}{{range $.a}}{{range $.a}}{{range $.a}}{{range $.a}}x{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}", {"a": numbers.range(1, 1000)}) != ""`,
		"graph.reachable_paths":     `count(graph.reachable_paths({k: numbers.range(1, 20) | some k in numbers.range(1, 20)}, {1})) > 0`,
		"bits.lsh":                  `bits.lsh(1, 1e10) > 0`,
		"json.match_schema":         `json.match_schema({}, {"$ref": "#"})[0]`,
		"json.marshal_with_options": `count(json.marshal_with_options(numbers.range(1, 20000), {"pretty": true, "indent": concat("", ["x" | some _ in numbers.range(1, 1000000)])})) > 0`,
		"yaml.marshal":              `count(yaml.marshal(json.unmarshal(concat("", [concat("", ["[" | some _ in numbers.range(1, 5000)]), "[1]", concat("", ["]" | some _ in numbers.range(1, 5000)])])))) > 0`,
		"graphql.parse_and_verify":  `graphql.parse_and_verify("{ a }", "type Query { a: Int }")[0]`,
		"graphql.is_valid":          `graphql.is_valid("{ a }", "type Query { a: Int }")`,
	}
	for name, expr := range cases {
		p := writePolicy(t, "bomb.rego", "package bomb\n\ndeny contains \"bomb\" if {\n\t"+expr+"\n}\n")
		for _, opts := range []Options{{}, {AllowNetwork: true}} {
			_, err := Load(context.Background(), []string{p}, nil, opts)
			if want := "bomb.rego:4: undefined function " + name; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s (network %v): error %v, want %q", name, opts.AllowNetwork, err, want)
			}
		}
		if _, err := RunTests(context.Background(), []string{p}, TestOptions{}, io.Discard); err == nil || !strings.Contains(err.Error(), "undefined function "+name) {
			t.Errorf("%s in policy tests: %v", name, err)
		}
	}
}

// sprintf pads each verb up to a million characters in one call that the
// bounds cannot stop: a format of 20,000 such verbs, built with concat, died
// out of memory (opa eval, 4 GB). A format padding more than 16 MiB is
// the rule's error; ordinary formats work.
func TestSprintfPaddingBounded(t *testing.T) {
	p := writePolicy(t, "pad.rego", "package pad\n\ndeny contains msg if {\n\tn := numbers.range(1, 20000)\n\tmsg := sprintf(concat(\"\", [\"%0999999d\" | some _ in n]), n)\n}\n\n"+
		"warn contains sprintf(\"%5.2f%% of %-8s|%*d|%%\", [12.345, \"rows\", 3, 7])\n")
	e, err := Load(context.Background(), []string{p}, nil, Options{Timeout: testBudget(t)})
	if err != nil {
		t.Fatal(err)
	}
	r := byMessage(eval(t, e, map[string]any{}))
	if w, ok := r["12.35% of rows    |  7|%"]; !ok || w.Status != evidence.StatusWarn {
		t.Errorf("ordinary format: %+v", r)
	}
	denied := false
	for msg, res := range r {
		if res.Rule == "deny" {
			denied = res.Status == evidence.StatusError && strings.Contains(msg, "sprintf: the format pads more than 16777216 characters")
		}
	}
	if !denied {
		t.Errorf("padding bomb: %+v", r)
	}
}

// A pull request's policy or data file that is a link to /dev/zero was read
// whole by OPA's loader, without end (opa eval: out of memory). It is
// refused, naming the file, for the gate, the data and the policy tests.
func TestPolicyFilesAreRegular(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.rego")
	if err := os.WriteFile(ok, []byte("package ok\n\ndeny contains \"x\" if false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(dir, "evil.rego")
	if err := os.Symlink("/dev/zero", evil); err != nil {
		t.Fatal(err)
	}
	want := evil + " is not a regular file"
	if _, err := Load(context.Background(), []string{dir}, nil, Options{}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("policies: %v", err)
	}
	if _, err := RunTests(context.Background(), []string{dir}, TestOptions{}, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("policy tests: %v", err)
	}
	data := t.TempDir()
	zero := filepath.Join(data, "data.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), []string{ok}, []string{data}, Options{}); err == nil || !strings.Contains(err.Error(), zero+" is not a regular file") {
		t.Errorf("data: %v", err)
	}
}
