package signing

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"

	// The KMS providers mlgate documents; any other scheme goes to sigstore's
	// plugin protocol (a sigstore-kms-<scheme> program on PATH), inside kms.Get.
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"

	// gcpkms:// is mlgate's own provider over KMS's REST API (see its doc).
	_ "github.com/mlgate/mlgate/pkg/signing/gcpkms"
)

// This file resolves key references the way cosign does for the forms mlgate
// documents, without cosign's generic resolver, which links Kubernetes, GitLab
// and GitHub clients for k8s://, gitlab:// and github:// references.

// supportedKeyRefs names the accepted forms in every refusal.
const supportedKeyRefs = "a key file, env://VAR, awskms://, gcpkms://, azurekms://, hashivault://, " +
	"or SCHEME:// served by a sigstore-kms-SCHEME plugin on PATH"

// refusedSchemes are cosign reference schemes mlgate does not resolve.
var refusedSchemes = map[string]string{
	"k8s":    "Kubernetes secrets",
	"gitlab": "GitLab CI variables",
	"github": "GitHub Actions secrets",
	"http":   "keys fetched over HTTP",
	"https":  "keys fetched over HTTPS",
}

// Cosign's PEM types for a password-encrypted PKCS #8 private key.
const (
	cosignPrivateKeyPEM   = "ENCRYPTED COSIGN PRIVATE KEY"
	sigstorePrivateKeyPEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
)

// maxKeyFile bounds a key file read: keys are a few KiB; this keeps a wrong
// path (a device, a large file) from being read into memory.
const maxKeyFile = 1 << 20

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// keyRef is a parsed key reference: a file path, an environment variable, or
// a KMS URI (built-in provider or plugin).
type keyRef struct {
	ref  string
	file string // path, when a file
	env  string // variable name, for env://VAR
	kms  bool
}

func parseKeyRef(ref string) (keyRef, error) {
	r := keyRef{ref: ref}
	if ref == "" {
		return r, errors.New("empty key reference; use " + supportedKeyRefs)
	}
	scheme, rest, ok := strings.Cut(ref, "://")
	switch {
	case !ok && strings.HasPrefix(ref, "pkcs11:"):
		return r, fmt.Errorf("key %s: PKCS #11 tokens are not supported; use %s", ref, supportedKeyRefs)
	case !ok:
		r.file = ref
	case scheme == "env":
		if rest == "" {
			return r, fmt.Errorf("key %s: no variable named; use env://VAR", ref)
		}
		r.env = rest
	case refusedSchemes[scheme] != "":
		return r, fmt.Errorf("key %s: %s (%s://) are not supported; use %s", ref, refusedSchemes[scheme], scheme, supportedKeyRefs)
	case !schemeRE.MatchString(scheme):
		return r, fmt.Errorf("key %s: %q is not a URI scheme; use %s", ref, scheme, supportedKeyRefs)
	default:
		r.kms = true
	}
	return r, nil
}

// kmsSignerVerifier resolves a KMS URI; an unknown scheme without a plugin is refused.
func (r keyRef) kmsSignerVerifier(ctx context.Context) (signature.SignerVerifier, error) {
	sv, err := kms.Get(ctx, r.ref, crypto.SHA256)
	var nf *kms.ProviderNotFoundError
	if errors.As(err, &nf) {
		scheme, _, _ := strings.Cut(r.ref, "://")
		return nil, fmt.Errorf("key %s: no KMS provider for %s:// and no sigstore-kms-%s plugin on PATH; use %s", r.ref, scheme, scheme, supportedKeyRefs)
	}
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", r.ref, err)
	}
	return sv, nil
}

// content is the PEM text a file or env:// reference names.
func (r keyRef) content() ([]byte, error) {
	if r.env != "" {
		v, ok := os.LookupEnv(r.env)
		if !ok {
			return nil, fmt.Errorf("key %s: environment variable %s is not set", r.ref, r.env)
		}
		return []byte(v), nil
	}
	b, err := readlimit.ReadFile(r.file, maxKeyFile, "a key")
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", r.ref, err)
	}
	return b, nil
}

// resolveSignerVerifier loads the private key a reference names: a cosign
// encrypted key (file or env://, decrypted with pass) or a KMS key.
func resolveSignerVerifier(ctx context.Context, ref string, pass PassFunc) (signature.SignerVerifier, error) {
	r, err := parseKeyRef(ref)
	if err != nil {
		return nil, err
	}
	if r.kms {
		return r.kmsSignerVerifier(ctx)
	}
	raw, err := r.content()
	if err != nil {
		return nil, err
	}
	var pw []byte
	if pass != nil {
		if pw, err = pass(); err != nil {
			return nil, fmt.Errorf("key %s: password: %w", ref, err)
		}
	}
	sv, err := decryptCosignKey(raw, pw)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", ref, err)
	}
	return sv, nil
}

// decryptCosignKey reads a cosign private key (cosign generate-key-pair or
// import-key-pair): PKCS #8 encrypted with scrypt and secretbox, as cosign's
// LoadPrivateKey does. Ed25519 keys sign pure Ed25519 (no load options).
func decryptCosignKey(raw, password []byte) (signature.SignerVerifier, error) {
	p, _ := pem.Decode(raw)
	if p == nil {
		return nil, errors.New("not a PEM key")
	}
	if p.Type != cosignPrivateKeyPEM && p.Type != sigstorePrivateKeyPEM {
		return nil, fmt.Errorf("PEM type %q is not an encrypted cosign private key (cosign generate-key-pair or import-key-pair makes one)", p.Type)
	}
	der, err := encrypted.Decrypt(p.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("decrypt (wrong password?): %w", err)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	return signature.LoadDefaultSignerVerifier(pk)
}

// EncryptCosignKey encodes a private key as cosign generate-key-pair writes
// it: PKCS #8, encrypted with the password (scrypt and secretbox), in an
// "ENCRYPTED SIGSTORE PRIVATE KEY" PEM block. For demos and tests that need a
// key pair without the cosign CLI.
func EncryptCosignKey(priv crypto.PrivateKey, password []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: sigstorePrivateKeyPEM, Bytes: enc}), nil
}

// resolvePublicKey loads the public key a reference names: a PEM public key
// (file or env://) or a KMS key's public half.
func resolvePublicKey(ctx context.Context, ref string) (crypto.PublicKey, error) {
	r, err := parseKeyRef(ref)
	if err != nil {
		return nil, err
	}
	if r.kms {
		sv, err := r.kmsSignerVerifier(ctx)
		if err != nil {
			return nil, err
		}
		pub, err := sv.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", ref, err)
		}
		return pub, nil
	}
	raw, err := r.content()
	if err != nil {
		return nil, err
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", ref, err)
	}
	return pub, nil
}
