package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

func libraryDir(t *testing.T) string {
	return filepath.Join(testenv.RepoRoot(t), "policies")
}

// The shipped library passes the official CLI's strict check and its own tests
// with full coverage.
func TestLibraryWithOPA(t *testing.T) {
	opa := testenv.Tool(t, "opa")
	dir := libraryDir(t)
	if out, err := exec.Command(opa, "check", "--strict", dir).CombinedOutput(); err != nil {
		t.Fatalf("opa check --strict: %v\n%s", err, out)
	}
	out, err := exec.Command(opa, "test", dir, "--coverage", "--format", "json").Output()
	if err != nil {
		t.Fatalf("opa test --coverage: %v\n%s", err, out)
	}
	var cov struct {
		Coverage float64 `json:"coverage"`
	}
	if err := json.Unmarshal(out, &cov); err != nil {
		t.Fatal(err)
	}
	if cov.Coverage < 100 {
		t.Fatalf("library coverage %.1f%%, want 100%%", cov.Coverage)
	}
}

// RunTests reports the same counts as `opa test` on the library.
func TestRunTestsAgreesWithOPA(t *testing.T) {
	opa := testenv.Tool(t, "opa")
	dir := libraryDir(t)
	out, err := exec.Command(opa, "test", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("opa test: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`PASS: (\d+)/(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no PASS line in\n%s", out)
	}
	pass, _ := strconv.Atoi(string(m[1]))
	var buf bytes.Buffer
	sum, err := RunTests(context.Background(), []string{dir}, TestOptions{Verbose: true, Coverage: true}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Passed != pass || !sum.OK() {
		t.Fatalf("RunTests %+v, opa passed %d\n%s", sum, pass, buf.String())
	}
	if sum.Coverage == nil || sum.Coverage.Coverage < 80 {
		t.Fatalf("coverage %+v", sum.Coverage)
	}
	if !strings.Contains(buf.String(), "data.mlgate.license_test.test_allowed_license_passes: PASS") ||
		!strings.Contains(buf.String(), "PASS: "+string(m[1])+"/"+string(m[2])) {
		t.Fatalf("output is not opa test -v's:\n%s", buf.String())
	}
}

// A failing Rego test is counted and shown as opa shows it.
func TestRunTestsReportsFailures(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\ndeny contains \"x\" if input.bad\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte("package p_test\n\nimport data.p\n\ntest_ok if count(p.deny) == 0\n\ntest_wrong if count(p.deny) == 1\n"), 0o644)
	var buf bytes.Buffer
	sum, err := RunTests(context.Background(), []string{dir}, TestOptions{}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Passed != 1 || sum.Failed != 1 || sum.OK() {
		t.Fatalf("%+v\n%s", sum, buf.String())
	}
	if !strings.Contains(buf.String(), "data.p_test.test_wrong: FAIL") || !strings.Contains(buf.String(), "FAIL: 1/2") {
		t.Fatalf("output:\n%s", buf.String())
	}
	if _, err := RunTests(context.Background(), []string{"testdata/broken"}, TestOptions{}, &buf); err == nil {
		t.Fatal("a broken policy must be an error")
	}
}

// scenario is a realistic run: a complete model card, passing evidence, a
// model in safetensors; each case breaks one thing.
func scenario() *Input {
	in := NewInput()
	in.Model = Model{
		Name: "fraud-model",
		Card: "model/README.md",
		Metadata: map[string]any{
			"license": "apache-2.0", "owner": "risk-ml", "risk": "high",
		},
		Sections: []string{"Intended uses & limitations", "Training data", "Evaluation"},
		Files:    []ModelFile{{Path: "model.safetensors", Size: 10}, {Path: "config.json", Size: 1}},
	}
	in.Metrics.Candidate = map[string]float64{"accuracy": 0.93, "subgroups.sex.female.recall": 0.80, "subgroups.sex.male.recall": 0.82}
	tool := evidence.Tool{Name: "mlgate", Version: "test"}
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	dv := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "transactions"}, tool, now)
	dv.Details = evidence.ValidationDetails{Contract: "contract.yaml", Rows: 1000}
	dr := evidence.New(evidence.KindDriftReport, evidence.Subject{Name: "transactions"}, tool, now)
	dr.Details = evidence.DriftDetails{Reference: "ref.json", DriftedShare: 0.1, ShareThreshold: 0.5, Columns: []evidence.DriftColumn{}}
	ver := evidence.New(evidence.KindVerification, evidence.Subject{Name: "model", Files: []evidence.File{{Path: "model.safetensors"}}}, tool, now)
	ver.Details = evidence.SignatureDetails{Format: "model-signing/v1.0", Bundle: "model.sig", Digest: map[string]string{},
		Signer: &evidence.Signer{Identity: "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main", Issuer: "https://token.actions.githubusercontent.com"}}
	for _, d := range []*evidence.Document{dv, dr, ver} {
		d.Summary = "ok"
		in.AddEvidence(d)
	}
	in.GitHub = &GitHub{Event: "pull_request", SHA: "abc", PullRequest: &PullRequest{Number: 7, Labels: []string{"approved-for-production"}}}
	return in
}

const settings = `{"config": {"signing": {"identity_regexp": "^https://github\\.com/acme/", "issuer": "https://token.actions.githubusercontent.com"}}}`

func TestLibraryOnScenarios(t *testing.T) {
	dataFile := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(dataFile, []byte(settings), 0o644)
	e, err := Load(context.Background(), []string{libraryDir(t)}, []string{dataFile}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, in *Input) []evidence.PolicyResult {
		t.Helper()
		if err := ValidateInput(in); err != nil {
			t.Fatalf("scenario input does not match the input schema: %v", err)
		}
		v, err := ParseInput(in)
		if err != nil {
			t.Fatal(err)
		}
		return e.Eval(context.Background(), v)
	}
	blocking := func(results []evidence.PolicyResult) []string {
		var out []string
		for _, r := range results {
			if r.Status != evidence.StatusPass {
				out = append(out, r.Package+"."+r.Rule+": "+r.Message)
			}
		}
		return out
	}
	if bad := blocking(run(t, scenario())); len(bad) != 0 {
		t.Fatalf("the complete scenario should pass, got %q", bad)
	}
	cases := map[string]struct {
		mutate func(*Input)
		want   string
	}{
		"pickle": {func(in *Input) { in.Model.Files = append(in.Model.Files, ModelFile{Path: "pytorch_model.bin"}) },
			"mlgate.serialization.deny_pickle: pytorch_model.bin is pickle-based (.bin file)"},
		"no approval label": {func(in *Input) { in.GitHub.PullRequest.Labels = []string{} },
			"mlgate.approval.deny_unapproved: the model is high-risk and pull request #7 lacks the label"},
		"failed validation": {func(in *Input) { in.Evidence[evidence.KindDataValidation][0].Status = evidence.StatusFail },
			"mlgate.data_validation.deny_failed: data validation of transactions: fail"},
		"wrong signer": {func(in *Input) {
			in.Evidence[evidence.KindVerification][0].Details = evidence.SignatureDetails{Signer: &evidence.Signer{Identity: "eve@example.com", Issuer: "https://accounts.google.com"}}
		}, `mlgate.signature.deny_identity: model was signed by identity "eve@example.com"`},
		"gpl":    {func(in *Input) { in.Model.Metadata["license"] = "gpl-3.0" }, `mlgate.license.deny_model: model license "gpl-3.0" is not on the allowlist`},
		"unfair": {func(in *Input) { in.Metrics.Candidate["subgroups.sex.female.recall"] = 0.6 }, "mlgate.fairness.deny_gap: recall differs by 0.22 across sex groups"},
		"card":   {func(in *Input) { in.Model.Sections = in.Model.Sections[1:] }, "mlgate.model_card.deny_missing_field: model card model/README.md does not document intended use"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := scenario()
			tc.mutate(in)
			bad := blocking(run(t, in))
			if len(bad) == 0 || !strings.HasPrefix(bad[0], tc.want) {
				t.Fatalf("got %q, want one starting %q", bad, tc.want)
			}
		})
	}
}

// The library built into the binary (Options.Library) decides as the
// policies/ folder does, names its files mlgate-library/..., and loads
// beside a copy of that folder without defining its rules twice.
func TestBuiltInLibrary(t *testing.T) {
	ctx := context.Background()
	dataFile := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(dataFile, []byte(settings), 0o644)
	v, err := ParseInput(scenario())
	if err != nil {
		t.Fatal(err)
	}
	in := scenario()
	in.Model.Files = append(in.Model.Files, ModelFile{Path: "pytorch_model.bin"})
	bad, err := ParseInput(in)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := Load(ctx, []string{libraryDir(t)}, []string{dataFile}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, paths := range map[string][]string{"alone": nil, "beside the folder": {libraryDir(t)}} {
		t.Run(name, func(t *testing.T) {
			lib, err := Load(ctx, paths, []string{dataFile}, Options{Library: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(lib.decisions) != len(dir.decisions) {
				t.Fatalf("%d decision rules, the folder has %d", len(lib.decisions), len(dir.decisions))
			}
			for _, f := range lib.files {
				if !strings.HasPrefix(f, LibraryPrefix) {
					t.Fatalf("file %s: want the built-in library's names only", f)
				}
			}
			for _, input := range []ast.Value{v, bad} {
				got, want := statuses(lib.Eval(ctx, input)), statuses(dir.Eval(ctx, input))
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("built-in library %v, folder %v", got, want)
				}
			}
		})
	}
}

func statuses(results []evidence.PolicyResult) map[string]evidence.Status {
	out := map[string]evidence.Status{}
	for _, r := range results {
		out[r.Package+"."+r.Rule] = r.Status
	}
	return out
}
