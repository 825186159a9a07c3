package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// writeReportEvidence writes a promotion decision and a data validation
// (failing when fail is true) and returns their paths.
func writeReportEvidence(t *testing.T, fail bool) []string {
	t.Helper()
	dir := t.TempDir()
	start := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	tool := evidence.Tool{Name: "mlgate", Version: "v0.1.0"}
	acc, base, change, rel := 0.93, 0.91, 0.02, 0.02/0.91
	gate := evidence.New(evidence.KindPromotionDecision, evidence.Subject{Name: "fraud-model"}, tool, start)
	gate.Details = evidence.PromotionDetails{Promote: !fail, Metrics: []evidence.MetricResult{{Name: "accuracy",
		Candidate: &acc, Baseline: &base, Change: &change, RelativeChange: &rel, Direction: "higher",
		Threshold: ">= 0.90", Status: evidence.StatusPass, Message: "ok"}}}
	gate.Add(evidence.Check{ID: "metric.accuracy", Status: evidence.StatusPass, Message: "0.93 >= 0.90"})
	val := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "transactions"}, tool, start)
	val.Details = evidence.ValidationDetails{Contract: "contract.yaml", Rows: 100}
	if fail {
		val.Add(evidence.Check{ID: "column.amount.max", Status: evidence.StatusFail, Message: "max 12 exceeds 10",
			Failures: 1, Total: 100, Location: &evidence.Location{Column: "@org/team|x"}})
	} else {
		val.Add(evidence.Check{ID: "column.amount.max", Status: evidence.StatusPass, Message: "max 9 within 10"})
	}
	var paths []string
	for name, d := range map[string]*evidence.Document{"gate.json": gate, "validate.json": val} {
		d.Finish(start.Add(time.Second))
		p := filepath.Join(dir, name)
		if err := evidence.Write(p, d); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestReportPrintsAndWritesMarkdown(t *testing.T) {
	for _, fail := range []bool{false, true} {
		paths := writeReportEvidence(t, fail)
		out := filepath.Join(t.TempDir(), "report.md")
		r := runCLI(t, nil, append([]string{"report", "--report-out", out, "--title", "Model fraud"}, paths...)...)
		want, verdict := 0, "## ✅ Ready to merge and promote: all 2 checks passed\n"
		if fail {
			want, verdict = 1, "## ❌ Do not merge or promote: 1 check failed: `column.amount.max`\n"
		}
		r.wantCode(t, want)
		md, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"**Model fraud**", verdict, "| `accuracy` | 0.91 → 0.93 | +0.02 |"} {
			if !strings.Contains(string(md), s) {
				t.Errorf("report.md lacks %q:\n%s", s, md)
			}
		}
		if !strings.Contains(r.stdout, "Promotion decision: fraud-model") || strings.Contains(r.stdout, "| `") {
			t.Errorf("text output:\n%s", r.stdout)
		}
	}
}

func TestReportMarkdownFormat(t *testing.T) {
	r := runCLI(t, nil, append([]string{"report", "--format", "markdown"}, writeReportEvidence(t, false)...)...)
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "## ✅ Ready to merge and promote: all 2 checks passed\n\n**mlgate report**") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
}

func TestReportBadInputIsExit2(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "model.onnx")
	os.WriteFile(notJSON, []byte("\x00\x01binary"), 0o644)
	good := writeReportEvidence(t, false)
	cases := map[string][]string{
		"missing file":   {"report", filepath.Join(dir, "missing.json")},
		"not evidence":   {"report", good[0], notJSON},
		"no arguments":   {"report"},
		"bad mode":       {"report", "--mode", "sticky", good[0]},
		"bad format":     {"report", "--format", "html", good[0]},
		"pr and issue":   {"report", "--pr", "--issue", good[0]},
		"out over input": {"report", "--report-out", good[0], good[0]},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			before, _ := os.ReadFile(good[0])
			r := runCLI(t, nil, args...)
			r.wantCode(t, 2)
			if strings.Contains(r.stderr, "goroutine") || r.stderr == "" {
				t.Fatalf("stderr: %s", r.stderr)
			}
			if after, _ := os.ReadFile(good[0]); string(after) != string(before) {
				t.Fatal("an input was overwritten")
			}
		})
	}
	r := runCLI(t, nil, "report", good[0], notJSON)
	if !strings.Contains(r.stderr, notJSON) {
		t.Errorf("the error should name the bad file: %s", r.stderr)
	}
}

// prEnv is an Actions environment for a pull_request run on o/r#7 against the stand-in.
func reportPREnv(t *testing.T, f *githubfake.Server, token string) map[string]string {
	t.Helper()
	env := actionsEnv(t)
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"number":7,"pull_request":{"number":7,"head":{"sha":"abc","repo":{"id":1}},"base":{"repo":{"id":1}}},"repository":{"id":1,"full_name":"o/r"}}`
	if err := os.WriteFile(event, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"GITHUB_TOKEN": token, "GITHUB_API_URL": f.URL(), "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": event, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
	} {
		env[k] = v
	}
	return env
}

func TestReportStickyPRComment(t *testing.T) {
	f := githubfake.New(t)
	env := reportPREnv(t, f, "ghs-installation")
	first := runCLI(t, env, append([]string{"report", "--pr"}, writeReportEvidence(t, true)...)...)
	first.wantCode(t, 1)
	second := runCLI(t, env, append([]string{"report", "--pr"}, writeReportEvidence(t, false)...)...)
	second.wantCode(t, 0)
	bodies := f.Bodies(7)
	if len(bodies) != 1 {
		t.Fatalf("%d comments, want 1", len(bodies))
	}
	if !strings.HasPrefix(bodies[0], `<!-- mlgate:report {"id":"mlgate","v":1} -->`+"\n## ✅ Ready to merge and promote") {
		t.Fatalf("comment:\n%s", bodies[0])
	}
	if !strings.Contains(first.stdout, "::add-mask::ghs-installation") {
		t.Error("the token was not masked before use")
	}
	for _, r := range []cliResult{first, second} {
		if strings.Contains(strings.ReplaceAll(r.stdout, "::add-mask::ghs-installation", ""), "ghs-installation") ||
			strings.Contains(r.stderr, "ghs-installation") {
			t.Error("the token was printed")
		}
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	outputs, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	if !strings.Contains(string(summary), "**mlgate report**") || !strings.Contains(string(outputs), "https://github.com/o/r/pull/7#issuecomment-") {
		t.Errorf("summary:\n%s\noutputs:\n%s", summary, outputs)
	}
}

func TestReportForkFallsBackToSummary(t *testing.T) {
	f := githubfake.New(t)
	f.ReadOnly = true
	env := reportPREnv(t, f, "ghs-installation")
	r := runCLI(t, env, append([]string{"report", "--pr"}, writeReportEvidence(t, false)...)...)
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "read-only token") || !strings.Contains(r.stdout, "::warning title=mlgate report not posted::") {
		t.Errorf("no warning:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
	if summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"]); !strings.Contains(string(summary), "**mlgate report**") {
		t.Error("the report is not in the job summary")
	}
	strict := runCLI(t, env, append([]string{"report", "--pr", "--require-post"}, writeReportEvidence(t, false)...)...)
	strict.wantCode(t, 2)
}

func TestReportIssueMode(t *testing.T) {
	f := githubfake.New(t)
	env := reportPREnv(t, f, "ghs-installation")
	env["GITHUB_EVENT_NAME"], env["GITHUB_EVENT_PATH"] = "schedule", ""
	runCLI(t, env, append([]string{"report", "--issue", "--id", "nightly", "--label", "drift"}, writeReportEvidence(t, true)...)...).wantCode(t, 1)
	if len(f.Issues) != 1 || f.Issues[0].State != "open" || f.Issues[0].Labels[0] != "drift" || f.Issues[0].Title != "mlgate: nightly" {
		t.Fatalf("issues %+v", f.Issues)
	}
	runCLI(t, env, append([]string{"report", "--issue", "--id", "nightly", "--label", "drift"}, writeReportEvidence(t, false)...)...).wantCode(t, 0)
	if len(f.Issues) != 1 || f.Issues[0].State != "closed" {
		t.Fatalf("issues %+v", f.Issues)
	}
}

func TestReportPRNeedsANumber(t *testing.T) {
	f := githubfake.New(t)
	env := reportPREnv(t, f, "ghs-installation")
	env["GITHUB_EVENT_NAME"], env["GITHUB_EVENT_PATH"] = "push", ""
	r := runCLI(t, env, append([]string{"report", "--pr"}, writeReportEvidence(t, false)...)...)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "--pr-number") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	r = runCLI(t, env, append([]string{"report", "--pr", "--pr-number", "7"}, writeReportEvidence(t, false)...)...)
	r.wantCode(t, 0)
	delete(env, "GITHUB_TOKEN")
	r = runCLI(t, env, append([]string{"report", "--pr", "--pr-number", "7"}, writeReportEvidence(t, false)...)...)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "GITHUB_TOKEN") {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

// TestReportWorkflowRunChecksPRNumber: in the second stage of the fork
// pattern (workflow_run) the number the first stage saved is accepted only
// for the pull request whose head commit and head repository are the run's;
// anything else exits 2 and posts nothing. The event is @octokit/webhooks-
// examples' workflow_run from a fork (GitHub lists no pull request for it);
// GitHub's API is the githubfake stand-in (TestRunPullRequestMatchesOpenAPI
// checks the request against GitHub's REST description).
func TestReportWorkflowRunChecksPRNumber(t *testing.T) {
	payload := testenv.WebhookExamples(t, "workflow_run")[0]
	var run struct {
		WorkflowRun struct {
			HeadSHA        string `json:"head_sha"`
			HeadRepository struct {
				ID       int64  `json:"id"`
				FullName string `json:"full_name"`
			} `json:"head_repository"`
			PullRequests []json.RawMessage `json:"pull_requests"`
		} `json:"workflow_run"`
	}
	if err := json.Unmarshal(payload, &run); err != nil {
		t.Fatal(err)
	}
	wr := run.WorkflowRun
	if len(wr.PullRequests) != 0 || wr.HeadRepository.ID == 0 {
		t.Fatalf("the first example is no longer a run from a fork: %+v", wr)
	}
	f := githubfake.New(t)
	env := reportPREnv(t, f, "ghs-installation")
	event := filepath.Join(t.TempDir(), "workflow_run.json")
	if err := os.WriteFile(event, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	env["GITHUB_EVENT_NAME"], env["GITHUB_EVENT_PATH"] = "workflow_run", event
	f.AddPull(7, githubfake.Pull{HeadSHA: wr.HeadSHA, HeadRepoID: wr.HeadRepository.ID, HeadRepoName: wr.HeadRepository.FullName})
	f.AddPull(8, githubfake.Pull{HeadSHA: strings.Repeat("f", 40), HeadRepoID: wr.HeadRepository.ID, HeadRepoName: wr.HeadRepository.FullName})
	f.AddPull(9, githubfake.Pull{HeadSHA: wr.HeadSHA, HeadRepoID: 4242, HeadRepoName: "mallory/Hello-World"})

	runCLI(t, env, append([]string{"report", "--pr", "--pr-number", "7"}, writeReportEvidence(t, false)...)...).wantCode(t, 0)
	if len(f.Bodies(7)) != 1 {
		t.Fatalf("pull request 7: %d comments, want 1", len(f.Bodies(7)))
	}
	for number, want := range map[string]string{"8": "is at commit", "9": "comes from mallory/Hello-World", "10": "checking pull request #10"} {
		r := runCLI(t, env, append([]string{"report", "--pr", "--pr-number", number}, writeReportEvidence(t, false)...)...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("pull request %s: stderr does not say %q:\n%s", number, want, r.stderr)
		}
	}
	for _, n := range []int{8, 9, 10} {
		if len(f.Bodies(n)) != 0 {
			t.Errorf("pull request %d got a comment", n)
		}
	}
}

// The CLI conventions of #14 on report: a quoted glob is expanded as every
// command does, --format json prints the documents and the status, and the
// old --out still writes the markdown, with a warning naming --report-out.
func TestReportGlobJSONAndOldOut(t *testing.T) {
	paths := writeReportEvidence(t, true)
	dir := filepath.Dir(paths[0])
	r := runCLI(t, nil, "report", "--format", "json", filepath.Join(dir, "*.json"))
	r.wantCode(t, 1)
	var got struct {
		Status   evidence.Status      `json:"status"`
		Evidence []*evidence.Document `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if got.Status != evidence.StatusFail || len(got.Evidence) != 2 {
		t.Fatalf("status %q, %d documents, want fail and 2", got.Status, len(got.Evidence))
	}
	if r := runCLI(t, nil, "report", filepath.Join(dir, "nothing-*.json")); r.code != 2 || !strings.Contains(r.stderr, "matches no files") {
		t.Fatalf("a glob matching nothing: exit %d\n%s", r.code, r.stderr)
	}
	md := filepath.Join(t.TempDir(), "report.md")
	old := runCLI(t, nil, "report", "--out", md, filepath.Join(dir, "*.json"))
	old.wantCode(t, 1)
	if b, err := os.ReadFile(md); err != nil || !strings.Contains(string(b), "column.amount.max") {
		t.Fatalf("--out did not write the markdown: %v", err)
	}
	if !strings.Contains(old.stderr, "--out is deprecated: use --report-out") || strings.Contains(old.stdout, "deprecated") {
		t.Fatalf("no deprecation warning on stderr:\nstdout:\n%s\nstderr:\n%s", old.stdout, old.stderr)
	}
}
