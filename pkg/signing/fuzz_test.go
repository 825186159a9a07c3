package signing

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseStatement: any signed payload is read or refused with an error,
// never a crash, and what is read is consistent.
func FuzzParseStatement(f *testing.F) {
	for _, seed := range []string{
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"files","hash_type":"sha256","allow_symlinks":false},"resources":[]}}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"shards","shard_size":8.0},"resources":[{"name":"a:0:8","algorithm":"sha256-sharded-8","digest":"00"}]}}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"zz"}}],"predicateType":"https://model_signing/Digests/v0.1"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(payload) > 64<<10 {
			t.Skip()
		}
		m, err := ParseStatement(payload)
		if err != nil {
			return
		}
		if !m.Legacy && len(m.RootDigest()) != 32 {
			t.Fatal("root digest is not a SHA-256")
		}
	})
}

// FuzzVerifyBundle: a bundle file an attacker controls is verified or
// refused with an error, never a crash. (Seeds are the corpus bundles; the
// mutations go through mlgate's legacy fixups, sigstore-go's parser and the
// model_signing certificate-chain path.)
func FuzzVerifyBundle(f *testing.F) {
	for _, p := range []string{
		"model-signing-derived/signed/files-sample_model/model.sig",
		"model-transparency/scripts/tests/v1.0.1-certificate/model.sig",
		"model-transparency/scripts/tests/v0.3.1-elliptic-key/model.sig",
	} {
		if data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpora", "sigstore", filepath.FromSlash(p))); err == nil {
			f.Add(data)
		}
	}
	pub, err := LoadPublicKey(context.Background(), filepath.Join("..", "..", "testdata", "signing", "test.pub"))
	if err != nil {
		f.Fatal(err)
	}
	roots, err := ReadCertificates(filepath.Join("..", "..", "..", "shared", "corpora", "sigstore", "model-transparency", "scripts", "tests", "keys", "certificate", "ca-cert.pem"))
	if err != nil {
		roots = nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		_, _ = VerifyBundle(data, Trust{PublicKey: pub, CARoots: roots}, &Artifact{Digest: make([]byte, 32)})
	})
}
