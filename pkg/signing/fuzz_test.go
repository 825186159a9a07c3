package signing

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
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

// bundleSeeds are every Sigstore bundle in the shared corpus (model_signing
// signatures of each producer version and mode, sigstore-go's test bundles).
func bundleSeeds(t testing.TB) [][]byte {
	root := testenv.Shared(t, "corpora", "sigstore")
	var seeds [][]byte
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if name == "model.sig" || strings.HasSuffix(name, ".sigstore.json") || strings.HasPrefix(name, "bundle-") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			seeds = append(seeds, data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) < 20 {
		t.Fatalf("only %d bundles under %s", len(seeds), root)
	}
	return seeds
}

// FuzzParseBundle: the one bundle reader (signatures, attestations, evidence
// bundles) reads or refuses any bytes with an error, never a panic (it runs
// here without ParseBundle's recover), and what it reads survives a round
// trip through sigstore-go's encoder.
func FuzzParseBundle(f *testing.F) {
	for _, s := range bundleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		p, err := parseBundle(data)
		if err != nil {
			return
		}
		if (p.Bundle == nil) == (p.Chain == nil) {
			t.Fatalf("parsed bundle has bundle %v and chain %v", p.Bundle != nil, p.Chain != nil)
		}
		if p.Bundle == nil {
			return
		}
		again, err := p.Bundle.MarshalJSON()
		if err != nil {
			t.Fatalf("a parsed bundle does not encode: %v", err)
		}
		if _, err := parseBundle(again); err != nil {
			t.Fatalf("a parsed bundle, encoded again, is refused: %v\n%s", err, again)
		}
	})
}

// Every corpus bundle is read; a bundle nested past MaxBundleDepth or larger
// than MaxBundleSize is refused before a decoder sees it.
func TestParseBundleBounds(t *testing.T) {
	for i, s := range bundleSeeds(t) {
		if _, err := ParseBundle(s); err != nil {
			t.Errorf("corpus bundle %d refused: %v", i, err)
		}
	}
	deep := strings.Repeat(`{"a":`, 1<<20) + "1" + strings.Repeat("}", 1<<20)
	for _, c := range []struct{ data, want string }{
		{deep, "nested deeper than 32"},
		{`{"mediaType":"` + strings.Repeat("[", MaxBundleDepth+1) + `"}`, "unsupported media type"}, // brackets in strings do not count
		{`{"x":` + strings.Repeat("[", MaxBundleDepth) + strings.Repeat("]", MaxBundleDepth) + `}`, "nested deeper than 32"},
		{strings.Repeat(" ", MaxBundleSize+1), "larger than 64 MiB"},
	} {
		_, err := ParseBundle([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q...: error %v, want %q", c.data, err, c.want)
		}
	}
}
