package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

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
	r, decision := gateModel(t, model, "--evidence", upstream(t, nil)[0])
	r.wantCode(t, 0)
	runCLI(t, env, "attest", "--key", key, "--decision", decision,
		"--metrics", metrics, "--bundle", bundle, "--out", out, model).wantCode(t, 0)
	doc := readEvidence(t, out)
	var d evidence.SignatureDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != evidence.KindAttestation || d.PredicateType != "https://slsa.dev/verification_summary/v1" {
		t.Fatalf("attestation evidence %+v", doc)
	}

	// The signed statement carries the verdict and the lineage.
	data, err := signing.ReadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := signing.LoadPublicKey(context.Background(), pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signing.VerifyBundle(data, signing.Trust{PublicKey: pk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := signing.ParsePromotion(v.Payload)
	if err != nil {
		t.Fatal(err)
	}
	metricsDigest, _, err := signing.FileDigest(context.Background(), metrics)
	if err != nil {
		t.Fatal(err)
	}
	l := p.Lineage
	if p.Result != signing.ResultPassed || p.SubjectDigest != doc.Subject.Digest["sha256"] ||
		len(l.Metrics) != 1 || l.Metrics[0].Digest["sha256"] != hex.EncodeToString(metricsDigest) ||
		l.Code == nil || l.Code.Commit != sigstoretest.SHA || l.Code.Repository != sigstoretest.Repository ||
		len(l.Evidence) != 1 || l.Evidence[0].Kind != evidence.KindDataValidation {
		t.Fatalf("promotion statement %+v, lineage %+v", p, l)
	}

	vout := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, "--out", vout, model).wantCode(t, 0)
	if v := readEvidence(t, vout); v.Subject.Digest["sha256"] != doc.Subject.Digest["sha256"] {
		t.Fatalf("verified digest %v, attested %v", v.Subject.Digest, doc.Subject.Digest)
	}

	// The model that passed is not this one any more.
	appendTo(t, filepath.Join(model, "weights", "layer-0.bin"), "retrained")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", bundle, model).wantCode(t, 1)

	// A FAILED attestation (attest refuses to sign one; another signer may
	// not) does not pass verify.
	model2 := writeModel(t)
	_, decision2 := gateModel(t, model2)
	failedDecision := readEvidence(t, decision2)
	failedDecision.Add(evidence.Check{ID: "metric.auc", Status: evidence.StatusFail, Message: "auc 0.80 < 0.90"})
	digest, _ := hex.DecodeString(failedDecision.Subject.Digest["sha256"])
	statement, err := signing.Promotion{ModelName: "model", ModelDigest: digest, Hashing: failedDecision.Subject.Hashing,
		ResourceURI: "file:///model", Policy: signing.Ref{URI: "file:///gate.yaml", Digest: map[string]string{"sha256": "ab"}},
		Decision: failedDecision, Time: testNow()}.Statement()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signing.NewKeySigner(context.Background(), key, func() ([]byte, error) { return []byte(testKeyPassword), nil })
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.SignStatement(context.Background(), statement)
	if err != nil {
		t.Fatal(err)
	}
	failed := filepath.Join(t.TempDir(), "failed.sigstore.json")
	if err := os.WriteFile(failed, signed.Bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "verify", "--attestation", "--key", pub, "--bundle", failed, model2)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "did not pass the gate") {
		t.Fatalf("stdout %s", r.stdout)
	}
}
