package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

// signedGateArgs is a passing gate over the fixtures that reads evidence
// about writeModel's model (the gate binds each Signature and Verification
// to the candidate it hashes).
func signedGateArgs(t *testing.T, evidence ...string) []string {
	args := []string{"gate", "-c", fixture("gate.yaml"), "-m", fixture("metrics.json"), "-b", fixture("baseline.json"), "--model", writeModel(t)}
	for _, e := range evidence {
		args = append(args, "--evidence", e)
	}
	return args
}

// otherPublicKey writes a fresh ECDSA public key: a signer the gate does not trust.
func otherPublicKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "other.pub")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// copyTo copies the evidence and its bundle into a fresh folder, as an
// artifact downloaded by another job would arrive.
func copyTo(t *testing.T, evidencePath string) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{evidencePath, signing.EvidenceBundlePath(evidencePath)} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, filepath.Base(evidencePath))
}

// alter changes the evidence file while keeping it a valid evidence document.
func alter(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	altered := strings.Replace(string(data), `"status": "pass"`, `"status": "warn"`, 1)
	if altered == string(data) {
		t.Fatal("nothing to alter")
	}
	if err := os.WriteFile(p, []byte(altered), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSignedEvidenceWithKey: evidence signed by one job (sign --sign-evidence)
// is accepted by the gate and the report of another job that trusts the key,
// and refused (exit 2, the file named) when altered, unsigned, signed by
// another key, or when its bundle belongs to another document.
func TestSignedEvidenceWithKey(t *testing.T) {
	key, pub := testKey(t)
	out := filepath.Join(t.TempDir(), "signature.json")
	r := runCLI(t, keyEnv(), "sign", "--key", key, "--sign-evidence", "--out", out, writeModel(t))
	r.wantCode(t, 0)
	if _, err := os.Stat(out + ".sigstore.json"); err != nil {
		t.Fatalf("no evidence bundle: %v\n%s", err, r.stderr)
	}
	// The other commands sign with --sign-evidence-key.
	vout := filepath.Join(t.TempDir(), "verify.json")
	model := writeModel(t)
	runCLI(t, keyEnv(), "sign", "--key", key, model).wantCode(t, 0)
	runCLI(t, keyEnv(), "verify", "--key", pub, "--sign-evidence", "--sign-evidence-key", key, "--out", vout, model).wantCode(t, 0)

	ev := copyTo(t, out)
	ver := copyTo(t, vout)
	runCLI(t, nil, append(signedGateArgs(t, ev, ver), "--evidence-key", pub)...).wantCode(t, 0)
	runCLI(t, nil, "report", "--evidence-key", pub, ev, ver).wantCode(t, 0)

	refused := func(name, want string, args ...string) {
		t.Helper()
		r := runCLI(t, nil, args...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("%s: stderr does not say %q:\n%s", name, want, r.stderr)
		}
	}
	refused("other key", ev, append(signedGateArgs(t, ev), "--evidence-key", otherPublicKey(t))...)

	altered := copyTo(t, out)
	alter(t, altered)
	refused("altered", altered, append(signedGateArgs(t, altered), "--evidence-key", pub)...)
	refused("altered, report", altered, "report", "--evidence-key", pub, altered)

	unsigned := copyTo(t, out)
	os.Remove(signing.EvidenceBundlePath(unsigned))
	refused("unsigned", "is not signed", append(signedGateArgs(t, unsigned), "--evidence-key", pub)...)

	// The bundle of one document does not vouch for another.
	swapped := copyTo(t, out)
	data, _ := os.ReadFile(signing.EvidenceBundlePath(vout))
	os.WriteFile(signing.EvidenceBundlePath(swapped), data, 0o644)
	refused("swapped bundle", swapped, append(signedGateArgs(t, swapped), "--evidence-key", pub)...)

	// Without trust flags evidence is read as before.
	runCLI(t, nil, signedGateArgs(t, altered)...).wantCode(t, 0)
	refused("needs --out", "--out", "verify", "--key", pub, "--sign-evidence", model)
}

// TestDecisionRecordsWhoVouched: with signed evidence required, the
// decision lists each evidence input with its digest and the key that signed
// it, and attest carries that into the attestation's lineage; without the
// trust flags no signer is claimed.
func TestDecisionRecordsWhoVouched(t *testing.T) {
	key, pub := testKey(t)
	model := writeModel(t)
	out := filepath.Join(t.TempDir(), "signature.json")
	runCLI(t, keyEnv(), "sign", "--key", key, "--sign-evidence", "--out", out, model).wantCode(t, 0)
	ev := copyTo(t, out)

	r, decisionPath := gateModel(t, model, "--evidence", ev, "--evidence-key", pub)
	r.wantCode(t, 0)
	pk, err := signing.LoadPublicKey(context.Background(), pub)
	if err != nil {
		t.Fatal(err)
	}
	var pd evidence.PromotionDetails
	if err := readEvidence(t, decisionPath).DetailsAs(&pd); err != nil {
		t.Fatal(err)
	}
	if len(pd.Evidence) != 1 || pd.Evidence[0].Digest["sha256"] != sha256File(t, ev) ||
		pd.Evidence[0].Signer == nil || pd.Evidence[0].Signer.Key != signing.Fingerprint(pk) {
		t.Fatalf("decision evidence %+v, want %s signed by %s", pd.Evidence, ev, signing.Fingerprint(pk))
	}

	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decisionPath, "--bundle", bundle, model).wantCode(t, 0)
	data, err := signing.ReadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signing.VerifyBundle(data, signing.Trust{PublicKey: pk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := signing.ParsePromotion(sv.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.Lineage.Evidence; len(l) != 1 || l[0].Signer == nil || l[0].Signer.Key != signing.Fingerprint(pk) || l[0].Digest["sha256"] != sha256File(t, ev) {
		t.Fatalf("attested lineage evidence %+v", l)
	}

	r, unsignedPath := gateModel(t, model, "--evidence", ev)
	r.wantCode(t, 0)
	var unsigned evidence.PromotionDetails
	if err := readEvidence(t, unsignedPath).DetailsAs(&unsigned); err != nil {
		t.Fatal(err)
	}
	if len(unsigned.Evidence) != 1 || unsigned.Evidence[0].Signer != nil {
		t.Fatalf("unchecked evidence must name no signer: %+v", unsigned.Evidence)
	}
}

// TestSignedEvidenceKeyless: evidence signed keyless in one GitHub Actions
// job is accepted by a gate that requires that workflow's identity, and
// refused when a fork's workflow signed it. Fulcio, Rekor and the Actions
// token endpoint are local stand-ins (sigstoretest: a test CA and
// sigstore-go's VirtualSigstore log key are the only simulated parts); the
// signing clients and the verification are the real ones.
func TestSignedEvidenceKeyless(t *testing.T) {
	signKeyless := func(s *sigstoretest.Sigstore) string {
		env := actionsEnv(t)
		env["ACTIONS_ID_TOKEN_REQUEST_URL"] = s.OIDCRequestURL
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sigstoretest.RequestToken
		out := filepath.Join(t.TempDir(), "signature.json")
		runCLI(t, env, "sign", "--keyless", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL,
			"--sign-evidence", "--out", out, writeModel(t)).wantCode(t, 0)
		return copyTo(t, out)
	}
	s := sigstoretest.New(t)
	ev := signKeyless(s)
	trust := func(identity string) []string {
		return []string{"--evidence-trusted-root", s.TrustedRootPath, "--evidence-identity", identity, "--evidence-issuer", sigstoretest.Issuer}
	}
	decisionPath := filepath.Join(t.TempDir(), "decision.json")
	runCLI(t, nil, append(signedGateArgs(t, ev), append(trust(sigstoretest.Identity), "--out", decisionPath)...)...).wantCode(t, 0)
	var pd evidence.PromotionDetails
	if err := readEvidence(t, decisionPath).DetailsAs(&pd); err != nil {
		t.Fatal(err)
	}
	if len(pd.Evidence) != 1 || pd.Evidence[0].Signer == nil || pd.Evidence[0].Signer.Identity != sigstoretest.Identity ||
		pd.Evidence[0].Signer.Issuer != sigstoretest.Issuer {
		t.Fatalf("the decision does not record the keyless signer: %+v", pd.Evidence)
	}
	runCLI(t, nil, append([]string{"report", "--evidence-trusted-root", s.TrustedRootPath,
		"--evidence-identity-regexp", `^https://github\.com/acme/models/`, "--evidence-issuer", sigstoretest.Issuer}, ev)...).wantCode(t, 0)

	r := runCLI(t, nil, append(signedGateArgs(t, ev), trust("https://github.com/acme/models/.github/workflows/other.yml@refs/heads/main")...)...)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, ev) {
		t.Errorf("stderr does not name %s:\n%s", ev, r.stderr)
	}
	altered := copyTo(t, ev)
	alter(t, altered)
	runCLI(t, nil, append(signedGateArgs(t, altered), trust(sigstoretest.Identity)...)...).wantCode(t, 2)

	// A fork's pull_request workflow signs with its own identity: refused.
	fork := sigstoretest.Default
	fork.Repository, fork.Ref, fork.Trigger = "mallory/models", "refs/heads/main", "pull_request"
	sf := sigstoretest.NewFor(t, fork)
	forged := signKeyless(sf)
	runCLI(t, nil, append(signedGateArgs(t, forged), "--evidence-trusted-root", sf.TrustedRootPath,
		"--evidence-identity-regexp", `^https://github\.com/acme/models/`, "--evidence-issuer", sigstoretest.Issuer)...).wantCode(t, 2)
}

// TestCosignVerifiesSignedEvidence: the official cosign CLI verifies mlgate's
// evidence attestations (the evidence file is the blob: its sha256 is the
// statement's first subject) with a key and, against the stand-in trusted
// root (see TestSignedEvidenceKeyless), keyless; and refuses altered evidence.
func TestCosignVerifiesSignedEvidence(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	key, pub := testKey(t)
	cosignVerify := func(ev string, trust ...string) error {
		args := append([]string{"verify-blob-attestation", "--bundle", signing.EvidenceBundlePath(ev),
			"--type", signing.EvidencePredicateType}, trust...)
		cmd := exec.Command(cosign, append(args, ev)...)
		cmd.Env = append(os.Environ(), "TUF_ROOT="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			return &cosignError{err: err, out: string(out)}
		}
		return nil
	}
	check := func(t *testing.T, ev string, trust ...string) {
		if err := cosignVerify(ev, trust...); err != nil {
			t.Fatalf("cosign verify-blob-attestation refused mlgate's evidence attestation: %v", err)
		}
		altered := copyTo(t, ev)
		alter(t, altered)
		if err := cosignVerify(altered, trust...); err == nil {
			t.Fatal("cosign verify-blob-attestation accepted altered evidence")
		}
	}
	t.Run("key", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "signature.json")
		runCLI(t, keyEnv(), "sign", "--key", key, "--sign-evidence", "--out", out, writeModel(t)).wantCode(t, 0)
		// A key bundle has no log entry; cosign wants a trusted root all the same.
		emptyRoot := testenv.Shared(t, "corpora", "sigstore", "trust-roots", "empty.trusted_root.json")
		check(t, out, "--key", pub, "--insecure-ignore-tlog", "--trusted-root", emptyRoot)
	})
	t.Run("keyless", func(t *testing.T) {
		s := sigstoretest.New(t)
		env := actionsEnv(t)
		env["ACTIONS_ID_TOKEN_REQUEST_URL"] = s.OIDCRequestURL
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sigstoretest.RequestToken
		out := filepath.Join(t.TempDir(), "signature.json")
		runCLI(t, env, "sign", "--keyless", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL,
			"--sign-evidence", "--out", out, writeModel(t)).wantCode(t, 0)
		check(t, out, "--trusted-root", s.TrustedRootPath, "--insecure-ignore-sct",
			"--certificate-identity", sigstoretest.Identity, "--certificate-oidc-issuer", sigstoretest.Issuer)
	})
}

type cosignError struct {
	err error
	out string
}

func (e *cosignError) Error() string { return e.err.Error() + "\n" + e.out }

// TestSignedProfilesForDriftAndPolicyEval: a profile signed where it was
// made (profile --sign-evidence) is accepted by drift requiring that key, and
// refused, naming the file, when altered, unsigned or signed by another key;
// policy eval takes the same trust flags for its evidence.
func TestSignedProfilesForDriftAndPolicyEval(t *testing.T) {
	key, pub := testKey(t)
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	dataset(t, ref, 1, 2000, 2000, 0, false)
	dataset(t, cur, 2, 2000, 2000, 0, false)
	rp, cp := filepath.Join(dir, "ref.profile.json"), filepath.Join(dir, "cur.profile.json")
	pe := filepath.Join(dir, "profile.evidence.json")
	runCLI(t, keyEnv(), "profile", "--sign-evidence", "--sign-evidence-key", key, "--profile-out", rp, "--out", pe, ref).wantCode(t, 0)
	runCLI(t, keyEnv(), "profile", "--sign-evidence", "--sign-evidence-key", key, "--profile-out", cp, cur).wantCode(t, 0)
	for _, p := range []string{rp, cp, pe} {
		if _, err := os.Stat(signing.EvidenceBundlePath(p)); err != nil {
			t.Fatalf("%s is not signed: %v", p, err)
		}
	}
	drift := func(reference, current string, trust ...string) cliResult {
		return runCLI(t, nil, append([]string{"drift", "--reference", reference}, append(trust, current)...)...)
	}
	drift(rp, cp, "--evidence-key", pub).wantCode(t, 0)
	// Current data as Parquet: only the profile is evidence.
	drift(rp, cur, "--evidence-key", pub).wantCode(t, 0)

	refused := func(name string, r cliResult, want string) {
		t.Helper()
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("%s: stderr does not say %q:\n%s", name, want, r.stderr)
		}
	}
	refused("other key", drift(rp, cp, "--evidence-key", otherPublicKey(t)), rp)
	unsigned := filepath.Join(t.TempDir(), "unsigned.profile.json")
	runCLI(t, nil, "profile", "--profile-out", unsigned, cur).wantCode(t, 0)
	refused("unsigned current", drift(rp, unsigned, "--evidence-key", pub), "is not signed")
	altered := copyTo(t, rp)
	data, _ := os.ReadFile(altered)
	os.WriteFile(altered, []byte(strings.Replace(string(data), `"rows": 2000`, `"rows": 1999`, 1)), 0o644)
	refused("altered reference", drift(altered, cp, "--evidence-key", pub), altered)
	drift(altered, cp).wantCode(t, 0) // without trust flags, as before

	runCLI(t, nil, "policy", "eval", "--evidence", pe, "--evidence-key", pub).wantCode(t, 0)
	refused("policy eval, other key", runCLI(t, nil, "policy", "eval", "--evidence", pe, "--evidence-key", otherPublicKey(t)), pe)
	refused("needs --profile-out", runCLI(t, keyEnv(), "profile", "--sign-evidence", "--sign-evidence-key", key, cur), "--profile-out")
}
