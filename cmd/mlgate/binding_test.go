package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

// signAndVerify signs a model with the key and verifies it, as a release job
// would; it returns the Verification evidence file.
func signAndVerify(t *testing.T, key, pub, model string, extra ...string) string {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "model.sig")
	args := append([]string{"sign", "--key", key, "--bundle", bundle}, extra...)
	runCLI(t, keyEnv(), append(args, model)...).wantCode(t, 0)
	out := filepath.Join(t.TempDir(), "verify.json")
	args = append([]string{"verify", "--key", pub, "--bundle", bundle, "--out", out}, extra...)
	runCLI(t, nil, append(args, model)...).wantCode(t, 0)
	return out
}

// gateModel runs the gate over a model with passing metrics and no policy.
func gateModel(t *testing.T, model string, extra ...string) (cliResult, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "decision.json")
	args := []string{"gate", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"), "--out", out}
	if model != "" {
		args = append(args, "--model", model)
	}
	return runCLI(t, nil, append(args, extra...)...), out
}

// check returns the decision's check with the id, failing the test without one.
func check(t *testing.T, doc *evidence.Document, id string) evidence.Check {
	t.Helper()
	for _, c := range doc.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no %s check in %+v", id, doc.Checks)
	return evidence.Check{}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestSignVerifyGateAttestChain runs the release chain through the real
// commands: sign, verify, gate on the Verification, attest the decision,
// verify the attestation on the deploy side. The SLSA VSA is as the spec says.
func TestSignVerifyGateAttestChain(t *testing.T) {
	key, pub := testKey(t)
	model := writeModel(t)
	verified := signAndVerify(t, key, pub, model)

	r, decisionPath := gateModel(t, model, "--evidence", verified)
	r.wantCode(t, 0)
	decision := readEvidence(t, decisionPath)
	if c := check(t, decision, "evidence.subject"); c.Status != evidence.StatusPass {
		t.Fatalf("subject check %+v", c)
	}
	v := readEvidence(t, verified)
	if decision.Subject.Digest["sha256"] != v.Subject.Digest["sha256"] || decision.Subject.Hashing == nil ||
		decision.Subject.Hashing.Method != "files" || len(decision.Subject.Files) != 5 {
		t.Fatalf("decision subject %+v, verified %+v", decision.Subject, v.Subject)
	}

	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	attested := filepath.Join(t.TempDir(), "attest.json")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decisionPath, "--bundle", bundle, "--out", attested, model).wantCode(t, 0)
	if a := readEvidence(t, attested); a.Subject.Digest["sha256"] != decision.Subject.Digest["sha256"] {
		t.Fatalf("attested %v, decided %v", a.Subject.Digest, decision.Subject.Digest)
	}
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 0)

	// The predicate, read raw.
	data, err := signing.ReadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := signing.LoadPublicKey(context.Background(), pub)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signing.VerifyBundle(data, signing.Trust{PublicKey: pk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			ResourceURI       string         `json:"resourceUri"`
			Policy            signing.Ref    `json:"policy"`
			InputAttestations []signing.Ref  `json:"inputAttestations"`
			VerifiedLevels    []string       `json:"verifiedLevels"`
			MLGate            map[string]any `json:"mlgate"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(sv.Payload, &st); err != nil {
		t.Fatal(err)
	}
	p := st.Predicate
	gateAbs, _ := filepath.Abs(fixture("gate.yaml"))
	if p.ResourceURI != "file://"+filepath.ToSlash(model) || p.Policy.URI != "file://"+filepath.ToSlash(gateAbs) ||
		p.Policy.Digest["sha256"] != sha256File(t, fixture("gate.yaml")) {
		t.Fatalf("resourceUri %q, policy %+v", p.ResourceURI, p.Policy)
	}
	if len(p.InputAttestations) != 2 || p.InputAttestations[0].Digest["sha256"] != sha256File(t, decisionPath) ||
		p.InputAttestations[1].Digest["sha256"] != sha256File(t, verified) {
		t.Fatalf("inputAttestations %+v", p.InputAttestations)
	}
	if len(p.VerifiedLevels) != 1 || p.VerifiedLevels[0] != signing.PromotedLevel || p.MLGate["lineage"] == nil || p.MLGate["hashing"] == nil {
		t.Fatalf("levels %v, mlgate %v", p.VerifiedLevels, p.MLGate)
	}

	// In GitHub Actions the model is named in the repository at the commit.
	env := keyEnv()
	env["GITHUB_ACTIONS"], env["GITHUB_REPOSITORY"], env["GITHUB_SHA"], env["GITHUB_WORKSPACE"] = "true", "acme/fraud", "0123abc", filepath.Dir(model)
	bundle2 := filepath.Join(t.TempDir(), "p2.sigstore.json")
	runCLI(t, env, "attest", "--key", key, "--decision", decisionPath, "--bundle", bundle2, model).wantCode(t, 0)
	data, _ = signing.ReadBundle(bundle2)
	if sv, err = signing.VerifyBundle(data, signing.Trust{PublicKey: pk}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := signing.ParsePromotion(sv.Payload); got.ResourceURI != "git+https://github.com/acme/fraud@0123abc#model" {
		t.Fatalf("resourceUri in Actions %q", got.ResourceURI)
	}
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decisionPath, "--bundle", filepath.Join(t.TempDir(), "p3.json"),
		"--resource-uri", "not a uri", model).wantCode(t, 2)
}

// TestGateBindsVerificationToTheCandidate: model A's Verification does not
// promote model B, and the decision's digest is model B's, computed by the gate.
func TestGateBindsVerificationToTheCandidate(t *testing.T) {
	key, pub := testKey(t)
	modelA, modelB := writeModel(t), writeModel(t)
	appendTo(t, filepath.Join(modelB, "weights", "layer-0.bin"), "backdoor")
	verifyA := signAndVerify(t, key, pub, modelA)

	r, out := gateModel(t, modelB, "--evidence", verifyA)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "FAIL evidence.subject: Verification evidence "+verifyA+" is about another model") {
		t.Fatalf("the terminal output does not say why:\n%s", r.stdout)
	}
	doc := readEvidence(t, out)
	if c := check(t, doc, "evidence.subject"); c.Status != evidence.StatusFail || !strings.Contains(c.Message, "is about another model") {
		t.Fatalf("subject check %+v", c)
	}
	if doc.Subject.Digest["sha256"] == readEvidence(t, verifyA).Subject.Digest["sha256"] {
		t.Fatal("the decision copied the Verification's digest")
	}
	var d evidence.PromotionDetails
	if doc.DetailsAs(&d); d.Promote {
		t.Fatal("promoted model B on model A's Verification")
	}

	// A Verification cannot be bound without the model.
	r, out = gateModel(t, "", "--evidence", verifyA)
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, out), "evidence.subject"); !strings.Contains(c.Message, "the gate must be given the model") {
		t.Fatalf("subject check %+v", c)
	}

	// A signature that ignored a file the candidate has does not cover it.
	appendTo(t, filepath.Join(modelA, "extra.bin"), "unsigned")
	verifyIgnoring := signAndVerify(t, key, pub, modelA, "--ignore-paths", "extra.bin")
	r, out = gateModel(t, modelA, "--evidence", verifyIgnoring)
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, out), "evidence.subject"); !strings.Contains(c.Message, "does not cover the candidate's extra.bin") {
		t.Fatalf("subject check %+v", c)
	}

	// A Verification of the same bytes under other file names is not this model.
	modelC := writeModel(t)
	rename(t, filepath.Join(modelC, "weights", "layer-0.bin"), filepath.Join(modelC, "weights", "layer-9.bin"))
	r, out = gateModel(t, modelC, "--evidence", signAndVerify(t, key, pub, writeModel(t)))
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, out), "evidence.subject"); c.Status != evidence.StatusFail {
		t.Fatalf("subject check %+v", c)
	}
}

// TestGateBindsDataValidationToTheDataset: with --dataset, a DataValidation
// must name exactly those files by sha256.
func TestGateBindsDataValidationToTheDataset(t *testing.T) {
	dir := t.TempDir()
	a := writeTable(t, dir, "a.parquet", 50, 50, 1)
	b := writeTable(t, dir, "b.parquet", 50, 50, 2)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n"), 0o644)
	validate := func(args ...string) string {
		out := filepath.Join(t.TempDir(), "validation.json")
		runCLI(t, nil, append([]string{"validate", "--contract", contractPath, "--out", out}, args...)...).wantCode(t, 0)
		return out
	}
	model := writeModel(t)
	cases := []struct {
		name, evidence string
		dataset        []string
		want           string // "" passes
	}{
		{"the same files", validate("--digest", a, b), []string{a, b}, ""},
		{"the same folder", validate("--digest", a, b), []string{dir}, ""},
		{"another file", validate("--digest", a), []string{b}, "is about files that are not the dataset given: " + a},
		{"fewer files", validate("--digest", a), []string{a, b}, "does not cover the dataset's " + b},
		{"no digests", validate(a), []string{a}, "does not record the sha256 of " + a + ": validate again, recording each file's digest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--evidence", c.evidence}
			for _, d := range c.dataset {
				args = append(args, "--dataset", d)
			}
			r, out := gateModel(t, model, args...)
			got := check(t, readEvidence(t, out), "evidence.subject")
			if c.want == "" {
				r.wantCode(t, 0)
				if got.Status != evidence.StatusPass {
					t.Fatalf("check %+v", got)
				}
				return
			}
			r.wantCode(t, 1)
			if got.Status != evidence.StatusFail || !strings.Contains(got.Message, c.want) {
				t.Fatalf("check %q, want %q", got.Message, c.want)
			}
		})
	}
}

// TestGateBlocksFailedEvidenceWithoutPolicy: a failed evidence document that
// no policy judges says "do not promote".
func TestGateBlocksFailedEvidenceWithoutPolicy(t *testing.T) {
	failed := upstream(t, func(d *evidence.Document) {
		if d.Kind == evidence.KindDataValidation {
			d.Add(evidence.Check{ID: "rows.min", Status: evidence.StatusFail, Severity: evidence.SeverityError, Message: "10 rows < 100"})
		}
	})[0]
	r, out := gateModel(t, "", "--evidence", failed)
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	if c := check(t, doc, "evidence.status"); c.Status != evidence.StatusFail || c.Location.File != failed {
		t.Fatalf("status check %+v", c)
	}
	if !strings.Contains(r.stdout, "do not promote:") || strings.Contains(r.stdout, "\npromote:") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
}

// TestEvidenceClaimingBetterThanItsChecksIsRefused: a document whose status
// is pass while its checks failed stops report and gate, naming the file.
func TestEvidenceClaimingBetterThanItsChecksIsRefused(t *testing.T) {
	dir := t.TempDir()
	doc := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "transactions"}, evidence.Tool{Name: "mlgate", Version: "test"}, testNow())
	for range 27 {
		doc.Add(evidence.Check{ID: "column.amount.max", Status: evidence.StatusFail, Message: "max too high"})
	}
	doc.Status = evidence.StatusPass
	lying := filepath.Join(dir, "lying.json")
	if err := evidence.Write(lying, doc); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", lying},
		{"gate", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"), "-p", library, "-e", lying},
	} {
		r := runCLI(t, nil, args...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, lying) || !strings.Contains(r.stderr, "claims status pass but its checks say fail (27 of 27 checks failed)") {
			t.Fatalf("%s: stderr %q", args[0], r.stderr)
		}
	}
}

// TestAttestRefusesDecisionsNotAboutThisPassedModel: attest signs only a
// decision that promotes this exact model, consistently.
func TestAttestRefusesDecisionsNotAboutThisPassedModel(t *testing.T) {
	key, _ := testKey(t)
	modelA, modelB := writeModel(t), writeModel(t)
	appendTo(t, filepath.Join(modelB, "config.json"), " ")
	r, decisionA := gateModel(t, modelA)
	r.wantCode(t, 0)
	blocked := filepath.Join(t.TempDir(), "blocked.json")
	runCLI(t, nil, "gate", "-c", fixture("gate.yaml"), "-m", fixture("regressed.json"), "-b", fixture("baseline.json"),
		"--model", modelA, "--out", blocked).wantCode(t, 1)

	// Hand-written decisions, each edited from decision A.
	edit := func(change func(*evidence.Document, *evidence.PromotionDetails)) string {
		d := readEvidence(t, decisionA)
		var pd evidence.PromotionDetails
		if err := d.DetailsAs(&pd); err != nil {
			t.Fatal(err)
		}
		change(d, &pd)
		d.Details = pd
		p := filepath.Join(t.TempDir(), "decision.json")
		if err := evidence.Write(p, d); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, decision, model, want string
	}{
		{"decision of model A for model B", decisionA, modelB, "is about another model"},
		{"a blocked decision", blocked, modelA, "does not promote the model"},
		{"promote false, no checks, any digest", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Checks, pd.Promote, d.Subject.Digest["sha256"] = []evidence.Check{}, false, strings.Repeat("e", 64)
		}), modelA, "does not promote the model"},
		{"promote true over a failed check", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Checks[0].Status = evidence.StatusFail
		}), modelA, "claims status pass but its checks say fail"},
		{"status worse than its checks", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Status = evidence.StatusWarn
		}), modelA, "has status warn but its checks say pass"},
		{"no hashing record", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Subject.Hashing = nil
		}), modelA, "records no model digest and hashing: run the gate with --model"},
		{"a hashing that ignores a file", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Subject.Hashing.IgnorePaths = append(d.Subject.Hashing.IgnorePaths, "config.json")
		}), modelA, "ignoring config.json, which attest does not ignore"},
		{"the files renamed", edit(func(d *evidence.Document, pd *evidence.PromotionDetails) {
			d.Subject.Files[0].Path = "renamed.bin"
		}), modelA, "does not list exactly the files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
			r := runCLI(t, keyEnv(), "attest", "--key", key, "--decision", c.decision, "--bundle", bundle, c.model)
			r.wantCode(t, 2)
			if !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, c.decision) {
				t.Fatalf("stderr %q, want %q naming %s", r.stderr, c.want, c.decision)
			}
			if _, err := os.Stat(bundle); err == nil {
				t.Fatal("a bundle was written")
			}
		})
	}
	// The bundle is never written inside the model it attests.
	r = runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decisionA, "--bundle", filepath.Join(modelA, "p.json"), modelA)
	r.wantCode(t, 2)
}

// TestVerifyAttestationRefusesUnattestedIgnorePaths: a file added after the
// attestation cannot be waved through with --ignore-paths.
func TestVerifyAttestationRefusesUnattestedIgnorePaths(t *testing.T) {
	key, pub := testKey(t)
	model := writeModel(t)
	r, decision := gateModel(t, model)
	r.wantCode(t, 0)
	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, "--bundle", bundle, model).wantCode(t, 0)
	appendTo(t, filepath.Join(model, "backdoor.bin"), "payload")
	out := filepath.Join(t.TempDir(), "v.json")
	r = runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, "--ignore-paths", "backdoor.bin", "--out", out, model)
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, out), "file.ignore-paths"); c.Status != evidence.StatusFail ||
		!strings.Contains(c.Message, "backdoor.bin is ignored here but was not ignored when the model was attested") {
		t.Fatalf("check %+v", c)
	}
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 1)
}

// TestSingleFileModelChain: a single-file model is bound by its sha256
// through sign, verify, gate, attest and verify --attestation.
func TestSingleFileModelChain(t *testing.T) {
	key, pub := testKey(t)
	model := filepath.Join(t.TempDir(), "model.onnx")
	appendTo(t, model, "onnx weights")
	verified := signAndVerify(t, key, pub, model)
	r, decision := gateModel(t, model, "--evidence", verified)
	r.wantCode(t, 0)
	if d := readEvidence(t, decision); d.Subject.Hashing.Method != evidence.HashingBlob || d.Subject.Digest["sha256"] != sha256File(t, model) {
		t.Fatalf("subject %+v", d.Subject)
	}
	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, "--bundle", bundle, model).wantCode(t, 0)
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 0)
	appendTo(t, model, "!")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 1)
	r, _ = gateModel(t, model, "--evidence", verified)
	r.wantCode(t, 1)
}

// TestGateBindsDriftToTheDataset: drift evidence names both sides by digest
// (the profiles read and the data files they describe, as the profiles record
// them), and gate --dataset binds it to the current data like a
// DataValidation.
func TestGateBindsDriftToTheDataset(t *testing.T) {
	dir := t.TempDir()
	ref, a, b := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	dataset(t, ref, 1, 2000, 2000, 0, false)
	dataset(t, a, 2, 2000, 2000, 0, false)
	dataset(t, b, 3, 2000, 2000, 0, false)
	rp, ap := filepath.Join(dir, "ref.profile.json"), filepath.Join(dir, "a.profile.json")
	runCLI(t, nil, "profile", "--digest", "--profile-out", rp, ref).wantCode(t, 0)
	runCLI(t, nil, "profile", "--digest", "--profile-out", ap, a).wantCode(t, 0)
	drift := func(current string, extra ...string) string {
		out := filepath.Join(t.TempDir(), "drift.json")
		runCLI(t, nil, append([]string{"drift", "--reference", rp, "--out", out}, append(extra, current)...)...).wantCode(t, 0)
		return out
	}

	fromProfiles := drift(ap)
	doc := readEvidence(t, fromProfiles)
	var d evidence.DriftDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	side := func(s *evidence.DriftSide, profile, data string) {
		t.Helper()
		if s == nil || len(s.Data) != 1 || s.Data[0].Path != data || s.Data[0].Digest["sha256"] != sha256File(t, data) {
			t.Fatalf("side %+v does not name %s by digest", s, data)
		}
		if profile != "" && (len(s.Profiles) != 1 || s.Profiles[0].Digest["sha256"] != sha256File(t, profile)) {
			t.Fatalf("side %+v does not name the profile %s by digest", s, profile)
		}
	}
	side(d.ReferenceInputs, rp, ref)
	side(d.CurrentInputs, ap, a)
	if len(doc.Subject.Files) != 1 || doc.Subject.Files[0].Digest["sha256"] != sha256File(t, a) {
		t.Fatalf("drift subject %+v is not the current data by digest", doc.Subject)
	}

	model := writeModel(t)
	cases := []struct {
		name, evidence string
		dataset        string
		want           string // "" passes
	}{
		{"profiles, the same data", fromProfiles, a, ""},
		{"Parquet with --digest", drift(a, "--digest"), a, ""},
		{"another file", fromProfiles, b, "is about files that are not the dataset given: " + a},
		{"no digests", drift(a), a, "does not record the sha256 of " + a + ": profile (or drift) the data again, recording each file's digest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, out := gateModel(t, model, "--evidence", c.evidence, "--dataset", c.dataset)
			got := check(t, readEvidence(t, out), "evidence.subject")
			if c.want == "" {
				r.wantCode(t, 0)
				if got.Status != evidence.StatusPass {
					t.Fatalf("check %+v", got)
				}
				return
			}
			r.wantCode(t, 1)
			if got.Status != evidence.StatusFail || !strings.Contains(got.Message, c.want) {
				t.Fatalf("check %q, want %q", got.Message, c.want)
			}
		})
	}
}
