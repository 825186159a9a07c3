package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
	"github.com/mlgate/mlgate/pkg/evidence"
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

// Outside GitHub Actions keyless signing is not told to set id-token: write
// (there is no workflow): it says how to give a token, or to use a key.
func TestKeylessOutsideActions(t *testing.T) {
	r := runCLI(t, nil, "sign", "--keyless", writeModel(t))
	r.wantCode(t, 2)
	if strings.Contains(r.stderr, "id-token: write") || !strings.Contains(r.stderr, "--identity-token") || !strings.Contains(r.stderr, "--key") {
		t.Fatalf("stderr %q", r.stderr)
	}
}
