package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/mlgate/mlgate/internal/testenv"
)

const keyrefPassword = "keyref-test"

func passOf(pw string) PassFunc { return func() ([]byte, error) { return []byte(pw), nil } }

// writeKeyPair writes priv as a cosign encrypted key and its PEM public key.
func writeKeyPair(t *testing.T, priv crypto.Signer) (key, pub string) {
	t.Helper()
	dir := t.TempDir()
	enc, err := EncryptCosignKey(priv, []byte(keyrefPassword))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	key, pub = filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	writeFile(t, key, string(enc))
	writeFile(t, pub, string(p))
	return key, pub
}

// wantSigns checks that a loaded key is priv: same public key, and a
// signature it makes verifies under priv's public key.
func wantSigns(t *testing.T, k *keypair, priv crypto.Signer) {
	t.Helper()
	if Fingerprint(k.GetPublicKey()) != Fingerprint(priv.Public()) {
		t.Fatalf("loaded key %s, want %s", Fingerprint(k.GetPublicKey()), Fingerprint(priv.Public()))
	}
	data := []byte("payload")
	sig, signed, err := k.SignData(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	switch pub := priv.Public().(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, signed, sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, signed, sig) && string(signed) == string(data)
	}
	if !ok {
		t.Fatal("the loaded key's signature does not verify")
	}
}

// TestKeyRefFiles: an encrypted cosign key file (ECDSA, Ed25519) signs with
// the password; its PEM public key file resolves to the same key.
func TestKeyRefFiles(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, priv := range map[string]crypto.Signer{"ecdsa": ec, "ed25519": ed} {
		t.Run(name, func(t *testing.T) {
			key, pub := writeKeyPair(t, priv)
			k, err := loadKey(context.Background(), key, passOf(keyrefPassword))
			if err != nil {
				t.Fatal(err)
			}
			wantSigns(t, k, priv)
			p, err := LoadPublicKey(context.Background(), pub)
			if err != nil {
				t.Fatal(err)
			}
			if Fingerprint(p) != Fingerprint(priv.Public()) {
				t.Fatal("public key file resolves to another key")
			}
		})
	}
}

// TestKeyRefRSAPublicKeyPKCS1: an "RSA PUBLIC KEY" PEM is read, as cosign does.
func TestKeyRefRSAPublicKeyPKCS1(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "rsa.pub")
	writeFile(t, f, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&priv.PublicKey)})))
	p, err := LoadPublicKey(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(p) != Fingerprint(priv.Public()) {
		t.Fatal("PKCS #1 public key resolves to another key")
	}
}

// TestKeyRefEnv: env://VAR holds the encrypted key or the PEM public key.
func TestKeyRefEnv(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, pub := writeKeyPair(t, priv)
	for v, f := range map[string]string{"MLGATE_TEST_KEYREF_KEY": key, "MLGATE_TEST_KEYREF_PUB": pub} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(v, string(b))
	}
	k, err := loadKey(context.Background(), "env://MLGATE_TEST_KEYREF_KEY", passOf(keyrefPassword))
	if err != nil {
		t.Fatal(err)
	}
	wantSigns(t, k, priv)
	p, err := LoadPublicKey(context.Background(), "env://MLGATE_TEST_KEYREF_PUB")
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(p) != Fingerprint(priv.Public()) {
		t.Fatal("env:// public key resolves to another key")
	}
}

// TestKeyRefCosignCLIKeys: a key pair made by the real cosign CLI loads, and
// cosign reads a key EncryptCosignKey wrote (its public half matches).
func TestKeyRefCosignCLIKeys(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command(cosign, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+keyrefPassword)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cosign %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	run("generate-key-pair", "--output-key-prefix", "cli")
	k, err := loadKey(context.Background(), filepath.Join(dir, "cli.key"), passOf(keyrefPassword))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(context.Background(), filepath.Join(dir, "cli.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(k.GetPublicKey()) != Fingerprint(pub) {
		t.Fatal("cosign's private and public key resolve to different keys")
	}

	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := writeKeyPair(t, priv)
	p, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(run("public-key", "--key", key)))
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(p) != Fingerprint(priv.Public()) {
		t.Fatal("cosign reads EncryptCosignKey's key as another key")
	}
}

// TestKeyRefWrongKeyFiles: a wrong password, an unencrypted private key (cosign
// refuses it too), a public key where a private key is needed and the reverse
// are refused, naming the reference.
func TestKeyRefWrongKeyFiles(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, pub := writeKeyPair(t, priv)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain.pem")
	writeFile(t, plain, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	ctx := context.Background()
	for _, c := range []struct {
		name, ref, want string
		load            func(string) error
	}{
		{"wrong password", key, "decrypt", func(r string) error { _, err := loadKey(ctx, r, passOf("other")); return err }},
		{"unencrypted", plain, "not an encrypted cosign private key", func(r string) error { _, err := loadKey(ctx, r, passOf(keyrefPassword)); return err }},
		{"public for private", pub, "not an encrypted cosign private key", func(r string) error { _, err := loadKey(ctx, r, passOf(keyrefPassword)); return err }},
		{"private for public", key, "PEM", func(r string) error { _, err := LoadPublicKey(ctx, r); return err }},
		{"missing file", filepath.Join(t.TempDir(), "none.key"), "no such file", func(r string) error { _, err := loadKey(ctx, r, nil); return err }},
		{"not PEM", "keyref_test.go", "not a PEM key", func(r string) error { _, err := loadKey(ctx, r, nil); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.load(c.ref)
			if err == nil || !strings.Contains(err.Error(), c.ref) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %s and %q", err, c.ref, c.want)
			}
		})
	}
}

// TestKeyRefRefused: the cosign reference forms mlgate does not resolve, an
// unset variable and an unknown scheme without a plugin are refused, for
// signing and for verification, with a message naming the reference and
// what is supported.
func TestKeyRefRefused(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no sigstore-kms-* plugins
	for _, c := range []struct{ ref, want string }{
		{"k8s://default/cosign", "Kubernetes"},
		{"gitlab://group/project", "GitLab"},
		{"github://owner/repo", "GitHub"},
		{"https://example.com/cosign.pub", "HTTPS"},
		{"http://example.com/cosign.pub", "HTTP"},
		{"pkcs11:token-label=a;object=b", "PKCS #11"},
		{"nosuchkms://key", "no sigstore-kms-nosuchkms plugin"},
		{"./dir://key", "not a URI scheme"},
		{"env://", "no variable"},
		{"env://MLGATE_TEST_KEYREF_UNSET", "MLGATE_TEST_KEYREF_UNSET is not set"},
	} {
		t.Run(c.ref, func(t *testing.T) {
			_, err := loadKey(context.Background(), c.ref, nil)
			_, perr := LoadPublicKey(context.Background(), c.ref)
			for _, e := range []error{err, perr} {
				if e == nil || !strings.Contains(e.Error(), c.ref) || !strings.Contains(e.Error(), c.want) {
					t.Fatalf("got %v, want an error naming %s and %q", e, c.ref, c.want)
				}
				if !strings.HasPrefix(c.ref, "env://") && !strings.Contains(e.Error(), "env://VAR, awskms://, gcpkms://, azurekms://, hashivault://") {
					t.Fatalf("%v does not say what is supported", e)
				}
			}
		})
	}
	if _, err := LoadPublicKey(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "empty key reference") {
		t.Fatalf("an empty reference: %v", err)
	}
}

// TestKeyRefKMSProvidersLinked: the four documented KMS schemes reach their
// providers (a malformed reference gets the provider's own format error, not
// "no KMS provider"). The cloud services cannot be reached from the tests;
// TestSignWithKMSPlugin in cmd/mlgate signs through the plugin protocol.
func TestKeyRefKMSProvidersLinked(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, ref := range []string{"awskms://", "gcpkms://", "azurekms://", "hashivault://"} {
		t.Run(ref, func(t *testing.T) {
			_, err := loadKey(context.Background(), ref, nil)
			if err == nil || !strings.Contains(err.Error(), ref) || strings.Contains(err.Error(), "no KMS provider") {
				t.Fatalf("got %v, want the %s provider's error", err, ref)
			}
		})
	}
}
