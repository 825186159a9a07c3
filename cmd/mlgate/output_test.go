package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// copyFile copies src into dir (so a test may offer it as a victim) and
// returns the copy's path.
func copyFile(t *testing.T, src, dir string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// wantRefused runs the CLI and checks that it exits 2 naming every one of
// names, and that victim is byte for byte what it was.
func wantRefused(t *testing.T, env map[string]string, victim string, names []string, args ...string) {
	t.Helper()
	before, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, args...)
	r.wantCode(t, 2)
	for _, n := range names {
		if !strings.Contains(r.stderr, n) {
			t.Fatalf("stderr does not name %s:\n%s", n, r.stderr)
		}
	}
	after, err := os.ReadFile(victim)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("%s changed (%v)", victim, err)
	}
}

// TestOutputNeverReplacesAnInput reproduces issue #11's attacks: each one
// exited 0 and destroyed an input before the output plan.
func TestOutputNeverReplacesAnInput(t *testing.T) {
	dir := t.TempDir()
	testKeyPath, testPub := testKey(t)
	key := copyFile(t, testKeyPath, dir)
	pub := copyFile(t, testPub, dir)
	model := writeModel(t)
	bundle := filepath.Join(dir, "model.sigstore.json")
	runCLI(t, keyEnv(), "sign", "--key", key, "--bundle", bundle, model).wantCode(t, 0)
	decision := writeDecision(t, "pass")
	data := filepath.Join(dir, "train.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	cur := filepath.Join(dir, "cur.parquet")
	dataset(t, cur, 2, 300, 100, 0, false)
	weights := filepath.Join(model, "weights", "layer-0.bin")

	cases := []struct {
		name   string
		victim string
		names  []string
		args   []string
	}{
		{"sign --out the private key", key, []string{"--out", "--key", key},
			[]string{"sign", "--key", key, "--bundle", filepath.Join(dir, "b1.json"), "--out", key, model}},
		{"verify --out the public key", pub, []string{"--out", "--key", pub},
			[]string{"verify", "--key", pub, "--bundle", bundle, "--out", pub, model}},
		{"verify --out the bundle", bundle, []string{"--out", "--bundle", bundle},
			[]string{"verify", "--key", pub, "--bundle", bundle, "--out", bundle, model}},
		{"attest --out the decision", decision, []string{"--out", "--decision", decision},
			[]string{"attest", "--key", key, "--decision", decision, "--bundle", filepath.Join(dir, "p1.json"), "--out", decision, model}},
		{"attest --out the dataset", data, []string{"--out", "--dataset", data},
			[]string{"attest", "--key", key, "--decision", decision, "--dataset", data, "--bundle", filepath.Join(dir, "p2.json"), "--out", data, model}},
		{"sign --out a file of the model", weights, []string{"--out", "model", weights, model},
			[]string{"sign", "--key", key, "--bundle", filepath.Join(dir, "b2.json"), "--out", weights, model}},
		{"sign --bundle a file of the model", weights, []string{"bundle", weights, "--overwrite"},
			[]string{"sign", "--key", key, "--bundle", weights, model}},
		{"sign --bundle over a model file with --overwrite", weights, []string{"bundle", weights, "not a Sigstore bundle"},
			[]string{"sign", "--key", key, "--bundle", weights, "--overwrite", model}},
		{"validate --out the data", data, []string{"--out", "--contract", data},
			[]string{"validate", "--contract", data, "--out", data, data}},
		{"drift --out the reference", data, []string{"--out", "--reference", data},
			[]string{"drift", "--reference", data, "--out", data, cur}},
		{"report --report-out an evidence file", decision, []string{"--report-out", "evidence", decision},
			[]string{"report", "--report-out", decision, decision}},
		{"gate --sarif the metrics", copyFile(t, fixture("metrics.json"), dir), []string{"--sarif", "--metrics", "metrics.json"},
			[]string{"gate", "--config", fixture("gate.yaml"), "--metrics", filepath.Join(dir, "metrics.json"), "--sarif", filepath.Join(dir, "metrics.json")}},
		{"gate --out inside the policy folder", filepath.Join(library, "README.md"), []string{"--out", "--policy", library},
			[]string{"gate", "--config", fixture("gate.yaml"), "--metrics", fixture("metrics.json"), "--policy", library, "--out", filepath.Join(library, "README.md")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantRefused(t, keyEnv(), c.victim, c.names, c.args...) })
	}
}

func TestOutputsOfOneRunDiffer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	same := filepath.Join(dir, "same.json")
	os.WriteFile(same, []byte("kept"), 0o644)
	wantRefused(t, nil, same, []string{"--profile-out", "--out", same}, "profile", "--profile-out", same, "--out", same, data)
	key, _ := testKey(t)
	wantRefused(t, keyEnv(), same, []string{"--out", "bundle", same}, "sign", "--key", key, "--bundle", same, "--overwrite", "--out", same, writeModel(t))
}

func TestRunnerFilesAreNotOutputs(t *testing.T) {
	env := actionsEnv(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	out := env["GITHUB_OUTPUT"]
	before, _ := os.ReadFile(out)
	r := runCLI(t, env, "profile", "--out", out, data)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "GITHUB_OUTPUT") || !strings.Contains(r.stderr, "--out") {
		t.Fatalf("stderr does not name GITHUB_OUTPUT and --out:\n%s", r.stderr)
	}
	// The runner's file is only appended to (status=error, as on every exit
	// path), never replaced by the profile.
	after, _ := os.ReadFile(out)
	if !bytes.HasPrefix(after, before) || bytes.Contains(after, []byte("ColumnProfile")) {
		t.Fatalf("GITHUB_OUTPUT was replaced or holds the profile:\n%s", after)
	}
}

func TestContractAndProfileNeedOverwrite(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	contract := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contract, []byte("# edited by hand\n"), 0o644)
	wantRefused(t, nil, contract, []string{"--contract-out", contract, "--overwrite"}, "contract", "infer", "--contract-out", contract, data)
	runCLI(t, nil, "contract", "infer", "--overwrite", "--contract-out", contract, data).wantCode(t, 0)
	if b, _ := os.ReadFile(contract); !strings.Contains(string(b), "kind: DataContract") {
		t.Fatalf("contract not replaced with --overwrite:\n%s", b)
	}
	prof := filepath.Join(dir, "ref.profile.json")
	os.WriteFile(prof, []byte("{}"), 0o644)
	wantRefused(t, nil, prof, []string{"--profile-out", prof, "--overwrite"}, "profile", "--profile-out", prof, data)
	runCLI(t, nil, "profile", "--overwrite", "--profile-out", prof, data).wantCode(t, 0)
}

// "-" is standard output, never a file named "-"; the summary moves to stderr.
func TestDashIsStdout(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	r := runCLI(t, nil, "profile", "--out", "-", data)
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stdout, `"kind": "Profile"`) || !strings.Contains(r.stderr, "profiled") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "contract", "infer", "--contract-out", "-", data)
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "kind: DataContract") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	if _, err := os.Lstat(filepath.Join(dir, "-")); err == nil {
		t.Fatal("a file named - was created")
	}
}

func TestSymlinkOutputRefused(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	target := filepath.Join(dir, "target.json")
	os.WriteFile(target, []byte("target"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, nil, target, []string{link, "symlink"}, "profile", "--evidence", link, data)
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced")
	}
}

func TestFlagsRangeChecked(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	key, _ := testKey(t)
	model := writeModel(t)
	for _, c := range []struct {
		flag string
		args []string
	}{
		{"--workers", []string{"validate", "--contract", data, "--workers", "-1", data}},
		{"--workers", []string{"profile", "--workers", "0", data}},
		{"--max-page-size", []string{"drift", "--reference", data, "--max-page-size", "0", data}},
		{"--memory", []string{"profile", "--memory", "8", data}},
		{"--shard-size", []string{"sign", "--key", key, "--method", "shards", "--shard-size", "0", model}},
		{"--shard-size", []string{"sign", "--key", key, "--shard-size", "-1", model}},
		{"--method", []string{"sign", "--key", key, "--method", "bogus", model}},
		{"--workers", []string{"verify", "--key", key, "--workers", "-3", model}},
		{"--pr-number", []string{"report", "--pr", "--pr-number", "0", data}},
	} {
		r := runCLI(t, keyEnv(), c.args...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, c.flag) {
			t.Fatalf("%v: stderr does not name %s:\n%s", c.args, c.flag, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(model, "model.sig")); err == nil {
		t.Fatal("a bundle was written despite a bad flag")
	}
}

// The key is unlocked before the model is hashed: with a model that cannot be
// hashed (a symlink inside), a wrong password is what is reported.
func TestKeyUnlockedBeforeHashing(t *testing.T) {
	key, _ := testKey(t)
	model := writeModel(t)
	if err := os.Symlink("/etc/hostname", filepath.Join(model, "link")); err != nil {
		t.Fatal(err)
	}
	decision := writeDecision(t, "pass")
	for _, cmd := range [][]string{
		{"sign", "--key", key, "--bundle", filepath.Join(t.TempDir(), "b.json"), model},
		{"attest", "--key", key, "--decision", decision, "--bundle", filepath.Join(t.TempDir(), "p.json"), model},
	} {
		right := runCLI(t, keyEnv(), cmd...)
		right.wantCode(t, 2)
		// attest refuses this hand-written decision (no model digest) once
		// the key is unlocked; sign goes on to hash and meets the symlink.
		if !strings.Contains(right.stderr, "link") && !(cmd[0] == "attest" && strings.Contains(right.stderr, "records no model digest")) {
			t.Fatalf("%s with the right password: want the model's symlink reported:\n%s", cmd[0], right.stderr)
		}
		wrong := runCLI(t, map[string]string{"COSIGN_PASSWORD": "wrong"}, cmd...)
		wrong.wantCode(t, 2)
		if strings.Contains(wrong.stderr, "link") || !strings.Contains(strings.ToLower(wrong.stderr), "key") {
			t.Fatalf("%s with a wrong password: want the key error first:\n%s", cmd[0], wrong.stderr)
		}
	}
}

// drift --reference train/*.parquet cur.parquet, unquoted: the shell gives
// the second training file as current data. The summary says which files are
// which, and a file on both sides is refused.
func TestDriftNamesBothSides(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train")
	os.Mkdir(train, 0o755)
	a, b := filepath.Join(train, "a.parquet"), filepath.Join(train, "b.parquet")
	cur := filepath.Join(dir, "cur.parquet")
	dataset(t, a, 1, 300, 100, 0, false)
	dataset(t, b, 2, 300, 100, 0, false)
	dataset(t, cur, 3, 300, 100, 0, false)
	r := runCLI(t, nil, "drift", "--reference", a, b, cur)
	if r.code == 2 || !strings.Contains(r.stdout, "reference: "+a) || !strings.Contains(r.stdout, "current: "+b+", "+cur) {
		t.Fatalf("the summary does not say which files are which (exit %d):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "drift", "--reference", filepath.Join(train, "*.parquet"), b)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, b) || !strings.Contains(r.stderr, "both") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
}

// writeDecision writes a small decision document: the output tests need a
// file to name, since outputs are refused before the decision is read.
func writeDecision(t *testing.T, status evidence.Status) string {
	t.Helper()
	doc := evidence.New(evidence.KindPromotionDecision, evidence.Subject{Name: "fraud-model"}, evidence.Tool{Name: "mlgate", Version: "test"}, testNow())
	doc.Add(evidence.Check{ID: "metric.auc", Status: status, Message: "auc 0.91 >= 0.90"})
	doc.Details = evidence.PromotionDetails{Promote: !status.Failed()}
	doc.Finish(testNow())
	p := filepath.Join(t.TempDir(), "decision.json")
	if err := evidence.Write(p, doc); err != nil {
		t.Fatal(err)
	}
	return p
}
