package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/mlgate/mlgate/internal/readlimit"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// BundleMediaType is the Sigstore bundle version mlgate writes.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// MaxEd25519File bounds the file a pure Ed25519 key signs: Ed25519 signs the
// message itself, not a digest, so the whole file must be in memory.
const MaxEd25519File = 256 << 20

// Signer signs with a key, or keyless with a Fulcio certificate and a Rekor entry.
type Signer struct {
	key *keypair
	// certificates and idToken are set for keyless signing.
	certificates sign.CertificateProvider
	idToken      string
	tlogs        []sign.Transparency
	// tlogURL is where a person can look up the entry, given its log index.
	tlogURL func(index int64) string
}

// NewKeySigner signs with the key a cosign key reference names. Nothing is
// uploaded to a transparency log (like cosign --tlog-upload=false).
func NewKeySigner(ctx context.Context, ref string, pass PassFunc) (*Signer, error) {
	k, err := loadKey(ctx, ref, pass)
	if err != nil {
		return nil, err
	}
	return &Signer{key: k}, nil
}

// SigstoreAudience is the audience Fulcio accepts ID tokens for.
const SigstoreAudience = "sigstore"

// TokenSource gives the OIDC identity token keyless signing presents to
// Fulcio: pkg/actions' Runtime in GitHub Actions, or StaticToken.
type TokenSource interface {
	IDToken(ctx context.Context, audience string) (string, error)
}

// StaticToken is an ID token already at hand.
type StaticToken string

// IDToken returns the token.
func (t StaticToken) IDToken(context.Context, string) (string, error) {
	if t == "" {
		return "", errors.New("the OIDC identity token is empty")
	}
	return string(t), nil
}

// KeylessOptions configure keyless signing. The defaults are Sigstore's public
// instance.
type KeylessOptions struct {
	Token     TokenSource
	FulcioURL string
	RekorURL  string
	// Certificates and Tlog replace the Fulcio and Rekor clients (tests use
	// local ones); nil means the real services at the URLs above.
	Certificates sign.CertificateProvider
	Tlog         sign.Transparency
}

// Public-good Sigstore endpoints.
const (
	DefaultFulcioURL = "https://fulcio.sigstore.dev"
	DefaultRekorURL  = "https://rekor.sigstore.dev"
)

// NewKeylessSigner signs with a fresh key certified by Fulcio for the OIDC
// token's identity and records the signature in Rekor. The token is asked
// for here, once.
func NewKeylessSigner(ctx context.Context, opts KeylessOptions) (*Signer, error) {
	if opts.Token == nil {
		return nil, errors.New("keyless signing needs an OIDC identity token")
	}
	token, err := opts.Token.IDToken(ctx, SigstoreAudience)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("keyless signing needs an OIDC identity token")
	}
	k, err := ephemeralKeypair()
	if err != nil {
		return nil, err
	}
	if opts.FulcioURL == "" {
		opts.FulcioURL = DefaultFulcioURL
	}
	if opts.RekorURL == "" {
		opts.RekorURL = DefaultRekorURL
	}
	s := &Signer{key: k, idToken: token, certificates: opts.Certificates}
	if s.certificates == nil {
		s.certificates = sign.NewFulcio(&sign.FulcioOptions{BaseURL: opts.FulcioURL, Retries: 2})
	}
	tl := opts.Tlog
	if tl == nil {
		tl = sign.NewRekor(&sign.RekorOptions{BaseURL: opts.RekorURL, Retries: 2})
	}
	s.tlogs = []sign.Transparency{tl}
	rekorURL := opts.RekorURL
	s.tlogURL = func(i int64) string {
		if rekorURL == DefaultRekorURL {
			return fmt.Sprintf("https://search.sigstore.dev/?logIndex=%d", i)
		}
		return fmt.Sprintf("%s/api/v1/log/entries?logIndex=%d", rekorURL, i)
	}
	return s, nil
}

// Signed is a signature: the bundle (JSON) and who signed, for the evidence.
type Signed struct {
	Bundle []byte
	Signer evidence.Signer
	Tlog   *evidence.TlogEntry
}

// SignFile signs one file as a message signature over its SHA-256 (from
// FileDigest: hash first, then unlock the key, so the two never hold memory
// at once). Only pure Ed25519 reads the file again, whole.
func (s *Signer) SignFile(ctx context.Context, path string, digest []byte) (*Signed, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", path, err)
	}
	size := st.Size()
	var sig []byte
	if s.key.alg.GetHashType() == crypto.Hash(0) {
		// Pure Ed25519 signs the message itself.
		if size > MaxEd25519File {
			return nil, fmt.Errorf("signing %s: %d MiB is too large for a pure Ed25519 signature (limit %d MiB); sign it with an ECDSA key or sign its folder", path, size>>20, MaxEd25519File>>20)
		}
		data, err := readlimit.ReadFile(path, MaxEd25519File, "a file a pure Ed25519 key can sign")
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], digest) {
			return nil, fmt.Errorf("signing %s: the file changed while it was signed", path)
		}
		sig, _, err = s.key.SignData(ctx, data)
		if err != nil {
			return nil, err
		}
	} else {
		if s.key.alg.GetHashType() != crypto.SHA256 {
			return nil, fmt.Errorf("signing %s: a single-file signature needs a key that signs SHA-256 digests (ECDSA P-256, RSA)", path)
		}
		sig, err = s.key.signDigest(ctx, digest)
		if err != nil {
			return nil, err
		}
	}
	b := &protobundle.Bundle{MediaType: BundleMediaType, Content: &protobundle.Bundle_MessageSignature{
		MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: digest},
			Signature:     sig,
		},
	}}
	return s.finish(ctx, b, string(s.key.GetHint()))
}

// SignStatement signs an in-toto statement as a DSSE envelope. The key hint
// is model_signing's, so its verifiers accept the bundle.
func (s *Signer) SignStatement(ctx context.Context, statement []byte) (*Signed, error) {
	content := &sign.DSSEData{Data: statement, PayloadType: InTotoPayloadType}
	sig, _, err := s.key.SignData(ctx, content.PreAuthEncoding())
	if err != nil {
		return nil, err
	}
	b := &protobundle.Bundle{MediaType: BundleMediaType, Content: &protobundle.Bundle_DsseEnvelope{
		DsseEnvelope: &protodsse.Envelope{
			Payload: statement, PayloadType: InTotoPayloadType,
			Signatures: []*protodsse.Signature{{Sig: sig, Keyid: ""}},
		},
	}}
	return s.finish(ctx, b, modelSigningHint(s.key.pub))
}

// finish adds the verification material (a key hint, or a Fulcio
// certificate) and the transparency-log entry, and encodes the bundle.
func (s *Signer) finish(ctx context.Context, b *protobundle.Bundle, hint string) (*Signed, error) {
	out := &Signed{}
	var verifierPEM []byte
	if s.certificates != nil {
		der, err := s.certificates.GetCertificate(ctx, s.key, &sign.CertificateProviderOptions{IDToken: s.idToken})
		if err != nil {
			return nil, fmt.Errorf("getting a signing certificate: %w", err)
		}
		b.VerificationMaterial = &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: der}},
		}
		verifierPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("signing certificate: %w", err)
		}
		out.Signer = certificateSigner(cert)
	} else {
		b.VerificationMaterial = &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint}},
		}
		out.Signer = evidence.Signer{Key: Fingerprint(s.key.pub)}
	}
	for _, t := range s.tlogs {
		if err := t.GetTransparencyLogEntry(ctx, verifierPEM, b); err != nil {
			return nil, fmt.Errorf("recording the signature in the transparency log: %w", err)
		}
	}
	if entries := b.GetVerificationMaterial().GetTlogEntries(); len(entries) > 0 {
		out.Tlog = tlogEntry(entries[0].GetLogIndex(), entries[0].GetIntegratedTime(), s.tlogURL)
	}
	data, err := (&bundle.Bundle{Bundle: b}).MarshalJSON()
	if err != nil {
		return nil, err
	}
	out.Bundle = data
	return out, nil
}
