package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// PassFunc returns the password of an encrypted key file (cosign's COSIGN_PASSWORD).
type PassFunc func() ([]byte, error)

// keypair is a signing key behind sigstore-go's sign.Keypair interface: a key
// from a cosign key reference or a fresh ephemeral key for keyless signing.
type keypair struct {
	sv  signature.SignerVerifier
	pub crypto.PublicKey
	alg signature.AlgorithmDetails
}

// loadKey resolves a signing key reference (see keyref.go): an encrypted
// cosign key file or env://VAR, or a KMS URI. Ed25519 keys sign pure Ed25519,
// as cosign does for bundles without a transparency-log upload, so that
// cosign verify-blob accepts them.
func loadKey(ctx context.Context, ref string, pass PassFunc) (*keypair, error) {
	sv, err := resolveSignerVerifier(ctx, ref, pass)
	if err != nil {
		return nil, err
	}
	k, err := newKeypair(sv)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", ref, err)
	}
	return k, nil
}

// ephemeralKeypair is a fresh ECDSA P-256 key for one keyless signature.
func ephemeralKeypair() (*keypair, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sv, err := signature.LoadECDSASignerVerifier(priv, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return newKeypair(sv)
}

func newKeypair(sv signature.SignerVerifier) (*keypair, error) {
	pub, err := sv.PublicKey()
	if err != nil {
		return nil, err
	}
	alg, err := signature.GetDefaultAlgorithmDetails(pub)
	if err != nil {
		return nil, fmt.Errorf("unsupported key: %w", err)
	}
	return &keypair{sv: sv, pub: pub, alg: alg}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return k.alg.GetProtoHashType()
}

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.alg.GetSignatureAlgorithm()
}

// GetHint is cosign's key hint: base64 of the SHA-256 of the DER public key.
func (k *keypair) GetHint() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.pub)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(der)
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

func (k *keypair) GetKeyAlgorithm() string {
	switch k.pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return ""
}

func (k *keypair) GetPublicKey() crypto.PublicKey { return k.pub }

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.pub)
	return string(b), err
}

// SignData signs data (a DSSE PAE, a Fulcio proof of possession) and returns
// the signature and what was signed: the digest, or the data for Ed25519.
func (k *keypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.alg.GetHashType()
	if hf == crypto.Hash(0) {
		sig, err := k.sv.SignMessage(bytes.NewReader(data), options.WithContext(ctx))
		return sig, data, err
	}
	h := hf.New()
	h.Write(data)
	digest := h.Sum(nil)
	sig, err := k.signDigest(ctx, digest)
	return sig, digest, err
}

// signDigest signs a precomputed digest, so a large file is never read into memory.
func (k *keypair) signDigest(ctx context.Context, digest []byte) ([]byte, error) {
	if k.alg.GetHashType() == crypto.Hash(0) {
		return nil, errors.New("an Ed25519 key cannot sign a digest")
	}
	return k.sv.SignMessage(bytes.NewReader(nil), options.WithContext(ctx), options.WithDigest(digest))
}

// Fingerprint identifies a public key in evidence: "sha256:" and the hex
// SHA-256 of its DER encoding.
func Fingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// modelSigningHint is the key hint model_signing writes and checks: the hex
// SHA-256 of the public key's PEM encoding.
func modelSigningHint(pub crypto.PublicKey) string {
	p, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

// LoadPublicKey resolves a public key reference: a PEM public key file,
// env://VAR holding one, or a KMS URI. Other cosign forms (k8s://, gitlab://,
// github://, URLs) are refused with the list of supported ones.
func LoadPublicKey(ctx context.Context, ref string) (crypto.PublicKey, error) {
	return resolvePublicKey(ctx, ref)
}
