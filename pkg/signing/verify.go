package signing

import (
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// Trust says whom to trust: a public key, or certificates from the trusted
// root's Fulcio for an identity, or (for model_signing's certificate mode)
// certificates chaining to a CA file.
type Trust struct {
	PublicKey crypto.PublicKey
	// Identity and Issuer (exact or regular expressions) a keyless
	// certificate must carry.
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
	// TrustedRoot holds Fulcio CAs, Rekor and CT log keys and TSAs.
	TrustedRoot root.TrustedMaterial
	// CARoots are the roots for bundles that carry their own certificate
	// chain (model_signing "certificate" mode).
	CARoots []*x509.Certificate
}

// Verified is what a valid bundle says: who signed, where it was logged, and
// what was signed (a DSSE payload, or a message digest).
type Verified struct {
	Signer        evidence.Signer
	Tlog          *evidence.TlogEntry
	Payload       []byte
	PayloadType   string
	MessageDigest []byte
}

// MaxBundleSize bounds a bundle file and MaxBundleDepth its JSON nesting (a
// Sigstore bundle nests about 6 deep): both are checked before any decoder
// runs, so a hostile file costs no more than reading it.
const (
	MaxBundleSize  = 64 << 20
	MaxBundleDepth = 32
)

// ReadBundle reads a bundle file, bounded in size.
func ReadBundle(path string) ([]byte, error) {
	data, err := readlimit.ReadFile(path, MaxBundleSize, "a Sigstore bundle")
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return data, nil
}

// ParsedBundle is a bundle as read: sigstore-go's bundle, or for
// model_signing's "certificate" mode the certificate chain taken out of it
// (Bundle is then nil).
type ParsedBundle struct {
	Bundle *bundle.Bundle
	Chain  [][]byte
	// JSON is the bundle as the verifier reads it (legacy fields dropped).
	JSON []byte
}

// ParseBundle is the one reader of bundle JSON (signatures, attestations,
// evidence bundles): bounded in size and depth, never a panic.
func ParseBundle(data []byte) (p *ParsedBundle, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("malformed bundle: %v", r)
		}
	}()
	return parseBundle(data)
}

func parseBundle(data []byte) (*ParsedBundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("not a Sigstore bundle: larger than %d MiB", MaxBundleSize>>20)
	}
	if err := checkDepth(data, MaxBundleDepth); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	data, chain, err := normalizeBundle(data)
	if err != nil {
		return nil, err
	}
	if chain != nil {
		return &ParsedBundle{Chain: chain, JSON: data}, nil
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	return &ParsedBundle{Bundle: &b, JSON: data}, nil
}

// checkDepth refuses JSON text nested deeper than max, looking only at
// brackets outside strings (the decoders find any other error).
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return fmt.Errorf("JSON nested deeper than %d levels", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// Artifact is what a bundle must have signed: a digest (of the file for a
// message signature, of a statement subject for DSSE) and, for pure Ed25519
// message signatures, which sign the bytes themselves, a way to read them.
type Artifact struct {
	// Algorithm is "sha256" (the default) or "sha512".
	Algorithm string
	Digest    []byte
	Open      func() (io.Reader, error)
}

// VerifyBundle checks a bundle's signature against trust. A message signature
// needs the artifact; for DSSE without an artifact, the caller checks the
// returned payload. A signature that does not verify is a *FailedError; a
// bundle that cannot be read is a plain error.
func VerifyBundle(data []byte, trust Trust, artifact *Artifact) (v *Verified, err error) {
	defer func() {
		// A malformed bundle must be an error, never a crash.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("malformed bundle: %v", r)
		}
	}()
	parsed, err := parseBundle(data)
	if err != nil {
		return nil, err
	}
	if parsed.Chain != nil {
		return verifyChainBundle(parsed.JSON, parsed.Chain, trust)
	}
	b := parsed.Bundle
	material, vopts, popts, err := trust.options(b)
	if err != nil {
		return nil, err
	}
	verifier, err := verify.NewVerifier(material, vopts...)
	if err != nil {
		return nil, err
	}
	out := &Verified{}
	var artifactOpt verify.ArtifactPolicyOption
	switch {
	case b.GetDsseEnvelope() != nil:
		env := b.GetDsseEnvelope()
		out.Payload, out.PayloadType = env.GetPayload(), env.GetPayloadType()
		artifactOpt = verify.WithoutArtifactUnsafe()
		if artifact != nil {
			artifactOpt = verify.WithArtifactDigest(artifact.algorithm(), artifact.Digest)
		}
	case b.GetMessageSignature() != nil:
		out.MessageDigest = b.GetMessageSignature().GetMessageDigest().GetDigest()
		if artifact == nil {
			return nil, errors.New("bundle holds a message signature: give the signed file")
		}
		if isEd25519(trust.PublicKey) && artifact.Open != nil {
			r, err := artifact.Open()
			if err != nil {
				return nil, err
			}
			artifactOpt = verify.WithArtifact(r)
		} else {
			artifactOpt = verify.WithArtifactDigest(artifact.algorithm(), artifact.Digest)
		}
	default:
		return nil, errors.New("bundle holds neither a DSSE envelope nor a message signature")
	}
	res, err := verifier.Verify(b, verify.NewPolicy(artifactOpt, popts...))
	if err != nil {
		return nil, &FailedError{err}
	}
	if c := res.Signature.Certificate; c != nil {
		vc, _ := b.VerificationContent()
		if cert := vc.Certificate(); cert != nil {
			out.Signer = certificateSigner(cert)
		}
	} else {
		out.Signer = evidence.Signer{Key: Fingerprint(trust.PublicKey)}
	}
	if entries := b.GetVerificationMaterial().GetTlogEntries(); len(entries) > 0 {
		out.Tlog = tlogEntry(entries[0].GetLogIndex(), entries[0].GetIntegratedTime(), searchURL)
	}
	return out, nil
}

func (a *Artifact) algorithm() string {
	if a.Algorithm == "" {
		return "sha256"
	}
	return a.Algorithm
}

// searchURL links a public-good Rekor entry.
func searchURL(i int64) string { return fmt.Sprintf("https://search.sigstore.dev/?logIndex=%d", i) }

func isEd25519(pub crypto.PublicKey) bool {
	_, ok := pub.(ed25519.PublicKey)
	return ok
}

// options builds sigstore-go's trusted material, verifier options and policy
// for this trust and bundle, as sigstore-go's own conformance client does.
func (t Trust) options(b *bundle.Bundle) (root.TrustedMaterial, []verify.VerifierOption, []verify.PolicyOption, error) {
	hasTlog := len(b.GetVerificationMaterial().GetTlogEntries()) > 0
	hasTSA := len(b.GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps()) > 0
	if t.PublicKey != nil {
		v, err := signature.LoadDefaultVerifier(t.PublicKey)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("public key: %w", err)
		}
		key := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		material := root.TrustedMaterialCollection{key}
		var vopts []verify.VerifierOption
		timestamped := false
		if t.TrustedRoot != nil {
			material = append(material, t.TrustedRoot)
			if hasTlog && len(t.TrustedRoot.RekorLogs()) > 0 {
				vopts = append(vopts, verify.WithTransparencyLog(1))
			}
			if hasTSA && len(t.TrustedRoot.TimestampingAuthorities()) > 0 {
				vopts = append(vopts, verify.WithSignedTimestamps(1))
				timestamped = true
			}
		}
		// A key needs no time to be valid at, unless a timestamp vouches for one.
		if !timestamped {
			vopts = append(vopts, verify.WithNoObserverTimestamps())
		}
		return material, vopts, []verify.PolicyOption{verify.WithKey()}, nil
	}
	if t.TrustedRoot == nil {
		return nil, nil, nil, errors.New("verifying a certificate needs a trusted root")
	}
	if t.Identity == "" && t.IdentityRegexp == "" || t.Issuer == "" && t.IssuerRegexp == "" {
		return nil, nil, nil, errors.New("verifying a certificate needs the expected identity (exact or a pattern) and OIDC issuer (exact or a pattern)")
	}
	id, err := verify.NewShortCertificateIdentity(t.Issuer, t.IssuerRegexp, t.Identity, t.IdentityRegexp)
	if err != nil {
		return nil, nil, nil, err
	}
	var vopts []verify.VerifierOption
	if len(t.TrustedRoot.CTLogs()) > 0 {
		vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
	}
	if hasTlog && len(t.TrustedRoot.RekorLogs()) > 0 {
		vopts = append(vopts, verify.WithTransparencyLog(1))
		if b.HasInclusionPromise() {
			vopts = append(vopts, verify.WithIntegratedTimestamps(1))
		}
	}
	if hasTSA && len(t.TrustedRoot.TimestampingAuthorities()) > 0 {
		vopts = append(vopts, verify.WithSignedTimestamps(1))
	}
	if !hasTlog && !hasTSA {
		return nil, nil, nil, errors.New("certificate bundle has neither a transparency-log entry nor a timestamp to prove when it was signed")
	}
	return t.TrustedRoot, vopts, []verify.PolicyOption{verify.WithCertificateIdentity(id)}, nil
}

// normalizeBundle makes older model_signing bundles readable by sigstore-go:
// it drops the publicKey rawBytes/keyDetails fields model_signing <= 1.0.1
// wrote (not in the bundle spec; upstream deletes them too), and takes out an
// x509CertificateChain, which bundle v0.3 forbids, for verifyChainBundle.
func normalizeBundle(data []byte) ([]byte, [][]byte, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	vm, _ := raw["verificationMaterial"].(map[string]any)
	if vm == nil {
		return data, nil, nil
	}
	changed := false
	if pk, ok := vm["publicKey"].(map[string]any); ok {
		for _, k := range []string{"rawBytes", "keyDetails"} {
			if _, ok := pk[k]; ok {
				delete(pk, k)
				changed = true
			}
		}
	}
	var chain [][]byte
	if mt, _ := raw["mediaType"].(string); mt == BundleMediaType {
		if c, ok := vm["x509CertificateChain"].(map[string]any); ok {
			certs, _ := c["certificates"].([]any)
			for _, e := range certs {
				m, _ := e.(map[string]any)
				s, _ := m["rawBytes"].(string)
				der, err := decodeBase64(s)
				if err != nil {
					return nil, nil, fmt.Errorf("bundle certificate chain: %w", err)
				}
				chain = append(chain, der)
			}
			if len(chain) == 0 {
				return nil, nil, errors.New("bundle certificate chain is empty")
			}
		}
	}
	if !changed {
		return data, chain, nil
	}
	out, err := json.Marshal(raw)
	return out, chain, err
}
