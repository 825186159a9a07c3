// Package gcpkmstest is a loopback stand-in for Cloud KMS's REST API, for
// tests of the gcpkms:// signing provider (no real Cloud KMS runs here).
package gcpkmstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/signing/gcpkms"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// KeyName is the stand-in's one key.
const KeyName = "projects/proj/locations/global/keyRings/ring/cryptoKeys/key"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) string { return strconv.FormatUint(uint64(crc32.Checksum(b, castagnoli)), 10) }

// StandIn is a loopback STAND-IN for Cloud KMS's REST API (v1), since no
// real Cloud KMS can run here: the calls the provider makes, answered the
// way the API documents them, signing with a real ECDSA P-256 key. tamper
// may change an answer before it is sent.
type StandIn struct {
	t      *testing.T
	priv   *ecdsa.PrivateKey
	Tamper func(path string, out map[string]any)
	Signed int
}

// New starts a stand-in and points the gcpkms provider at it (EndpointEnv)
// for the rest of the test.
func New(t *testing.T) *StandIn {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &StandIn{t: t, priv: priv}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Setenv(gcpkms.EndpointEnv, srv.URL)
	return s
}

// ServeHTTP answers as Cloud KMS.
func (s *StandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	version := func(name string) map[string]any {
		return map[string]any{"name": name, "state": "ENABLED", "algorithm": "EC_SIGN_P256_SHA256"}
	}
	var out map[string]any
	switch {
	case r.Method == http.MethodGet && p == KeyName:
		out = map[string]any{"name": KeyName, "purpose": "ASYMMETRIC_SIGN"}
	case r.Method == http.MethodGet && p == KeyName+"/cryptoKeyVersions":
		q := r.URL.Query()
		if q.Get("filter") != "state=ENABLED" || q.Get("orderBy") != "name desc" {
			http.Error(w, `{"error":{"message":"unexpected listing query"}}`, http.StatusBadRequest)
			return
		}
		out = map[string]any{"cryptoKeyVersions": []any{version(KeyName + "/cryptoKeyVersions/3")}, "totalSize": 1}
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/publicKey"):
		der, err := cryptoutils.MarshalPublicKeyToPEM(s.priv.Public())
		if err != nil {
			s.t.Error(err)
		}
		out = map[string]any{"name": strings.TrimSuffix(p, "/publicKey"), "pem": string(der), "pemCrc32c": crc(der),
			"algorithm": "EC_SIGN_P256_SHA256", "protectionLevel": "HSM"}
	case r.Method == http.MethodGet && strings.HasPrefix(p, KeyName+"/cryptoKeyVersions/"):
		out = version(p)
	case r.Method == http.MethodPost && strings.HasSuffix(p, ":asymmetricSign"):
		var in struct {
			Digest       struct{ Sha256 []byte }
			DigestCrc32c string
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Digest.Sha256) != sha256.Size {
			http.Error(w, `{"error":{"message":"bad digest"}}`, http.StatusBadRequest)
			return
		}
		sig, err := ecdsa.SignASN1(rand.Reader, s.priv, in.Digest.Sha256)
		if err != nil {
			s.t.Error(err)
		}
		s.Signed++
		out = map[string]any{"name": strings.TrimSuffix(p, ":asymmetricSign"), "signature": sig, "signatureCrc32c": crc(sig),
			"verifiedDigestCrc32c": in.DigestCrc32c == crc(in.Digest.Sha256), "protectionLevel": "HSM"}
	default:
		http.Error(w, `{"error":{"message":"not found: `+p+`"}}`, http.StatusNotFound)
		return
	}
	if s.Tamper != nil {
		s.Tamper(p, out)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
