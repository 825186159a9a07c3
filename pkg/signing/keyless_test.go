package signing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlgate/mlgate/internal/sigstoretest"
)

// TestKeylessSignAndVerify signs a model keyless through sigstore-go's real
// Fulcio and Rekor clients against the local stand-ins (sigstoretest: a test
// CA and sigstore-go's VirtualSigstore log key are the simulated parts), then
// verifies it with the identity policy and reads the GitHub claims back.
func TestKeylessSignAndVerify(t *testing.T) {
	s := sigstoretest.New(t)
	ctx := context.Background()
	signer, err := NewKeylessSigner(ctx, KeylessOptions{Token: StaticToken(sigstoretest.IDToken()), FulcioURL: s.FulcioURL, RekorURL: s.RekorURL})
	if err != nil {
		t.Fatal(err)
	}
	model := t.TempDir()
	writeFile(t, filepath.Join(model, "w.bin"), "weights")
	m, err := HashModel(ctx, model, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.SignManifest(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if signed.Signer.Identity != sigstoretest.Identity || signed.Tlog == nil || signed.Tlog.LogIndex != 1 {
		t.Fatalf("signer %+v, tlog %+v", signed.Signer, signed.Tlog)
	}
	trust := Trust{TrustedRoot: s.TrustedRoot, Identity: sigstoretest.Identity, Issuer: sigstoretest.Issuer}
	res, err := VerifyModel(ctx, model, signed.Bundle, trust, ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Fatalf("problems %+v", res.Problems)
	}
	gh := res.Signer.GitHub
	if gh["repository"] != sigstoretest.Repository || gh["ref"] != sigstoretest.Ref || gh["sha"] != sigstoretest.SHA ||
		gh["trigger"] != sigstoretest.Trigger || gh["workflow"] != sigstoretest.Identity {
		t.Fatalf("GitHub claims %v", gh)
	}
	if res.Tlog == nil || res.Tlog.IntegratedTime.IsZero() {
		t.Fatalf("tlog entry %+v", res.Tlog)
	}

	trust.Identity = "https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main"
	_, err = VerifyModel(ctx, model, signed.Bundle, trust, ModelOptions{})
	var failed *FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("another workflow's identity must be refused, got %v", err)
	}

	// A single file keyless: a hashedrekord entry.
	file := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(file, []byte("onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	digest, _, err := FileDigest(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := signer.SignFile(ctx, file, digest)
	if err != nil {
		t.Fatal(err)
	}
	trust.Identity = sigstoretest.Identity
	if _, err := VerifyBundle(fs.Bundle, trust, &Artifact{Digest: digest}); err != nil {
		t.Fatal(err)
	}
}
