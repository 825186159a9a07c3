package signing

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/mlgate/mlgate/internal/testenv"
)

func corpus(t *testing.T, elem ...string) string {
	t.Helper()
	return testenv.Shared(t, append([]string{"corpora", "sigstore"}, elem...)...)
}

func loadPEMKey(t *testing.T, path string) Trust {
	t.Helper()
	pub, err := LoadPublicKey(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return Trust{PublicKey: pub}
}

func loadCARoots(t *testing.T, path string) Trust {
	t.Helper()
	roots, err := ReadCertificates(path)
	if err != nil {
		t.Fatal(err)
	}
	return Trust{CARoots: roots}
}

func loadTrustedRoot(t *testing.T, path string) root.TrustedMaterial {
	t.Helper()
	tr, err := root.NewTrustedRootFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// modelVector is one signed model of the shared corpus and the outcome
// FIXTURES.md and model-signing-derived/README.md give for it.
type modelVector struct {
	name   string
	model  string // the model path (a folder, or the file of a single-file model)
	bundle string
	trust  Trust
	opts   ModelOptions
	// wantProblems lists "kind path" the verification must report; wantFailed
	// says the signature itself must be refused.
	wantProblems []string
	wantFailed   bool
	wantIdentity string
}

func modelVectors(t *testing.T) []modelVector {
	mt := corpus(t, "model-transparency", "scripts", "tests")
	keys := filepath.Join(mt, "keys", "certificate")
	key := loadPEMKey(t, filepath.Join(keys, "signing-key-pub.pem"))
	ca := loadCARoots(t, filepath.Join(keys, "ca-cert.pem"))
	keyless := Trust{
		TrustedRoot: loadTrustedRoot(t, corpus(t, "trust-roots", "public-good-production.trusted_root.json")),
		Identity:    "stefanb@us.ibm.com", Issuer: "https://sigstore.verify.ibm.com/oauth2",
	}
	var vs []modelVector
	for _, v := range []string{"v0.2.0", "v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"} {
		for _, mode := range []string{"certificate", "elliptic-key", "sigstore"} {
			dir := filepath.Join(mt, v+"-"+mode)
			if _, err := os.Stat(dir); err != nil {
				continue
			}
			mv := modelVector{name: filepath.Base(dir), model: dir, bundle: filepath.Join(dir, "model.sig")}
			switch mode {
			case "certificate":
				mv.trust, mv.wantIdentity = ca, "CN=intermediate-ca"
			case "elliptic-key":
				mv.trust = key
			case "sigstore":
				mv.trust, mv.wantIdentity = keyless, "stefanb@us.ibm.com"
			}
			// Single-file models of 0.3.1 and 1.0.0 key mode sign signme-1 alone.
			if mode == "elliptic-key" && (v == "v0.3.1" || v == "v1.0.0") {
				mv.model = filepath.Join(dir, "signme-1")
			}
			// Before 1.1.0 the ignore list was not recorded: the verifier names
			// it, and without it the unsigned ignore-me is an extra file.
			if v == "v1.0.1" {
				unignored := mv
				unignored.name += " (ignore-me not ignored)"
				unignored.wantProblems = []string{"extra ignore-me"}
				vs = append(vs, unignored)
				mv.opts.IgnorePaths = []string{"ignore-me"}
			}
			vs = append(vs, mv)
		}
	}
	derived := corpus(t, "model-signing-derived")
	dkey := loadPEMKey(t, filepath.Join(derived, "signing-key-pub.clean.pem"))
	for _, c := range []string{"files-sample_model", "shards8-sample_model", "shards100-numeric_order", "files-sort_order_edge", "files-with_ignored_dir", "files-single_file"} {
		dir := filepath.Join(derived, "signed", c)
		mv := modelVector{name: "derived/" + c, model: dir, bundle: filepath.Join(dir, "model.sig"), trust: dkey}
		if c == "files-single_file" {
			mv.model = filepath.Join(dir, "model.bin")
		}
		vs = append(vs, mv)
	}
	neg := func(c string) modelVector {
		dir := filepath.Join(derived, "negative", c)
		return modelVector{name: "derived/negative/" + c, model: dir, bundle: filepath.Join(dir, "model.sig"), trust: dkey}
	}
	inconsistent := neg("inconsistent-root-digest")
	inconsistent.wantFailed = true
	modified := neg("modified-file")
	modified.wantProblems = []string{"modified signme-2"}
	extra := neg("extra-file")
	extra.wantProblems = []string{"extra extra.bin"}
	extraAllowed := neg("extra-file")
	extraAllowed.name += " (ignore unsigned files)"
	extraAllowed.opts.IgnoreUnsigned = true
	missing := neg("missing-file")
	missing.wantProblems = []string{"missing signme-2"}
	tampered := neg("payload-tampered")
	tampered.wantFailed = true
	wrongKey := neg("wrong-key")
	wrongKey.trust = loadPEMKey(t, filepath.Join(derived, "negative", "wrong-key", "other-key-pub.pem"))
	wrongKey.wantFailed = true
	return append(vs, inconsistent, modified, extra, extraAllowed, missing, tampered, wrongKey)
}

// TestModelVectors walks every signed model of the shared corpus and checks
// the outcome its documentation expects: upstream model_signing signatures
// from 0.2.0 to 1.1.0 in key, certificate and keyless mode (offline, with the
// trusted roots given), and the derived positive and negative cases.
func TestModelVectors(t *testing.T) {
	for _, v := range modelVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			data, err := ReadBundle(v.bundle)
			if err != nil {
				t.Fatal(err)
			}
			v.opts.BundlePath = v.bundle
			res, err := VerifyModel(context.Background(), v.model, data, v.trust, v.opts)
			if v.wantFailed {
				var failed *FailedError
				if !errors.As(err, &failed) {
					t.Fatalf("want the signature refused (FailedError), got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, p.Kind+" "+p.Path)
			}
			if g, w := strings.Join(got, "; "), strings.Join(v.wantProblems, "; "); g != w {
				t.Errorf("problems %q, want %q", g, w)
			}
			if v.wantIdentity != "" && res.Signer.Identity != v.wantIdentity {
				t.Errorf("signer identity %q, want %q", res.Signer.Identity, v.wantIdentity)
			}
		})
	}
}

// TestKeylessVectorRefusesOtherIdentity: the right signature from the wrong
// signer must fail.
func TestKeylessVectorRefusesOtherIdentity(t *testing.T) {
	dir := corpus(t, "model-transparency", "scripts", "tests", "v1.1.0-sigstore")
	data, err := ReadBundle(filepath.Join(dir, "model.sig"))
	if err != nil {
		t.Fatal(err)
	}
	trust := Trust{
		TrustedRoot: loadTrustedRoot(t, corpus(t, "trust-roots", "public-good-production.trusted_root.json")),
		Identity:    "someone-else@example.com", Issuer: "https://sigstore.verify.ibm.com/oauth2",
	}
	_, err = VerifyModel(context.Background(), dir, data, trust, ModelOptions{BundlePath: filepath.Join(dir, "model.sig")})
	var failed *FailedError
	if !errors.As(err, &failed) || !strings.Contains(err.Error(), "someone-else@example.com") {
		t.Fatalf("want an identity mismatch naming the expected identity, got %v", err)
	}
}

// TestSigstoreGoVectors checks sigstore-go's test bundles (VECTORS.md):
// message signatures and DSSE attestations, key and keyless, on their trusted roots.
func TestSigstoreGoVectors(t *testing.T) {
	sg := corpus(t, "sigstore-go")
	data := filepath.Join(sg, "pkg", "testing", "data")
	pg := loadTrustedRoot(t, filepath.Join(data, "trusted-roots", "public-good.json"))
	gha := "https://token.actions.githubusercontent.com"
	jsSAN := "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	sha512 := func(s string) *Artifact { return &Artifact{Algorithm: "sha512", Digest: mustHex(t, s)} }
	npm2 := "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"
	npm13 := "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	publishKey := loadPEMKey(t, filepath.Join(sg, "examples", "publish_key.pub"))
	publishKey.TrustedRoot = pg
	pkv := loadPEMKey(t, filepath.Join(data, "public-keys", "public-key-validity.pem"))
	pkv.TrustedRoot = loadTrustedRoot(t, filepath.Join(data, "trusted-roots", "public-key-validity.json"))
	testContent := sha256Hex("test content")
	cases := []struct {
		name, bundle string
		trust        Trust
		artifact     *Artifact
		ok           bool
		identity     string
		github       string
	}{
		{"sigstore.js provenance", "pkg/testing/data/bundles/sigstore.js@2.0.0-provenance.sigstore.json",
			Trust{TrustedRoot: pg, Identity: jsSAN, Issuer: gha}, sha512(npm2), true, jsSAN, "sigstore/sigstore-js"},
		{"sigstore.js provenance, wrong digest", "pkg/testing/data/bundles/sigstore.js@2.0.0-provenance.sigstore.json",
			Trust{TrustedRoot: pg, Identity: jsSAN, Issuer: gha}, sha512("5" + npm2[1:]), false, "", ""},
		{"sigstore.js provenance, wrong identity", "pkg/testing/data/bundles/sigstore.js@2.0.0-provenance.sigstore.json",
			Trust{TrustedRoot: pg, Identity: "BadSANValue", Issuer: gha}, sha512(npm2), false, "", ""},
		{"provenance with SET only", "examples/bundle-provenance.json",
			Trust{TrustedRoot: pg, Identity: jsSAN, Issuer: gha}, sha512(npm13), true, jsSAN, "sigstore/sigstore-js"},
		{"npm publish, key", "examples/bundle-publish.json", publishKey, sha512(npm13), true, "", ""},
		{"dsse 2022 certificate", "pkg/testing/data/bundles/dsse.sigstore.json",
			Trust{TrustedRoot: pg, Identity: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"},
			sha512("bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f"), true, "brian@dehamer.com", ""},
		{"dsse with two signatures", "pkg/testing/data/bundles/dsse-2sigs.sigstore.json",
			Trust{TrustedRoot: pg, Identity: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"},
			sha512("bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f"), false, "", ""},
		{"othername SAN", "pkg/testing/data/bundles/othername.sigstore.json",
			Trust{TrustedRoot: loadTrustedRoot(t, filepath.Join(data, "trusted-roots", "scaffolding.json")), Identity: "foo!oidc.local", Issuer: "http://oidc.local:8080"},
			&Artifact{Digest: mustHex(t, "bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b")}, true, "foo!oidc.local", ""},
		{"othername SAN, wrong identity", "pkg/testing/data/bundles/othername.sigstore.json",
			Trust{TrustedRoot: loadTrustedRoot(t, filepath.Join(data, "trusted-roots", "scaffolding.json")), Identity: "foo@oidc.local", Issuer: "http://oidc.local:8080"},
			&Artifact{Digest: mustHex(t, "bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b")}, false, "", ""},
		{"key with TSA timestamp", "pkg/testing/data/bundles/public-key-validity.sigstore.json", pkv,
			&Artifact{Digest: mustHex(t, testContent)}, true, "", ""},
		{"key with TSA timestamp, wrong digest", "pkg/testing/data/bundles/public-key-validity.sigstore.json", pkv,
			&Artifact{Digest: mustHex(t, sha256Hex("other content"))}, false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := ReadBundle(filepath.Join(sg, filepath.FromSlash(c.bundle)))
			if err != nil {
				t.Fatal(err)
			}
			v, err := VerifyBundle(data, c.trust, c.artifact)
			if !c.ok {
				var failed *FailedError
				if !errors.As(err, &failed) {
					t.Fatalf("want a failed verification, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Signer.Identity != c.identity {
				t.Errorf("identity %q, want %q", v.Signer.Identity, c.identity)
			}
			if c.github != "" && v.Signer.GitHub["repository"] != c.github {
				t.Errorf("github claims %v, want repository %s", v.Signer.GitHub, c.github)
			}
			if c.identity == "" && !strings.HasPrefix(v.Signer.Key, "sha256:") {
				t.Errorf("key signer %+v has no fingerprint", v.Signer)
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
