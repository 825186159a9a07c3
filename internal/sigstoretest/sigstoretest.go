// Package sigstoretest runs a local stand-in for the services keyless signing
// talks to, for offline tests: a GitHub Actions ID-token endpoint, a Fulcio
// that certifies any key for one GitHub workflow identity, and a Rekor
// whose entries are signed by sigstore-go's VirtualSigstore log key. These are
// the only simulated parts of mlgate's signing tests: the clients (sigstore-go's
// Fulcio and Rekor clients, mlgate's token fetch) and the verification are real.
package sigstoretest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// GitHub workflow identity the fake Fulcio certifies.
const (
	Issuer     = "https://token.actions.githubusercontent.com"
	Repository = "acme/models"
	Ref        = "refs/heads/main"
	SHA        = "0123456789abcdef0123456789abcdef01234567"
	Trigger    = "push"
	Identity   = "https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main"
	// RequestToken is what the fake Actions endpoint expects as bearer token.
	RequestToken = "actions-request-token"
)

// Workflow is the GitHub workflow run whose identity the fake Fulcio certifies.
type Workflow struct {
	Repository string // owner/name
	Path       string // .github/workflows/NAME.yml
	Ref        string
	SHA        string
	Trigger    string
}

// Default is the run New certifies: Identity, from the constants above.
var Default = Workflow{Repository: Repository, Path: ".github/workflows/release.yml", Ref: Ref, SHA: SHA, Trigger: Trigger}

// Identity is the certificate identity (URI SAN) Fulcio gives the run.
func (w Workflow) Identity() string {
	return "https://github.com/" + w.Repository + "/" + w.Path + "@" + w.Ref
}

// Sigstore is the running stand-in.
type Sigstore struct {
	// OIDCRequestURL is ACTIONS_ID_TOKEN_REQUEST_URL; it wants RequestToken
	// and the audience "sigstore".
	OIDCRequestURL string
	FulcioURL      string
	RekorURL       string
	// TrustedRoot trusts the fake Fulcio CA and Rekor log; TrustedRootPath is
	// the same as a trusted_root.json file.
	TrustedRoot     *root.TrustedRoot
	TrustedRootPath string

	virtual   *ca.VirtualSigstore
	rootCert  *x509.Certificate
	interCert *x509.Certificate
	interKey  *ecdsa.PrivateKey
	workflow  Workflow
	mu        sync.Mutex
	logIndex  int64
}

// New starts the stand-in services for one test, certifying Default.
func New(t *testing.T) *Sigstore {
	t.Helper()
	return NewFor(t, Default)
}

// NewFor starts the stand-in services for one test, certifying the run w.
func NewFor(t *testing.T, w Workflow) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	interCert, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &Sigstore{virtual: vs, rootCert: rootCert, interCert: interCert, interKey: interKey, workflow: w}
	oidc := httptest.NewServer(http.HandlerFunc(s.serveToken))
	fulcio := httptest.NewServer(http.HandlerFunc(s.serveFulcio))
	rekor := httptest.NewServer(http.HandlerFunc(s.serveRekor))
	t.Cleanup(func() { oidc.Close(); fulcio.Close(); rekor.Close() })
	s.OIDCRequestURL = oidc.URL + "/token?api-version=2.0"
	s.FulcioURL, s.RekorURL = fulcio.URL, rekor.URL

	cas := []root.CertificateAuthority{&root.FulcioCertificateAuthority{
		Root: rootCert, Intermediates: []*x509.Certificate{interCert},
		// A day either side of now: no run on a loaded machine outlasts it.
		ValidityPeriodStart: time.Now().Add(-24 * time.Hour), ValidityPeriodEnd: time.Now().Add(24 * time.Hour),
		URI: fulcio.URL,
	}}
	// VirtualSigstore keys its log by the hex ID but stores the hex text as the
	// ID; a trusted_root.json holds the raw ID, so store that to round-trip.
	logs := map[string]*root.TransparencyLog{}
	for id, l := range vs.RekorLogs() {
		raw, err := hex.DecodeString(id)
		if err != nil {
			t.Fatal(err)
		}
		l.ID = raw
		logs[id] = l
	}
	s.TrustedRoot, err = root.NewTrustedRoot(root.TrustedRootMediaType01, cas, nil, nil, logs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.TrustedRoot.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	s.TrustedRootPath = filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(s.TrustedRootPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// IDToken is the (unsigned) JWT New's Actions endpoint hands out.
func IDToken() string { return Default.IDToken() }

// IDToken is the (unsigned) JWT the fake Actions endpoint hands out for a run
// of w; the fake Fulcio, like the real one, takes the subject from it.
func (w Workflow) IDToken() string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": Issuer, "aud": "sigstore", "sub": w.subject(),
		"repository": w.Repository, "ref": w.Ref, "sha": w.SHA, "event_name": w.Trigger,
	})
	return header + "." + enc.EncodeToString(claims) + ".sig"
}

func (w Workflow) subject() string { return "repo:" + w.Repository + ":ref:" + w.Ref }

// serveToken behaves like the Actions ID-token endpoint.
func (s *Sigstore) serveToken(w http.ResponseWriter, r *http.Request) {
	// The scheme is case-insensitive (RFC 7235): runners' clients differ.
	if scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " "); !strings.EqualFold(scheme, "bearer") || tok != RequestToken {
		http.Error(w, "bad request token", http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0" {
		http.Error(w, "want audience=sigstore and the runner's api-version", http.StatusBadRequest)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"value": s.workflow.IDToken()})
}

// serveFulcio certifies the posted key after checking its proof of
// possession, with Fulcio's GitHub workflow extensions.
func (s *Sigstore) serveFulcio(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/signingCert" || r.Header.Get("Authorization") != "Bearer "+s.workflow.IDToken() {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Content string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pop, _ := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err == nil {
		err = v.VerifySignature(bytes.NewReader(pop), bytes.NewReader([]byte(s.workflow.subject())))
	}
	if err != nil {
		http.Error(w, "proof of possession: "+err.Error(), http.StatusBadRequest)
		return
	}
	der, err := s.issue(pub)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	chain := []string{
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.interCert.Raw})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.rootCert.Raw})),
	}
	json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
}

// issue makes a 10-minute code-signing certificate for pub with the URI SAN
// and the Fulcio extensions a GitHub Actions token yields.
func (s *Sigstore) issue(pub crypto.PublicKey) ([]byte, error) {
	ext := func(n int, v string) pkix.Extension {
		val, _ := asn1.MarshalWithParams(v, "utf8")
		return pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, n}, Value: val}
	}
	wf := s.workflow
	san, _ := url.Parse(wf.Identity())
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(10 * time.Minute),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:        []*url.URL{san},
		ExtraExtensions: []pkix.Extension{
			ext(8, Issuer), ext(12, "https://github.com/"+wf.Repository), ext(13, wf.SHA), ext(14, wf.Ref),
			ext(18, wf.Identity()), ext(20, wf.Trigger),
		},
	}
	return x509.CreateCertificate(nil, tmpl, s.interCert, pub, s.interKey)
}

// serveRekor accepts a proposed entry like Rekor's createLogEntry, and answers
// with the canonical entry, a signed entry timestamp and an inclusion proof
// from the virtual log.
func (s *Sigstore) serveRekor(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		http.NotFound(w, r)
		return
	}
	pe, err := models.UnmarshalProposedEntry(r.Body, runtime.JSONConsumer())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	entry, err := types.CreateVersionedEntry(pe)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	canonical, err := types.CanonicalizeEntry(context.Background(), entry)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	logID, err := s.virtual.RekorLogID()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.logIndex++
	index := s.logIndex
	s.mu.Unlock()
	body := base64.StdEncoding.EncodeToString(canonical)
	integrated := time.Now().Unix()
	set, err := s.virtual.RekorSignPayload(tlog.RekorPayload{Body: body, IntegratedTime: integrated, LogIndex: index, LogID: logID})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	proof, err := s.virtual.GetInclusionProof(canonical)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(canonical)
	uuid := hex.EncodeToString(sum[:])
	resp := models.LogEntry{uuid: models.LogEntryAnon{
		Body: body, IntegratedTime: &integrated, LogIndex: &index, LogID: &logID,
		Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: set, InclusionProof: proof},
	}}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", uuid)
	w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(resp)
}
