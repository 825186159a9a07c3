package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing/sigstoretest"
)

// TestKeylessInActions runs sign --keyless as a GitHub Actions step would:
// the token comes from the Actions ID-token endpoint, then Fulcio and Rekor.
// The three services are local stand-ins (sigstoretest: a test CA and
// sigstore-go's VirtualSigstore log key are the only simulated parts); the
// clients and the verification are the real ones.
func TestKeylessInActions(t *testing.T) {
	s := sigstoretest.New(t)
	env := actionsEnv(t)
	env["ACTIONS_ID_TOKEN_REQUEST_URL"] = s.OIDCRequestURL
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sigstoretest.RequestToken
	model := writeModel(t)
	out := filepath.Join(t.TempDir(), "sig.json")
	r := runCLI(t, env, "sign", "--keyless", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL, "--out", out, model)
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "::add-mask::"+sigstoretest.IDToken()) {
		t.Error("the OIDC token was not masked in the log")
	}
	var d evidence.SignatureDetails
	if err := readEvidence(t, out).DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if d.Signer == nil || d.Signer.Identity != sigstoretest.Identity || d.Signer.Issuer != sigstoretest.Issuer ||
		d.Tlog == nil || !strings.HasPrefix(d.Tlog.URL, s.RekorURL) {
		t.Fatalf("signature details %+v", d)
	}

	vout := filepath.Join(t.TempDir(), "verify.json")
	runCLI(t, nil, "verify", "--trusted-root", s.TrustedRootPath,
		"--certificate-identity-regexp", `^https://github\.com/acme/models/`,
		"--certificate-oidc-issuer", sigstoretest.Issuer, "--out", vout, model).wantCode(t, 0)
	if err := readEvidence(t, vout).DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"repository": sigstoretest.Repository, "ref": sigstoretest.Ref, "sha": sigstoretest.SHA, "trigger": sigstoretest.Trigger, "workflow": sigstoretest.Identity}
	for k, v := range want {
		if d.Signer.GitHub[k] != v {
			t.Errorf("verification evidence GitHub claim %s = %q, want %q", k, d.Signer.GitHub[k], v)
		}
	}

	r = runCLI(t, nil, "verify", "--trusted-root", s.TrustedRootPath,
		"--certificate-identity", "https://github.com/acme/models/.github/workflows/other.yml@refs/heads/main",
		"--certificate-oidc-issuer", sigstoretest.Issuer, model)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "other.yml") {
		t.Errorf("the identity mismatch does not name the expected identity:\n%s", r.stdout)
	}
}

// TestKeylessWithoutIDTokenPermission: outside a job with id-token: write,
// keyless signing says what is missing and exits 2.
func TestKeylessWithoutIDTokenPermission(t *testing.T) {
	r := runCLI(t, actionsEnv(t), "sign", "--keyless", writeModel(t))
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "id-token: write") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

func writeDecision(t *testing.T, status evidence.Status) string {
	t.Helper()
	doc := evidence.New(evidence.KindPromotionDecision, evidence.Subject{Name: "fraud-model"}, evidence.Tool{Name: "mlgate", Version: "test"}, testNow())
	doc.Add(evidence.Check{ID: "metric.auc", Status: status, Message: "auc 0.91 >= 0.90"})
	doc.Details = evidence.PromotionDetails{Promote: !status.Failed(), Evidence: []evidence.EvidenceRef{{Kind: evidence.KindDataValidation, Subject: "train", Status: evidence.StatusPass}}}
	doc.Finish(testNow())
	p := filepath.Join(t.TempDir(), "decision.json")
	if err := evidence.Write(p, doc); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAttestAndVerifyPromotion: attest records that the model passed the gate
// with its lineage; verify --attestation accepts exactly that model, and
// refuses a changed model or a decision that failed.
func TestAttestAndVerifyPromotion(t *testing.T) {
	key, pub := testKey(t)
	model := writeModel(t)
	metrics := filepath.Join(t.TempDir(), "metrics.json")
	appendTo(t, metrics, `{"auc": 0.91}`)
	env := keyEnv()
	env["GITHUB_SHA"], env["GITHUB_REPOSITORY"] = sigstoretest.SHA, sigstoretest.Repository
	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	out := filepath.Join(t.TempDir(), "attest.json")
	runCLI(t, env, "attest", "--key", key, "--decision", writeDecision(t, evidence.StatusPass),
		"--metrics", metrics, "--bundle", bundle, "--out", out, model).wantCode(t, 0)
	doc := readEvidence(t, out)
	var d evidence.SignatureDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != evidence.KindAttestation || d.PredicateType != "https://slsa.dev/verification_summary/v1" {
		t.Fatalf("attestation evidence %+v", doc)
	}

	vout := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, "--out", vout, model).wantCode(t, 0)
	if v := readEvidence(t, vout); v.Subject.Digest["sha256"] != doc.Subject.Digest["sha256"] {
		t.Fatalf("verified digest %v, attested %v", v.Subject.Digest, doc.Subject.Digest)
	}

	// The model that passed is not this one any more.
	appendTo(t, filepath.Join(model, "weights", "layer-0.bin"), "retrained")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 1)

	// A decision that failed is attested as FAILED and does not pass verify.
	model2 := writeModel(t)
	failed := filepath.Join(t.TempDir(), "failed.sigstore.json")
	runCLI(t, env, "attest", "--key", key, "--decision", writeDecision(t, evidence.StatusFail), "--bundle", failed, model2).wantCode(t, 0)
	r := runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", failed, model2)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "did not pass the gate") {
		t.Fatalf("stdout %s", r.stdout)
	}
}
