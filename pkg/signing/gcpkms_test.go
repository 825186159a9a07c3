package signing

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/gcpkmstest"
	"github.com/mlgate/mlgate/internal/testenv"
)

// TestModelSignedWithGCPKMS: a model signed with a gcpkms:// key (mlgate's
// provider, answered by a loopback stand-in for Cloud KMS) verifies with the
// public key the same reference resolves to, and not once a file changes.
func TestModelSignedWithGCPKMS(t *testing.T) {
	ctx := testenv.Context(t)
	s := gcpkmstest.New(t)
	ref := "gcpkms://" + gcpkmstest.KeyName
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "w.bin"), "weights")
	m, err := HashModel(ctx, root, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewKeySigner(ctx, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.SignManifest(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Signed != 1 {
		t.Fatalf("the stand-in signed %d times, want 1", s.Signed)
	}
	pub, err := LoadPublicKey(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	v, err := VerifyModel(ctx, root, signed.Bundle, Trust{PublicKey: pub}, ModelOptions{})
	if err != nil || len(v.Problems) != 0 {
		t.Fatalf("err %v, problems %+v", err, v.Problems)
	}
	writeFile(t, filepath.Join(root, "w.bin"), "other weights")
	if v, err := VerifyModel(ctx, root, signed.Bundle, Trust{PublicKey: pub}, ModelOptions{}); err == nil && len(v.Problems) == 0 {
		t.Fatal("a changed model verifies")
	}

	// A corrupted signature from KMS stops signing, naming the key.
	s.Tamper = func(p string, out map[string]any) {
		if strings.HasSuffix(p, ":asymmetricSign") {
			out["signatureCrc32c"] = "7"
		}
	}
	signer, err = NewKeySigner(ctx, ref, nil)
	if err == nil {
		_, err = signer.SignManifest(ctx, m)
	}
	if err == nil || !strings.Contains(err.Error(), ref) {
		t.Fatalf("a corrupted KMS signature: err %v", err)
	}
}
