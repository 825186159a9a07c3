package workflowtest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/githubfake"
	"github.com/mlgate/mlgate/internal/testenv"
)

// The example workflows run end to end under act, on a repository laid out as a
// team using mlgate would have it (internal/demogen), with mlgate's actions
// resolved to this checkout (mlgate/mlgate@v1). Everything runs for real (act,
// the composite actions, install.sh building mlgate with Go, mlgate itself,
// curl and jq in the workflows' scripts) except two stand-ins:
//   - GitHub's REST API is internal/githubfake on loopback;
//   - actions/upload-artifact and actions/download-artifact, which act cannot
//     fetch offline and which need GitHub's artifact service, are the test-only
//     composite actions in testdata/, copying files through a shared folder.

// examplesEnv is what every example run shares: this checkout as mlgate@v1
// and the package's shared mlgate build (mlgateBinary), used to prepare the
// users' repositories and taken by the actions from PATH.
type examplesEnv struct {
	mlgate string // path of the binary
	action string // snapshot of this checkout, served as mlgate/mlgate@v1
}

func newExamplesEnv(t *testing.T) examplesEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("act runs are not short")
	}
	testenv.Tool(t, "act")
	return examplesEnv{mlgate: mlgateBinary(t), action: snapshot(t)}
}

// run runs a command in dir and fails the test when it fails.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=demo")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// userRepo lays out a team's repository with demogen, lets prepare add what
// the example needs, copies the example workflow unmodified, and commits it
// all with origin o/r (the repository the GitHub stand-in serves).
func (e examplesEnv) userRepo(t *testing.T, workflow string, prepare func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	run(t, testenv.RepoRoot(t), "go", "run", "./internal/demogen", "-out", dir, "-password", "demo")
	if prepare != nil {
		prepare(dir)
	}
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), ".github", "workflows", workflow))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, ".github", "workflows", workflow), data, 0o644); err != nil {
		t.Fatal(err)
	}
	commit(t, dir, "the team's repository")
	run(t, dir, "git", "remote", "add", "origin", "https://github.com/o/r")
	return dir
}

// commit commits everything in dir, creating the repository the first time.
func commit(t *testing.T, dir, message string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		run(t, dir, "git", "init", "-q", "-b", "main")
	}
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "-c", "user.name=mlgate-test", "-c", "user.email=test@mlgate.invalid", "commit", "-q", "-m", message)
}

// act runs workflow in repo with the stand-in's URL, the Actions bot's token
// and the signing secrets, and mlgate's actions served from this checkout.
// more adds environment and local repositories.
func (e examplesEnv) act(t *testing.T, repo, workflow, event, eventJSON string, gh *githubfake.Server, more actOptions) actRun {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(repo, "cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	o := actOptions{
		env: map[string]string{"GITHUB_API_URL": gh.URL()},
		secrets: map[string]string{"GITHUB_TOKEN": "ghs-installation",
			"MLGATE_SIGNING_KEY": string(key), "MLGATE_SIGNING_KEY_PASSWORD": "demo",
			"MLGATE_PR_SIGNING_KEY": string(key), "MLGATE_PR_SIGNING_KEY_PASSWORD": "demo"},
		local:  map[string]string{"mlgate/mlgate@v1": e.action},
		mlgate: e.mlgate,
	}
	for k, v := range more.env {
		o.env[k] = v
	}
	for k, v := range more.local {
		o.local[k] = v
	}
	r := runAct(t, repo, workflow, event, eventJSON, o)
	// Every action took the shared binary: none built mlgate again.
	if strings.Contains(r.log, "building mlgate from") || !strings.Contains(r.log, " from path: ") {
		t.Errorf("the actions did not take mlgate from PATH (MLGATE_USE_PATH=true):\n%s", r.log)
	}
	return r
}

// pullRequestEvent is the first "opened" pull_request payload of
// @octokit/webhooks-examples, moved to repository o/r and number.
func pullRequestEvent(t *testing.T, number int) string {
	t.Helper()
	for _, raw := range testenv.WebhookExamples(t, "pull_request") {
		var ex map[string]any
		if json.Unmarshal(raw, &ex) != nil || ex["action"] != "opened" {
			continue
		}
		pr := ex["pull_request"].(map[string]any)
		ex["number"], pr["number"] = number, number
		for _, repo := range []any{ex["repository"], pr["base"].(map[string]any)["repo"], pr["head"].(map[string]any)["repo"]} {
			r := repo.(map[string]any)
			r["full_name"], r["name"] = "o/r", "r"
			r["owner"].(map[string]any)["login"] = "o"
		}
		out, _ := json.Marshal(ex)
		return string(out)
	}
	t.Fatal("no opened pull_request example in @octokit/webhooks-examples")
	return ""
}

// onBase sets the pull request's base commit in an event payload.
func onBase(t *testing.T, eventJSON, sha string) string {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal([]byte(eventJSON), &ev); err != nil {
		t.Fatal(err)
	}
	ev["pull_request"].(map[string]any)["base"].(map[string]any)["sha"] = sha
	out, _ := json.Marshal(ev)
	return string(out)
}

func TestExamplePRModelCheck(t *testing.T) {
	t.Parallel()
	e := newExamplesEnv(t)
	repo := e.userRepo(t, "example-pr-model-check.yml", func(dir string) {
		os.MkdirAll(filepath.Join(dir, "profiles"), 0o755)
		run(t, dir, e.mlgate, "profile", "--profile-out", "profiles/reference.json", "data/reference/part-0.parquet")
	})
	// The base branch's commit: the workflow reads its configuration from
	// there (trusted/), whatever the pull request changes.
	base := strings.TrimSpace(run(t, repo, "git", "rev-parse", "HEAD"))
	gh := githubfake.New(t)
	const number = 7
	// A reviewer's comment, and the report of an earlier push, which the run
	// must update in place rather than add a second report.
	gh.AddComment(number, "octocat", "Looks good, waiting for the model check.")
	gh.AddComment(number, githubfake.BotLogin, `<!-- mlgate:report {"id":"mlgate","v":1} -->`+"\nreport of the previous push")

	r := e.act(t, repo, "example-pr-model-check.yml", "pull_request", onBase(t, pullRequestEvent(t, number), base), gh, actOptions{})
	if !r.ok {
		t.Fatalf("the model check failed under act:\n%s", r.log)
	}
	for key, want := range map[string]string{
		"model-check/validate/status": "warn", // a new country: a warning of the contract
		"model-check/drift/status":    "warn", // three columns drifted, not the dataset
		"model-check/drift/drifted":   "false",
		"model-check/sign/status":     "pass",
		"model-check/verify/status":   "pass",
		"model-check/gate/promote":    "true",
		"model-check/gate/status":     "warn",
	} {
		if got := r.outputs[key]; got != want {
			t.Errorf("output %s = %q, want %q", key, got, want)
		}
	}
	if got := r.outputs["model-check/drift/drifted-columns"]; got != "country,income" {
		t.Errorf("drifted-columns = %q, want country,income (drift.yaml leaves the id column out)", got)
	}
	if got, ran := r.steps["model-check/Block the merge when the gate says no"]; ran {
		t.Errorf("the blocking step ran (%s); the gate promoted", got)
	}

	bodies := gh.Bodies(number)
	if len(bodies) != 2 || !strings.HasPrefix(bodies[0], "Looks good") {
		t.Fatalf("want the reviewer's comment and one report, got %d comments:\n%s", len(bodies), strings.Join(bodies, "\n----\n"))
	}
	report := bodies[1]
	for _, want := range []string{`<!-- mlgate:report {"id":"mlgate","v":1} -->`, "Model check", "loan-default-gbt",
		"column.country.allowed", "income", "eval.auc", "all 4 signed files match"} {
		if !strings.Contains(report, want) {
			t.Errorf("the PR comment lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "previous push") {
		t.Errorf("the earlier report was not replaced:\n%s", report)
	}
	summary := r.summaries["model-check"]
	if !strings.Contains(summary, "loan-default-gbt") || !strings.Contains(summary, "eval.auc") {
		t.Errorf("the job summary lacks the gate's report:\n%s", summary)
	}

	// The next push brings a worse candidate and loosens, in the same pull
	// request, the gate, the baseline and the policy settings: the gate (reading the base commit's) blocks it, the report
	// still runs and updates the same comment (and fails, as the evidence
	// did), and the last step says why the job failed.
	for name, content := range map[string]string{
		"metrics/candidate.json": `{"eval": {"auc": 0.87, "accuracy": 0.85, "log_loss": 0.33}, "latency_ms": {"p95": 41.0}}`,
		"metrics/baseline.json":  `{"eval": {"auc": 0.5, "accuracy": 0.5, "log_loss": 0.9}, "latency_ms": {"p95": 99.0}}`,
		"gate.yaml":              "apiVersion: mlgate.dev/v1\nkind: PromotionGate\nmetrics:\n  - name: eval.auc\n    min: 0.5\n",
		"mlgate-policy.yaml":     "config: {}",
	} {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit(t, repo, "a worse candidate, and a gate loosened to let it through")
	r = e.act(t, repo, "example-pr-model-check.yml", "pull_request", onBase(t, pullRequestEvent(t, number), base), gh, actOptions{})
	if r.ok {
		t.Fatalf("a blocked model passed the check:\n%s", r.log)
	}
	// The report step has no id: act names it by its index, 7.
	if r.outputs["model-check/gate/promote"] != "false" || r.outputs["model-check/7/status"] != "fail" ||
		r.steps["model-check/Block the merge when the gate says no"] != "failure" {
		t.Errorf("blocked candidate: outputs %v, steps %v", r.outputs, r.steps)
	}
	if !strings.Contains(r.log, "the promotion gate blocked this model") {
		t.Errorf("the job does not say why it failed:\n%s", r.log)
	}
	bodies = gh.Bodies(number)
	if len(bodies) != 2 || !strings.Contains(bodies[1], "Promote: **no**") || !strings.Contains(bodies[1], "eval.auc") {
		t.Errorf("want the same report comment updated to a blocked promotion, got %d comments:\n%s", len(bodies), strings.Join(bodies, "\n----\n"))
	}
}

// driftReference profiles only the columns the team watches for drift; two of
// the three (country and income) shifted in demogen's current data, so the
// dataset drifts.
func driftReference(t *testing.T, mlgate string) func(string) {
	return func(dir string) {
		os.MkdirAll(filepath.Join(dir, "profiles"), 0o755)
		run(t, dir, mlgate, "profile", "--columns", "country,income,age", "--profile-out", "profiles/reference.json", "data/reference/part-0.parquet")
	}
}

func TestExampleScheduledDrift(t *testing.T) {
	t.Parallel()
	e := newExamplesEnv(t)
	repo := e.userRepo(t, "example-scheduled-drift.yml", driftReference(t, e.mlgate))
	gh := githubfake.New(t)

	r := e.act(t, repo, "example-scheduled-drift.yml", "schedule", `{"schedule": "23 5 * * *"}`, gh, actOptions{})
	if !r.ok {
		t.Fatalf("the drift check failed under act:\n%s", r.log)
	}
	// fail-on-drift is false: the step warns and the workflow decides.
	if r.outputs["drift/drift/status"] != "warn" || r.outputs["drift/drift/drifted"] != "true" ||
		r.outputs["drift/drift/drifted-columns"] != "country,income" {
		t.Errorf("drift outputs %v, want a warning, drifted true on country,income", r.outputs)
	}
	issues := gh.Issues
	if len(issues) != 1 {
		t.Fatalf("want one drift issue, got %d", len(issues))
	}
	is := issues[0]
	if is.State != "open" || is.Title != "Data drift" || len(is.Labels) != 1 || is.Labels[0] != "data-drift" ||
		is.User.Login != githubfake.BotLogin || !strings.Contains(is.Body, `"id":"drift-watch"`) ||
		!strings.Contains(is.Body, "country") || !strings.Contains(is.Body, "income") {
		t.Errorf("drift issue %+v", is)
	}
	d := gh.Dispatches()
	if len(d) != 1 || d[0].Workflow != "retrain.yml" || d[0].Ref != "main" || d[0].Inputs["drifted-columns"] != "country,income" {
		t.Errorf("retraining dispatches %+v, want one of retrain.yml on main for country,income", d)
	}
	if !strings.Contains(r.summaries["drift"], "country") {
		t.Errorf("the job summary lacks the drift report:\n%s", r.summaries["drift"])
	}

	// After retraining, the reference is the profile of the new training data
	// (this week's data): the drift ends, the issue is closed and nothing more
	// is dispatched.
	run(t, repo, e.mlgate, "profile", "--overwrite", "--profile-out", "profiles/reference.json", "data/current/part-0.parquet")
	commit(t, repo, "retrained: a new reference profile")
	r = e.act(t, repo, "example-scheduled-drift.yml", "workflow_dispatch", `{}`, gh, actOptions{})
	if !r.ok {
		t.Fatalf("the second drift check failed under act:\n%s", r.log)
	}
	if _, ran := r.steps["drift/Dispatch retraining"]; ran || r.outputs["drift/drift/drifted"] != "false" {
		t.Errorf("stable data: outputs %v, steps %v", r.outputs, r.steps)
	}
	if len(gh.Issues) != 1 || gh.Issues[0].State != "closed" || len(gh.Dispatches()) != 1 {
		t.Errorf("stable data: %d issues (the first %s), dispatches %+v; want the issue closed and no new dispatch",
			len(gh.Issues), gh.Issues[0].State, gh.Dispatches())
	}
}

func TestExampleReleaseVerify(t *testing.T) {
	t.Parallel()
	e := newExamplesEnv(t)
	// The release pipeline's earlier stages: the model was signed, passed the
	// gate, and the decision was attested for these exact bytes.
	repo := e.userRepo(t, "example-release-verify.yml", func(dir string) {
		run(t, dir, e.mlgate, "sign", "--key", "cosign.key", "model")
		run(t, dir, e.mlgate, "verify", "--key", "cosign.pub", "--out", "evidence/verification.json", "model")
		run(t, dir, e.mlgate, "gate", "--config", "gate.yaml", "--metrics", "metrics/candidate.json",
			"--baseline", "metrics/baseline.json", "--evidence", "evidence/verification.json", "--model", "model", "--out", "evidence/promotion.json")
		run(t, dir, e.mlgate, "attest", "--key", "cosign.key", "--decision", "evidence/promotion.json", "--bundle", "model.att", "model")
		os.RemoveAll(filepath.Join(dir, "evidence"))
	})
	gh := githubfake.New(t)
	const push = `{"ref": "refs/tags/model-v1.4.0", "repository": {"full_name": "o/r", "name": "r", "owner": {"login": "o"}, "default_branch": "main"}}`

	r := e.act(t, repo, "example-release-verify.yml", "push", push, gh, actOptions{})
	if !r.ok {
		t.Fatalf("the release failed under act:\n%s", r.log)
	}
	rel := gh.Releases()
	if len(rel) != 1 || rel[0].TagName != "model-v1.4.0" || rel[0].Name != "Model model-v1.4.0" || rel[0].Author.Login != githubfake.BotLogin {
		t.Fatalf("releases %+v, want model-v1.4.0 created by the Actions bot", rel)
	}
	// Each verification step writes its section once, under its own title.
	for _, title := range []string{"Signature verification", "Attestation verification"} {
		if n := strings.Count(r.summaries["release"], title); n != 1 {
			t.Errorf("the job summary shows %q %d times, want once:\n%s", title, n, r.summaries["release"])
		}
	}

	// A model file changed after signing: verification fails, nothing is released.
	os.WriteFile(filepath.Join(repo, "model", "config.json"), []byte(`{"architecture": "backdoored"}`+"\n"), 0o644)
	commit(t, repo, "a changed model")
	r = e.act(t, repo, "example-release-verify.yml", "push", strings.Replace(push, "1.4.0", "1.4.1", 1), gh, actOptions{})
	if r.ok {
		t.Fatalf("the release of a tampered model succeeded:\n%s", r.log)
	}
	if _, ran := r.steps["release/Publish the release"]; ran || r.steps["release/Verify the model's signature"] != "failure" {
		t.Errorf("steps %v: want the verification failed and no publish", r.steps)
	}
	if !strings.Contains(r.log, "config.json") {
		t.Errorf("the log does not name the changed file:\n%s", r.log)
	}
	if got := gh.Releases(); len(got) != 1 {
		t.Errorf("a tampered model was released: %+v", got)
	}
}

func TestExampleShardedProfile(t *testing.T) {
	t.Parallel()
	e := newExamplesEnv(t)
	repo := e.userRepo(t, "example-sharded-profile.yml", nil)
	gh := githubfake.New(t)
	artifacts := t.TempDir()
	stand := filepath.Join(testenv.RepoRoot(t), "internal", "workflowtest", "testdata")
	// The two artifact actions are the test-only stand-ins (testdata/README.md),
	// at the commits the example pins.
	r := e.act(t, repo, "example-sharded-profile.yml", "workflow_dispatch",
		`{"inputs": {"reference-data": "data/reference/*.parquet", "current-data": "data/current/*.parquet"}}`, gh, actOptions{
			env: map[string]string{"MLGATE_TEST_ARTIFACTS": artifacts},
			local: map[string]string{
				"actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02":   filepath.Join(stand, "upload-artifact"),
				"actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093": filepath.Join(stand, "download-artifact"),
			}})
	if !r.ok {
		t.Fatalf("the sharded profile failed under act:\n%s", r.log)
	}
	// The merged profile is exactly the profile of the whole dataset.
	merged, err := os.ReadFile(filepath.Join(artifacts, "reference-profile", "reference.profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(t.TempDir(), "whole.json")
	run(t, repo, e.mlgate, "profile", "--profile-out", whole, "data/reference/part-0.parquet")
	if want, _ := os.ReadFile(whole); string(merged) != string(want) {
		t.Errorf("the merged profile differs from the whole dataset's profile")
	}
	// Each matrix job, in its own workspace, uploaded its own shard only.
	for i := 0; i < 4; i++ {
		entries, _ := os.ReadDir(filepath.Join(artifacts, fmt.Sprintf("profile-shard-%d", i)))
		if len(entries) != 1 || entries[0].Name() != fmt.Sprintf("shard-%d.profile.json", i) {
			t.Errorf("artifact profile-shard-%d holds %v, want shard-%d.profile.json", i, entries, i)
		}
	}
	if r.outputs["drift/drift/drifted"] != "false" || r.outputs["drift/drift/drifted-columns"] != "country,id,income" {
		t.Errorf("drift outputs %v, want drifted false with country,id,income drifted", r.outputs)
	}
	if _, ran := r.steps["drift/Trigger retraining"]; ran || len(gh.Dispatches()) != 0 {
		t.Errorf("retraining was triggered without dataset drift: steps %v, dispatches %+v", r.steps, gh.Dispatches())
	}
}
