// Package gcpkms is mlgate's gcpkms:// signing provider: Google Cloud KMS
// asymmetric signing over KMS's REST API (v1), registered with sigstore's
// kms.AddProvider under the scheme cosign uses, so key references and the
// rest of the signing code are the same as with sigstore's provider.
//
// Why mlgate's own: sigstore's provider (pkg/signature/kms/gcp) calls KMS
// through cloud.google.com/go/kms over gRPC, which linked 107 packages
// (gRPC's credentials and balancers, S2A, OpenTelemetry, the KMS protos)
// for four calls. With this provider cmd/mlgate has 1,066 packages instead
// of 1,172, its binary is 80.1 MB instead of 82.8 MB, and a cold build took
// 342 s of CPU instead of 443 s (README, Performance). Credentials come from
// golang.org/x/oauth2/google, the application-default search the SDK does,
// as pkg/objstore's GCS client does.
//
// Behaviour follows sigstore v1.10.3's provider: the same reference forms,
// the same algorithms and hash per key version, a reference without a
// version signs with the enabled version sorting last by name, and the
// CRC32C integrity checks of the request digest and the signature. It also
// checks that each answer names the key version asked about and that the
// public key's PEM matches its CRC32C. Keys are not created (CreateKey).
package gcpkms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/sigstore/sigstore/pkg/signature/options"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// ReferenceScheme is the scheme of Cloud KMS key references.
const ReferenceScheme = "gcpkms://"

// EndpointEnv names a KMS endpoint to use instead of Google's, without
// credentials: a local stand-in for tests.
const EndpointEnv = "MLGATE_GCPKMS_ENDPOINT"

// maxAnswer bounds every KMS answer read: the largest, an RSA 4096 public
// key in PEM, is under 1 KiB.
const maxAnswer = 64 << 10

// refRE is sigstore's reference syntax (versions/ is accepted for
// cryptoKeyVersions/, as there).
var refRE = regexp.MustCompile(`^gcpkms://projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys/([^/]+)(?:/(?:cryptoKeyVersions|versions)/([^/]+))?$`)

// algorithms maps KMS signing algorithms to the digest each signs.
var algorithms = map[string]crypto.Hash{
	"EC_SIGN_P256_SHA256":        crypto.SHA256,
	"EC_SIGN_P384_SHA384":        crypto.SHA384,
	"RSA_SIGN_PKCS1_2048_SHA256": crypto.SHA256,
	"RSA_SIGN_PKCS1_3072_SHA256": crypto.SHA256,
	"RSA_SIGN_PKCS1_4096_SHA256": crypto.SHA256,
	"RSA_SIGN_PKCS1_4096_SHA512": crypto.SHA512,
	"RSA_SIGN_PSS_2048_SHA256":   crypto.SHA256,
	"RSA_SIGN_PSS_3072_SHA256":   crypto.SHA256,
	"RSA_SIGN_PSS_4096_SHA256":   crypto.SHA256,
	"RSA_SIGN_PSS_4096_SHA512":   crypto.SHA512,
}

// supportedHashes are the digests asymmetricSign accepts.
var supportedHashes = []crypto.Hash{crypto.SHA256, crypto.SHA512, crypto.SHA384}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func init() {
	kms.AddProvider(ReferenceScheme, func(ctx context.Context, ref string, _ crypto.Hash, _ ...signature.RPCOption) (kms.SignerVerifier, error) {
		return Load(ctx, ref)
	})
}

// SignerVerifier signs with one Cloud KMS key (version).
type SignerVerifier struct {
	ref     string // the reference, naming the key in every error
	key     string // projects/P/locations/L/keyRings/R/cryptoKeys/K
	version string // the version the reference pins, or ""
	base    string // https://cloudkms.googleapis.com or EndpointEnv's
	c       *http.Client

	mu  sync.Mutex
	ckv *keyVersion // chosen on first use
}

// keyVersion is the key version in use and its public key.
type keyVersion struct {
	name     string
	hash     crypto.Hash
	verifier signature.Verifier
}

// Load parses a gcpkms:// reference and prepares a client with Google's
// application-default credentials; KMS is first called on first use.
func Load(ctx context.Context, ref string) (*SignerVerifier, error) {
	m := refRE.FindStringSubmatch(ref)
	if m == nil {
		return nil, fmt.Errorf("%q: a Cloud KMS key reference is gcpkms://projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY[/cryptoKeyVersions/VERSION]", ref)
	}
	g := &SignerVerifier{
		ref:     ref,
		key:     "projects/" + m[1] + "/locations/" + m[2] + "/keyRings/" + m[3] + "/cryptoKeys/" + m[4],
		version: m[5],
		base:    "https://cloudkms.googleapis.com",
		c:       &http.Client{Timeout: 2 * time.Minute},
	}
	if e := os.Getenv(EndpointEnv); e != "" {
		g.base = strings.TrimSuffix(e, "/")
		return g, nil
	}
	// The token source refreshes with this context and outlives Load's.
	gc, err := google.FindDefaultCredentials(context.WithoutCancel(ctx), "https://www.googleapis.com/auth/cloudkms")
	if err != nil {
		return nil, fmt.Errorf("%s: no Google application-default credentials: %w", ref, err)
	}
	g.c = oauth2.NewClient(context.WithoutCancel(ctx), gc.TokenSource)
	g.c.Timeout = 2 * time.Minute
	return g, nil
}

// call sends a KMS request for resource name (plus ":verb" or "/sub" and a
// query) and decodes its bounded JSON answer into out.
func (g *SignerVerifier) call(ctx context.Context, method, name, suffix string, in, out any) error {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.base+"/v1/"+strings.Join(segs, "/")+suffix, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("reading the KMS answer: %w", err)
	}
	if len(b) > maxAnswer {
		return fmt.Errorf("the KMS answer is over %d KiB", maxAnswer>>10)
	}
	if resp.StatusCode != http.StatusOK {
		// KMS explains a refusal in {"error":{"message":...}}; keep it short.
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		msg := "HTTP " + resp.Status
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			msg += ": " + strings.ToValidUTF8(e.Error.Message[:min(len(e.Error.Message), 200)], "")
		}
		return errors.New(msg)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("reading the KMS answer: %w", err)
	}
	return nil
}

// versionJSON is a CryptoKeyVersion as the REST API writes it.
type versionJSON struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	Algorithm string `json:"algorithm"`
}

// keyVersion returns the key version in use, asking KMS on first use: the
// pinned version, or the enabled one sorting last by name (as sigstore).
func (g *SignerVerifier) keyVersion(ctx context.Context) (*keyVersion, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ckv != nil {
		return g.ckv, nil
	}
	ckv, err := g.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.ref, err)
	}
	g.ckv = ckv
	return ckv, nil
}

func (g *SignerVerifier) fetch(ctx context.Context) (*keyVersion, error) {
	var key struct {
		Name    string `json:"name"`
		Purpose string `json:"purpose"`
	}
	if err := g.call(ctx, http.MethodGet, g.key, "", nil, &key); err != nil {
		return nil, fmt.Errorf("reading the key: %w", err)
	}
	if key.Name != g.key {
		return nil, fmt.Errorf("KMS answered for the key %q", key.Name)
	}
	if key.Purpose != "ASYMMETRIC_SIGN" {
		return nil, fmt.Errorf("the key's purpose is %q, not ASYMMETRIC_SIGN: it cannot sign", key.Purpose)
	}
	var kv versionJSON
	if g.version != "" {
		want := g.key + "/cryptoKeyVersions/" + g.version
		if err := g.call(ctx, http.MethodGet, want, "", nil, &kv); err != nil {
			return nil, fmt.Errorf("reading key version %s: %w", g.version, err)
		}
		if kv.Name != want {
			return nil, fmt.Errorf("KMS answered for the key version %q", kv.Name)
		}
	} else {
		var list struct {
			Versions []versionJSON `json:"cryptoKeyVersions"`
		}
		q := url.Values{"filter": {"state=ENABLED"}, "orderBy": {"name desc"}, "pageSize": {"1"}}
		if err := g.call(ctx, http.MethodGet, g.key, "/cryptoKeyVersions?"+q.Encode(), nil, &list); err != nil {
			return nil, fmt.Errorf("listing key versions: %w", err)
		}
		if len(list.Versions) == 0 {
			return nil, errors.New("no enabled key version")
		}
		kv = list.Versions[0]
		if !strings.HasPrefix(kv.Name, g.key+"/cryptoKeyVersions/") || strings.Count(kv.Name, "/") != 9 {
			return nil, fmt.Errorf("KMS answered with a version of another key: %q", kv.Name)
		}
	}
	hash, ok := algorithms[kv.Algorithm]
	if !ok {
		return nil, fmt.Errorf("key version %q: algorithm %q is not a signing algorithm mlgate knows", kv.Name, kv.Algorithm)
	}
	var pk struct {
		Name      string       `json:"name"`
		Pem       string       `json:"pem"`
		Algorithm string       `json:"algorithm"`
		PemCrc32c *int64String `json:"pemCrc32c"`
	}
	if err := g.call(ctx, http.MethodGet, kv.Name, "/publicKey", nil, &pk); err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	// Older answers may lack name and pemCrc32c; when present they must match.
	if pk.Name != "" && pk.Name != kv.Name {
		return nil, fmt.Errorf("KMS answered with the public key of %q", pk.Name)
	}
	if pk.PemCrc32c != nil && int64(crc32.Checksum([]byte(pk.Pem), castagnoli)) != int64(*pk.PemCrc32c) {
		return nil, errors.New("the public key's CRC32C does not match: corrupted in transit")
	}
	if pk.Algorithm != "" && pk.Algorithm != kv.Algorithm {
		return nil, fmt.Errorf("the public key's algorithm %q is not the key version's %q", pk.Algorithm, kv.Algorithm)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(pk.Pem))
	if err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	var v signature.Verifier
	switch a := kv.Algorithm; {
	case strings.HasPrefix(a, "EC_"):
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the public key of %s is not ECDSA", a)
		}
		v, err = signature.LoadECDSAVerifier(ec, hash)
	case strings.HasPrefix(a, "RSA_SIGN_PKCS1_"):
		r, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the public key of %s is not RSA", a)
		}
		v, err = signature.LoadRSAPKCS1v15Verifier(r, hash)
	default: // RSA_SIGN_PSS_
		r, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the public key of %s is not RSA", a)
		}
		v, err = signature.LoadRSAPSSVerifier(r, hash, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("loading the public key: %w", err)
	}
	return &keyVersion{name: kv.Name, hash: hash, verifier: v}, nil
}

// int64String is an int64 the JSON API writes as a string (or a number).
type int64String int64

func (n *int64String) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	*n = int64String(v)
	return err
}

// SignMessage signs message (or the digest given with options.WithDigest)
// with the key version's hash unless the options name another.
func (g *SignerVerifier) SignMessage(message io.Reader, opts ...signature.SignOption) ([]byte, error) {
	ctx := context.Background()
	for _, o := range opts {
		o.ApplyContext(&ctx)
	}
	ckv, err := g.keyVersion(ctx)
	if err != nil {
		return nil, err
	}
	var signerOpts crypto.SignerOpts = ckv.hash
	for _, o := range opts {
		o.ApplyCryptoSignerOpts(&signerOpts)
	}
	digest, hf, err := signature.ComputeDigestForSigning(message, signerOpts.HashFunc(), supportedHashes, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.ref, err)
	}
	sig, err := g.sign(ctx, ckv.name, digest, hf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.ref, err)
	}
	return sig, nil
}

// sign calls asymmetricSign with the digest and its CRC32C, and checks the
// answer's integrity fields (Cloud KMS's data integrity guidelines).
func (g *SignerVerifier) sign(ctx context.Context, name string, digest []byte, hf crypto.Hash) ([]byte, error) {
	field := map[crypto.Hash]string{crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}[hf]
	if field == "" {
		return nil, fmt.Errorf("unsupported hash function %v", hf)
	}
	crc := crc32.Checksum(digest, castagnoli)
	in := map[string]any{
		"digest":       map[string]string{field: base64.StdEncoding.EncodeToString(digest)},
		"digestCrc32c": strconv.FormatUint(uint64(crc), 10),
	}
	var out struct {
		Name                 string       `json:"name"`
		Signature            []byte       `json:"signature"`
		SignatureCrc32c      *int64String `json:"signatureCrc32c"`
		VerifiedDigestCrc32c bool         `json:"verifiedDigestCrc32c"`
	}
	if err := g.call(ctx, http.MethodPost, name, ":asymmetricSign", in, &out); err != nil {
		return nil, fmt.Errorf("asymmetricSign: %w", err)
	}
	if out.Name != name {
		return nil, fmt.Errorf("asymmetricSign answered for the key version %q, not %q", out.Name, name)
	}
	if !out.VerifiedDigestCrc32c {
		return nil, errors.New("asymmetricSign: KMS did not verify the digest's CRC32C: request corrupted in transit")
	}
	if out.SignatureCrc32c == nil || int64(*out.SignatureCrc32c) != int64(crc32.Checksum(out.Signature, castagnoli)) {
		return nil, errors.New("asymmetricSign: the signature's CRC32C does not match: answer corrupted in transit")
	}
	if len(out.Signature) == 0 {
		return nil, errors.New("asymmetricSign: empty signature")
	}
	return out.Signature, nil
}

// PublicKey returns the public key of the key version in use.
func (g *SignerVerifier) PublicKey(opts ...signature.PublicKeyOption) (crypto.PublicKey, error) {
	ctx := context.Background()
	for _, o := range opts {
		o.ApplyContext(&ctx)
	}
	ckv, err := g.keyVersion(ctx)
	if err != nil {
		return nil, err
	}
	return ckv.verifier.PublicKey()
}

// VerifySignature checks sig over message with the key version's public key.
func (g *SignerVerifier) VerifySignature(sig, message io.Reader, opts ...signature.VerifyOption) error {
	ctx := context.Background()
	for _, o := range opts {
		o.ApplyContext(&ctx)
	}
	ckv, err := g.keyVersion(ctx)
	if err != nil {
		return err
	}
	return ckv.verifier.VerifySignature(sig, message, opts...)
}

// CreateKey is not supported: mlgate signs with existing keys only.
func (g *SignerVerifier) CreateKey(context.Context, string) (crypto.PublicKey, error) {
	return nil, fmt.Errorf("%s: mlgate does not create Cloud KMS keys", g.ref)
}

// CryptoSigner returns a crypto.Signer signing through KMS.
func (g *SignerVerifier) CryptoSigner(ctx context.Context, errFunc func(error)) (crypto.Signer, crypto.SignerOpts, error) {
	ckv, err := g.keyVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	return &cryptoSigner{ctx: ctx, g: g, hash: ckv.hash, errFunc: errFunc}, ckv.hash, nil
}

type cryptoSigner struct {
	ctx     context.Context
	g       *SignerVerifier
	hash    crypto.Hash
	errFunc func(error)
}

func (c *cryptoSigner) Public() crypto.PublicKey {
	pk, err := c.g.PublicKey(options.WithContext(c.ctx))
	if err != nil && c.errFunc != nil {
		c.errFunc(err)
	}
	return pk
}

func (c *cryptoSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := c.hash
	if opts != nil {
		h = opts.HashFunc()
	}
	return c.g.SignMessage(nil, options.WithContext(c.ctx), options.WithDigest(digest), options.WithCryptoSignerOpts(h))
}

// SupportedAlgorithms lists sigstore's names of the signing algorithms.
func (g *SignerVerifier) SupportedAlgorithms() []string {
	return []string{
		"ecdsa-p256-sha256", "ecdsa-p384-sha384",
		"rsa-pkcs1v15-2048-sha256", "rsa-pkcs1v15-3072-sha256", "rsa-pkcs1v15-4096-sha256", "rsa-pkcs1v15-4096-sha512",
		"rsa-pss-2048-sha256", "rsa-pss-3072-sha256", "rsa-pss-4096-sha256", "rsa-pss-4096-sha512",
	}
}

// DefaultAlgorithm is sigstore's default for Cloud KMS keys.
func (g *SignerVerifier) DefaultAlgorithm() string { return "ecdsa-p256-sha256" }
