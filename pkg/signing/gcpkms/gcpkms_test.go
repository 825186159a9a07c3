package gcpkms_test

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/gcpkmstest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/signing/gcpkms"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature/kms"
)

// TestSignVerifiedByCosign: a blob signed through the registered gcpkms://
// provider (the stand-in answering as KMS) verifies with the real cosign
// CLI against the exported public key, for a reference with and without a
// key version.
func TestSignVerifiedByCosign(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	ctx := testenv.Context(t)
	s := gcpkmstest.New(t)
	dir := t.TempDir()
	blob := filepath.Join(dir, "model.bin")
	if err := os.WriteFile(blob, []byte("model weights\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"gcpkms://" + gcpkmstest.KeyName, "gcpkms://" + gcpkmstest.KeyName + "/cryptoKeyVersions/3", "gcpkms://" + gcpkmstest.KeyName + "/versions/3"} {
		sv, err := kms.Get(ctx, ref, 0)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		f, err := os.Open(blob)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := sv.SignMessage(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		pub, err := sv.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		pem, err := cryptoutils.MarshalPublicKeyToPEM(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "pub.pem"), pem, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sig"), []byte(base64.StdEncoding.EncodeToString(sig)), 0o644); err != nil {
			t.Fatal(err)
		}
		verify := func(file string) error {
			cmd := exec.CommandContext(ctx, cosign, "verify-blob", "--key", filepath.Join(dir, "pub.pem"),
				"--signature", filepath.Join(dir, "sig"), "--insecure-ignore-tlog=true", file)
			out, err := cmd.CombinedOutput()
			t.Logf("cosign verify-blob %s: %s", filepath.Base(file), out)
			return err
		}
		if err := verify(blob); err != nil {
			t.Fatalf("%s: cosign refuses the signature: %v", ref, err)
		}
		other := filepath.Join(dir, "other.bin")
		if err := os.WriteFile(other, []byte("other weights\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if verify(other) == nil {
			t.Fatalf("%s: cosign accepts the signature for another blob", ref)
		}
	}
	if s.Signed != 3 {
		t.Fatalf("the stand-in signed %d times, want 3", s.Signed)
	}
}

// TestTamperedAnswersFailClosed: a corrupted or substituted KMS answer is
// refused with an error naming the key, and nothing is signed with it.
func TestTamperedAnswersFailClosed(t *testing.T) {
	ctx := testenv.Context(t)
	ref := "gcpkms://" + gcpkmstest.KeyName
	cases := []struct {
		name, want string
		tamper     func(p string, out map[string]any)
	}{
		{"signature crc", "signature's CRC32C does not match", func(p string, out map[string]any) {
			if strings.HasSuffix(p, ":asymmetricSign") {
				out["signatureCrc32c"] = "12345"
			}
		}},
		{"signature crc missing", "signature's CRC32C does not match", func(p string, out map[string]any) {
			delete(out, "signatureCrc32c")
		}},
		{"digest crc unverified", "did not verify the digest's CRC32C", func(p string, out map[string]any) {
			if strings.HasSuffix(p, ":asymmetricSign") {
				out["verifiedDigestCrc32c"] = false
			}
		}},
		{"public key crc", "public key's CRC32C does not match", func(p string, out map[string]any) {
			if strings.HasSuffix(p, "/publicKey") {
				out["pemCrc32c"] = "1"
			}
		}},
		{"sign answered by another key", "asymmetricSign answered for the key version", func(p string, out map[string]any) {
			if strings.HasSuffix(p, ":asymmetricSign") {
				out["name"] = strings.Replace(gcpkmstest.KeyName, "/key", "/other", 1) + "/cryptoKeyVersions/3"
			}
		}},
		{"public key of another key", "public key of", func(p string, out map[string]any) {
			if strings.HasSuffix(p, "/publicKey") {
				out["name"] = strings.Replace(gcpkmstest.KeyName, "/key", "/other", 1) + "/cryptoKeyVersions/3"
			}
		}},
		{"listed version of another key", "version of another key", func(p string, out map[string]any) {
			if vs, ok := out["cryptoKeyVersions"].([]any); ok {
				vs[0].(map[string]any)["name"] = strings.Replace(gcpkmstest.KeyName, "/key", "/other", 1) + "/cryptoKeyVersions/3"
			}
		}},
		{"not a signing key", "cannot sign", func(p string, out map[string]any) {
			if p == gcpkmstest.KeyName {
				out["purpose"] = "ENCRYPT_DECRYPT"
			}
		}},
		{"unknown algorithm", "not a signing algorithm", func(p string, out map[string]any) {
			if vs, ok := out["cryptoKeyVersions"].([]any); ok {
				vs[0].(map[string]any)["algorithm"] = "GOOGLE_SYMMETRIC_ENCRYPTION"
			}
		}},
		{"oversized answer", "answer is over 64 KiB", func(p string, out map[string]any) {
			if strings.HasSuffix(p, "/publicKey") {
				out["padding"] = strings.Repeat("A", 1<<20)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := gcpkmstest.New(t)
			s.Tamper = c.tamper
			sv, err := kms.Get(ctx, ref, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = sv.SignMessage(strings.NewReader("model weights\n"))
			if err == nil {
				t.Fatal("a tampered answer was accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), ref) {
				t.Fatalf("error %q: want %q and the key reference", err, c.want)
			}
		})
	}
}

// TestBadReference: a reference outside sigstore's syntax is refused.
func TestBadReference(t *testing.T) {
	for _, ref := range []string{"gcpkms://projects/p/locations/l/keyRings/r", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1/extra"} {
		if _, err := gcpkms.Load(testenv.Context(t), ref); err == nil || !strings.Contains(err.Error(), ref) {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
