package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// verifyChainBundle verifies model_signing's "certificate" mode: a DSSE
// bundle carrying [leaf, intermediates...] that must chain to one of the
// user's CA roots, checked at the leaf's notBefore as upstream does
// (sign_certificate.py). sigstore-go refuses such bundles (v0.3 allows a
// single certificate only), so this is done here.
func verifyChainBundle(data []byte, chain [][]byte, trust Trust) (*Verified, error) {
	if len(trust.CARoots) == 0 {
		return nil, errors.New("bundle carries a certificate chain: verifying it needs the CA certificates it must chain to")
	}
	certs := make([]*x509.Certificate, 0, len(chain))
	for _, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("bundle certificate: %w", err)
		}
		certs = append(certs, c)
	}
	leaf := certs[0]
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range trust.CARoots {
		roots.AddCert(c)
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, &FailedError{fmt.Errorf("signing certificate does not chain to the given CA: %w", err)}
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !hasCodeSigning(leaf) {
		return nil, errors.New("signing certificate allows neither digital signatures nor code signing")
	}
	var raw struct {
		DsseEnvelope *struct {
			Payload     string `json:"payload"`
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				Sig string `json:"sig"`
			} `json:"signatures"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &raw); err != nil || raw.DsseEnvelope == nil {
		return nil, errors.New("certificate-chain bundle has no DSSE envelope")
	}
	env := raw.DsseEnvelope
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("DSSE envelope has %d signatures, want exactly one", len(env.Signatures))
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("DSSE payload: %w", err)
	}
	sig, err := decodeBase64(env.Signatures[0].Sig)
	if err != nil {
		return nil, fmt.Errorf("DSSE signature: %w", err)
	}
	pae := (&sign.DSSEData{Data: payload, PayloadType: env.PayloadType}).PreAuthEncoding()
	if err := verifyWithCurveHash(leaf.PublicKey, pae, sig); err != nil {
		// model_signing 0.2 signed a malformed PAE with SHA-256 whatever the curve.
		if err2 := verifyWithHash(leaf.PublicKey, paeCompat(env.PayloadType, payload), sig, crypto.SHA256); err2 != nil {
			return nil, &FailedError{fmt.Errorf("DSSE signature does not verify with the signing certificate: %w", err)}
		}
	}
	return &Verified{
		Signer:      evidence.Signer{Identity: leaf.Subject.String(), Issuer: leaf.Issuer.String()},
		Payload:     payload,
		PayloadType: env.PayloadType,
	}, nil
}

func hasCodeSigning(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageCodeSigning {
			return true
		}
	}
	return false
}

// verifyWithCurveHash verifies with the hash that goes with the key (SHA-384
// for P-384, ...), as model_signing signs.
func verifyWithCurveHash(pub crypto.PublicKey, msg, sig []byte) error {
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return err
	}
	return v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg))
}

func verifyWithHash(pub crypto.PublicKey, msg, sig []byte, h crypto.Hash) error {
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return errors.New("not an ECDSA key")
	}
	sum := sha256.Sum256(msg)
	if h != crypto.SHA256 || !ecdsa.VerifyASN1(ec, sum[:], sig) {
		return errors.New("invalid signature")
	}
	return nil
}

// paeCompat is the pre-authentication encoding model_signing 0.2 signed:
// "DSSEV1" and the payload as Python's repr of bytes.
func paeCompat(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pythonBytesRepr(payload)))
}

// pythonBytesRepr renders bytes as Python's repr(b"...") does.
func pythonBytesRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteByte('b')
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// maxCertificatesFile bounds a certificate chain file (a chain is a few KiB).
const maxCertificatesFile = 1 << 20

// ReadCertificates reads every PEM certificate in a file (text around the
// blocks, as certtool writes, is skipped).
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := readlimit.ReadFile(path, maxCertificatesFile, "a certificate chain")
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificates %s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("certificates %s: no PEM certificate found", path)
	}
	return certs, nil
}
