package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/golden"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/policy"
)

// mlgate policy test counts what opa test counts, on the shipped library.
func TestPolicyTestMatchesOPA(t *testing.T) {
	opa := testenv.Tool(t, "opa")
	out, err := exec.Command(opa, "test", library).CombinedOutput()
	if err != nil {
		t.Fatalf("opa test: %v\n%s", err, out)
	}
	passLine := regexp.MustCompile(`PASS: \d+/\d+`)
	want := passLine.Find(out)
	r := runCLI(t, nil, "policy", "test", "-v", "--threshold", "80", library)
	r.wantCode(t, 0)
	if got := passLine.FindString(r.stdout); got == "" || got != string(want) {
		t.Fatalf("mlgate says %q, opa says %q\n%s", got, want, r.stdout)
	}
	if !strings.Contains(r.stdout, "coverage: 100.00%  total") && !regexp.MustCompile(`coverage: +[89]\d\.\d\d%  total`).MatchString(r.stdout) {
		t.Fatalf("no coverage total:\n%s", r.stdout)
	}
}

func TestPolicyTestFailures(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\ndeny contains \"x\" if input.bad\n\nunused if input.other\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte("package p_test\n\nimport data.p\n\ntest_denies if p.deny == {\"x\"} with input as {\"bad\": true}\n"), 0o644)
	runCLI(t, nil, "policy", "test", dir).wantCode(t, 0)
	// Coverage below the threshold fails.
	r := runCLI(t, nil, "policy", "test", "--threshold", "99", dir)
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "below the threshold 99%") {
		t.Fatalf("stderr %q", r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte("package p_test\n\nimport data.p\n\ntest_denies if p.deny == {\"y\"} with input as {\"bad\": true}\n"), 0o644)
	r = runCLI(t, nil, "policy", "test", dir)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "data.p_test.test_denies: FAIL") {
		t.Fatalf("stdout %q", r.stdout)
	}
	os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\ndeny contains x if input.bad\n"), 0o644)
	r = runCLI(t, nil, "policy", "test", dir)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "p.rego:3") {
		t.Fatalf("stderr %q", r.stderr)
	}
	runCLI(t, nil, "policy", "test").wantCode(t, 2)
}

// policy eval prints the input the gate would build, valid against the
// documented schema, and every rule's result.
func TestPolicyEval(t *testing.T) {
	env := prEnv(t, "approved-for-production")
	args := []string{"policy", "eval", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"),
		"-p", library, "-d", fixture("settings.yaml"), "--model-card", fixture("model/README.md"), "--model", fixture("model")}
	for _, e := range upstream(t, nil) {
		args = append(args, "-e", e)
	}
	r := runCLI(t, env, args...)
	r.wantCode(t, 0)
	var out struct {
		Input   policy.Input            `json:"input"`
		Rules   []string                `json:"rules"`
		Results []evidence.PolicyResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if err := policy.ValidateInput(&out.Input); err != nil {
		t.Fatalf("printed input does not match input.schema.json: %v", err)
	}
	in := out.Input
	if in.APIVersion != "mlgate.dev/v1" || in.Model.Name != "fraud-model" || in.Metrics.Candidate["eval.f1"] != 0.874 ||
		len(in.Metrics.Results) != 5 || len(in.Evidence[evidence.KindDriftReport]) != 1 ||
		in.GitHub == nil || in.GitHub.PullRequest.Number != 42 || in.GitHub.PullRequest.Labels[0] != "approved-for-production" ||
		len(in.Model.Files) != 3 || in.Model.Sections[1] != "Intended uses & limitations" {
		t.Fatalf("input %+v", in)
	}
	if len(out.Rules) < 20 || len(out.Results) < len(out.Rules) {
		t.Fatalf("%d rules, %d results", len(out.Rules), len(out.Results))
	}

	// A saved input is evaluated as is; the failing rule sets the exit code.
	saved := filepath.Join(t.TempDir(), "input.json")
	in.Model.Files = append(in.Model.Files, policy.ModelFile{Path: "clf.pkl"})
	data, _ := json.Marshal(in)
	os.WriteFile(saved, data, 0o644)
	r = runCLI(t, nil, "policy", "eval", "-p", library, "-d", fixture("settings.yaml"), "--input", saved)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "clf.pkl is pickle-based") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "policy", "eval", "-p", library, "--input", saved, "-m", fixture("metrics.json"))
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "[input metrics] were all set") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

// What policy authors see, pinned: the input the gate builds from the fixture
// and every rule's result with its metadata and source line.
func TestPolicyEvalGolden(t *testing.T) {
	r := runCLI(t, nil, "policy", "eval", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"),
		"-p", library, "-d", fixture("settings.yaml"), "--model-card", fixture("model/README.md"), "--model", fixture("model"))
	r.wantCode(t, 1) // no evidence given: the evidence policies deny
	golden.Check(t, fixture("policy-eval.json.golden"), []byte(r.stdout))
}
