package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/golden"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/steps"
)

// fixtures is testdata/gate, relative to this package, so sources in messages
// and golden files do not depend on where the repository is.
const fixtures = "../../testdata/gate"

const library = "../../policies"

func fixture(name string) string { return filepath.Join(fixtures, name) }

// upstream writes the evidence that validate, drift and verify would have
// written for the fraud model, built from the evidence details types. change
// may alter a document before it is written.
func upstream(t *testing.T, change func(*evidence.Document)) []string {
	t.Helper()
	dir := t.TempDir()
	tool := evidence.Tool{Name: "mlgate", Version: "v0.1.0"}
	start := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

	dv := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "transactions",
		Files: []evidence.File{{Path: "data/part-0.parquet", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}}}}, tool, start)
	dv.Add(evidence.Check{ID: "column.amount.max", Status: evidence.StatusPass, Message: "max 9800 within 1000000", DecidedBy: "metadata"})
	dv.Details = evidence.ValidationDetails{Contract: "contract.yaml", Rows: 20000, DecidedBy: map[string]int{"metadata": 1}}

	dr := evidence.New(evidence.KindDriftReport, evidence.Subject{Name: "transactions"}, tool, start)
	dr.Add(evidence.Check{ID: "drift.amount", Status: evidence.StatusPass, Message: "psi 0.04 below 0.2"})
	dr.Details = evidence.DriftDetails{Reference: "reference.profile.json", DriftedShare: 0.1, ShareThreshold: 0.5, Columns: []evidence.DriftColumn{
		{Column: "amount", Kind: "numeric", Method: "psi", Statistic: 0.04, Threshold: 0.2, N: 20000, ReferenceN: 20000, Status: evidence.StatusPass},
	}}

	// The Verification is about the fixture model, hashed as verify records it.
	model, err := steps.HashSubject(context.Background(), fixture("model"), steps.ModelHashing(true), 0)
	if err != nil {
		t.Fatal(err)
	}
	ver := evidence.New(evidence.KindVerification, *model, tool, start)
	ver.Add(evidence.Check{ID: "signature", Status: evidence.StatusPass, Message: "verified"})
	ver.Details = evidence.SignatureDetails{Format: "model-signing/v1.0", Bundle: "model.sig", Digest: map[string]string{"sha256": strings.Repeat("b", 64)}, Files: 2,
		Signer: &evidence.Signer{Identity: "https://github.com/acme/fraud-model/.github/workflows/release.yml@refs/heads/main", Issuer: "https://token.actions.githubusercontent.com"}}

	var paths []string
	for _, d := range []*evidence.Document{dv, dr, ver} {
		if change != nil {
			change(d)
		}
		d.Finish(start.Add(time.Second))
		p := filepath.Join(dir, strings.ToLower(string(d.Kind))+".json")
		if err := evidence.Write(p, d); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// prEvent is a pull_request event payload with the given labels.
func prEvent(t *testing.T, labels ...string) string {
	t.Helper()
	type label struct {
		Name string `json:"name"`
	}
	ev := map[string]any{"action": "synchronize", "pull_request": map[string]any{"number": 42, "labels": []label{}}}
	ls := []label{}
	for _, l := range labels {
		ls = append(ls, label{l})
	}
	ev["pull_request"].(map[string]any)["labels"] = ls
	data, _ := json.Marshal(ev)
	p := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(p, data, 0o644)
	return p
}

// gateArgs is the full gate over the fraud model with the policy library.
func gateArgs(metrics string, evidenceFiles []string, extra ...string) []string {
	args := []string{"gate", "--config", fixture("gate.yaml"), "--metrics", fixture(metrics), "--baseline", fixture("baseline.json"),
		"--policy", library, "--data", fixture("settings.yaml"),
		"--model-card", fixture("model/README.md"), "--model", fixture("model")}
	for _, e := range evidenceFiles {
		args = append(args, "--evidence", e)
	}
	return append(args, extra...)
}

func prEnv(t *testing.T, labels ...string) map[string]string {
	env := actionsEnv(t)
	env["GITHUB_EVENT_NAME"] = "pull_request"
	env["GITHUB_SHA"] = "0123456789abcdef"
	env["GITHUB_REPOSITORY"] = "acme/fraud-model"
	env["GITHUB_EVENT_PATH"] = prEvent(t, labels...)
	return env
}

func readOutputs(t *testing.T, env map[string]string) string {
	data, err := os.ReadFile(env["GITHUB_OUTPUT"])
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestGatePromotes(t *testing.T) {
	dir := t.TempDir()
	out, sarif, junit := filepath.Join(dir, "decision.json"), filepath.Join(dir, "gate.sarif"), filepath.Join(dir, "gate.xml")
	env := prEnv(t, "approved-for-production")
	r := runCLI(t, env, gateArgs("metrics.json", upstream(t, nil), "--out", out, "--sarif", sarif, "--junit", junit)...)
	r.wantCode(t, 0)
	doc := readEvidence(t, out)
	if doc.Kind != evidence.KindPromotionDecision || doc.Status != evidence.StatusPass || doc.Subject.Name != "fraud-model" ||
		doc.Subject.Digest["sha256"] != readEvidence(t, upstream(t, nil)[2]).Subject.Digest["sha256"] || check(t, doc, "evidence.subject").Status != evidence.StatusPass {
		t.Fatalf("%s %s %q", doc.Kind, doc.Status, doc.Subject.Name)
	}
	var details evidence.PromotionDetails
	if err := doc.DetailsAs(&details); err != nil {
		t.Fatal(err)
	}
	if !details.Promote || len(details.Metrics) != 5 || len(details.Evidence) != 3 || len(details.Policies) < 20 {
		t.Fatalf("details: promote %v, %d metrics, %d evidence, %d policies", details.Promote, len(details.Metrics), len(details.Evidence), len(details.Policies))
	}
	acc := details.Metrics[0]
	if acc.Name != "accuracy" || *acc.Candidate != 0.931 || *acc.Baseline != 0.925 || acc.Change == nil || acc.RelativeChange == nil ||
		acc.Threshold != ">= 0.9, improvement >= -0.01" || acc.Direction != "higher" || acc.Source.Line != 6 {
		t.Fatalf("accuracy result %+v", acc)
	}
	for _, p := range details.Policies {
		if p.Title == "" || p.Source == nil || !strings.HasSuffix(p.Source.File, ".rego") {
			t.Fatalf("policy result without metadata or source: %+v", p)
		}
	}
	if outputs := readOutputs(t, env); !strings.Contains(outputs, "promote<<") || !strings.Contains(outputs, "\ntrue\n") {
		t.Fatalf("outputs:\n%s", outputs)
	}
	sarifData, _ := os.ReadFile(sarif)
	if !strings.Contains(string(sarifData), `"version": "2.1.0"`) || !strings.Contains(string(sarifData), `"results": []`) {
		t.Fatalf("sarif:\n%s", sarifData)
	}
	junitData, _ := os.ReadFile(junit)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(junitData, &suites); err != nil || suites.Tests != len(doc.Checks) || suites.Failures != 0 {
		t.Fatalf("junit %+v %v", suites, err)
	}
}

// A regressed candidate with a pickle file and no approval is blocked, and
// every reason is reported where a person fixes it.
func TestGateBlocks(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	os.MkdirAll(model, 0o755)
	os.WriteFile(filepath.Join(model, "model.safetensors"), []byte("w"), 0o644)
	// A pickle (protocol 4) of the integer 1: what torch.save's legacy format starts with.
	os.WriteFile(filepath.Join(model, "pytorch_model.bin"), []byte("\x80\x04K\x01."), 0o644)
	os.WriteFile(filepath.Join(model, "openvino_model.bin"), []byte{0, 0, 0, 63}, 0o644)
	out, sarif := filepath.Join(dir, "decision.json"), filepath.Join(dir, "gate.sarif")
	env := prEnv(t, "ml")
	args := gateArgs("regressed.json", upstream(t, nil), "--out", out, "--sarif", sarif)
	args = append(args, "--model", model) // the later --model wins
	r := runCLI(t, env, args...)
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	var details evidence.PromotionDetails
	doc.DetailsAs(&details)
	if details.Promote || doc.Status != evidence.StatusFail {
		t.Fatalf("promote %v status %s", details.Promote, doc.Status)
	}
	failed := map[string]bool{}
	for _, c := range doc.Checks {
		if c.Status.Failed() {
			failed[c.ID] = true
		}
	}
	for _, id := range []string{"metric.accuracy", "metric.latency_ms.p95", "policy.mlgate.serialization.deny_pickle", "policy.mlgate.approval.deny_unapproved"} {
		if !failed[id] {
			t.Errorf("%s should fail; failed: %v", id, failed)
		}
	}
	if !strings.Contains(readOutputs(t, env), "\nfalse\n") {
		t.Fatalf("promote output not false:\n%s", readOutputs(t, env))
	}
	// Annotations point at the gate file's rule and the policy's rule.
	if !strings.Contains(r.stdout, "::error col=5,file=../../testdata/gate/gate.yaml,line=6,title=metric.accuracy::0.889 is below the minimum 0.9") {
		t.Errorf("no annotation on the accuracy rule:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`file=\.\./\.\./policies/serialization\.rego,line=\d+,title=policy\.mlgate\.serialization\.deny_pickle::pytorch_model\.bin is pickle-based \(its content is pickle\)`).MatchString(r.stdout) ||
		strings.Contains(r.stdout, "openvino_model.bin is pickle-based") {
		t.Errorf("no annotation on the pickle policy:\n%s", r.stdout)
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(summary), "Promotion decision") {
		t.Errorf("job summary:\n%s", summary)
	}
	sarifData, _ := os.ReadFile(sarif)
	// Locations are relative to the repository root, never climbing out of it;
	// the library rule sits at the gate file, its rule file beside it.
	if !strings.Contains(string(sarifData), `"uri": "policies/serialization.rego"`) ||
		!strings.Contains(string(sarifData), `"uri": "testdata/gate/gate.yaml"`) || strings.Contains(string(sarifData), `"uri": "../`) {
		t.Errorf("SARIF locations are not the repository's:\n%s", sarifData)
	}
}

// The terminal output of a blocked gate, pinned.
func TestGateTextGolden(t *testing.T) {
	r := runCLI(t, nil, "gate", "-c", fixture("gate.yaml"), "-m", fixture("regressed.json"), "-b", fixture("baseline.json"))
	r.wantCode(t, 1)
	golden.Check(t, fixture("regressed.txt.golden"), []byte(r.stdout))
}

func TestGateMarkdownEscapesUntrustedText(t *testing.T) {
	dir := t.TempDir()
	metrics := filepath.Join(dir, "m.csv")
	os.WriteFile(metrics, []byte("name,value\nacc,0.5\n"), 0o644)
	gate := filepath.Join(dir, "gate.yaml")
	os.WriteFile(gate, []byte("apiVersion: mlgate.dev/v1\nkind: PromotionGate\nmetrics:\n  - name: \"acc|<img src=x>@team\"\n"), 0o644)
	r := runCLI(t, nil, "gate", "-c", gate, "-m", metrics, "--format", "markdown")
	r.wantCode(t, 1)
	// The name shows only inside code spans, with its pipe escaped.
	outsideCode := regexp.MustCompile("`[^`]*`").ReplaceAllString(r.stdout, "")
	if !strings.Contains(r.stdout, "`acc\\|<img src=x>@team`") || strings.Contains(outsideCode, "<img") || strings.Contains(outsideCode, "@team") {
		t.Fatalf("unescaped:\n%s", r.stdout)
	}
}

func TestGateBootstrapOnly(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("candidate,baseline\n")
	for i := range 300 {
		c, base := "1", "1"
		if i%10 == 0 {
			base = "0"
		}
		b.WriteString(c + "," + base + "\n")
	}
	os.WriteFile(filepath.Join(dir, "scores.csv"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "gate.yaml"), []byte("apiVersion: mlgate.dev/v1\nkind: PromotionGate\nmetrics:\n  - name: accuracy\n    change: {absolute: 0.05}\n    bootstrap: {scores: scores.csv, candidate: candidate, baseline: baseline, resamples: 1000}\n"), 0o644)
	out := filepath.Join(dir, "d.json")
	r := runCLI(t, nil, "gate", "-c", filepath.Join(dir, "gate.yaml"), "--out", out)
	r.wantCode(t, 0)
	var details evidence.PromotionDetails
	readEvidence(t, out).DetailsAs(&details)
	iv := details.Metrics[0].Interval
	if iv == nil || iv.Lower < 0.05 || iv.Upper > 0.16 || iv.Resamples != 1000 {
		t.Fatalf("interval %+v", iv)
	}
}

func TestGateCannotRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	badPolicy := write("bad.rego", "package bad\n\ndeny contains msg if {\n\tmsg := x\n}\n")
	notEvidence := write("notevidence.json", `{"apiVersion": "mlgate.dev/v1", "kind": "Nope"}`)
	labels := write("labels.json", `{"model": "fraud", "stage": "candidate"}`)
	// A pull request's module in the library's package, exempting its deny
	// rules (issue #10), and a policy phoning out.
	exempt := write("exempt.rego", "package mlgate.signature\n\nexception contains name if {\n\tsome name in {\"missing\", \"identity\"}\n}\n")
	phone := write("phone.rego", "package phone\n\ndeny contains \"x\" if {\n\thttp.send({\"method\": \"GET\", \"url\": \"http://127.0.0.1:9\"}).status_code != 200\n}\n")
	badGate := write("gate.yaml", "apiVersion: mlgate.dev/v1\nkind: PromotionGate\nmetrics:\n  - name: a\n    mni: 1\n")
	metrics := fixture("metrics.json")
	gate := fixture("gate.yaml")
	cases := map[string]struct {
		args []string
		want string
	}{
		"no config":         {[]string{"gate", "-m", metrics}, "--config is required"},
		"no metrics":        {[]string{"gate", "-c", gate}, "--metrics is required"},
		"bad gate file":     {[]string{"gate", "-c", badGate, "-m", metrics}, badGate + `:5:5: unknown key "mni" (did you mean "min"?)`},
		"missing metrics":   {[]string{"gate", "-c", gate, "-m", filepath.Join(dir, "absent.json")}, "absent.json: no such file"},
		"bad metrics":       {[]string{"gate", "-c", gate, "-m", labels}, labels + ": no numeric metrics"},
		"policy compile":    {[]string{"gate", "-c", gate, "-m", metrics, "-p", badPolicy}, "bad.rego:4: var x is unsafe"},
		"reserved package":  {[]string{"gate", "-c", gate, "-m", metrics, "-p", library, "-p", exempt}, exempt + ":1: package mlgate.signature is reserved for mlgate's policy library"},
		"network":           {[]string{"gate", "-c", gate, "-m", metrics, "-p", phone}, phone + ":4: undefined function http.send"},
		"policy memory":     {[]string{"gate", "-c", gate, "-m", metrics, "-p", phone, "--policy-memory", "0"}, "--policy-memory 0: both must be positive"},
		"bad evidence":      {[]string{"gate", "-c", gate, "-m", metrics, "-e", notEvidence}, notEvidence + `: unknown kind "Nope"`},
		"overwrite input":   {[]string{"gate", "-c", gate, "-m", metrics, "--out", metrics}, metrics + ": refusing to overwrite an input"},
		"outputs collide":   {[]string{"gate", "-c", gate, "-m", metrics, "--out", filepath.Join(dir, "o.json"), "--sarif", filepath.Join(dir, "o.json")}, "are the same file"},
		"data alone":        {[]string{"gate", "-c", gate, "-m", metrics, "-d", fixture("settings.yaml")}, "--data is given without --policy"},
		"positional":        {[]string{"gate", "-c", gate, "-m", metrics, "extra"}, "unknown command"},
		"bad format":        {[]string{"gate", "-c", gate, "-m", metrics, "--format", "xml"}, `--format "xml"`},
		"missing model dir": {[]string{"gate", "-c", gate, "-m", metrics, "-p", library, "--model", filepath.Join(dir, "nomodel")}, "nomodel: no such file"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			r.wantCode(t, 2)
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
				t.Fatalf("stderr %q, want %q", r.stderr, tc.want)
			}
		})
	}
	if data, _ := os.ReadFile(metrics); !strings.Contains(string(data), `"accuracy": 0.931`) {
		t.Fatal("the metrics file was overwritten")
	}
}

// A policy that errors at evaluation fails closed: exit 2, promote=false, and
// the error located in the policy.
func TestGatePolicyErrorFailsClosed(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "limits.rego")
	os.WriteFile(p, []byte("package limits\n\ndeny contains msg if {\n\tn := to_number(input.model.metadata.max_batch)\n\tn > 10\n\tmsg := \"batch too large\"\n}\n"), 0o644)
	card := filepath.Join(dir, "card.yaml")
	os.WriteFile(card, []byte("max_batch: lots\n"), 0o644)
	env := actionsEnv(t)
	out := filepath.Join(dir, "d.json")
	r := runCLI(t, env, "gate", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"), "-p", p, "--model-card", card, "--out", out)
	r.wantCode(t, 2)
	doc := readEvidence(t, out)
	last := doc.Checks[len(doc.Checks)-1]
	if last.Status != evidence.StatusError || last.Source == nil || last.Source.File != p || last.Source.Line != 4 {
		t.Fatalf("check %+v at %v", last, last.Source)
	}
	if !strings.Contains(readOutputs(t, env), "\nfalse\n") {
		t.Fatal("promote should be false")
	}
}

// --library applies the policy library built into the binary, as --policy
// with the policies/ folder does, without a copy of it.
func TestGateBuiltInLibrary(t *testing.T) {
	dir := t.TempDir()
	args := []string{"gate", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-d", fixture("settings.yaml")}
	lib, folder := filepath.Join(dir, "lib.json"), filepath.Join(dir, "folder.json")
	a := runCLI(t, nil, append(args, "--library", "--out", lib)...)
	b := runCLI(t, nil, append(args, "-p", library, "--out", folder)...)
	if a.code != b.code || a.code == exitCantRun {
		t.Fatalf("--library exit %d, --policy policies/ exit %d\n%s\n%s", a.code, b.code, a.stderr, b.stderr)
	}
	pa, _ := evidence.DetailsOf[evidence.PromotionDetails](readEvidence(t, lib))
	pb, _ := evidence.DetailsOf[evidence.PromotionDetails](readEvidence(t, folder))
	if len(pa.Policies) == 0 || len(pa.Policies) != len(pb.Policies) {
		t.Fatalf("%d results with --library, %d with the folder", len(pa.Policies), len(pb.Policies))
	}
	for i := range pa.Policies {
		if pa.Policies[i].Rule != pb.Policies[i].Rule || pa.Policies[i].Status != pb.Policies[i].Status {
			t.Fatalf("result %d: %+v, folder %+v", i, pa.Policies[i], pb.Policies[i])
		}
	}
}
