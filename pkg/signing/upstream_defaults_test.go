package signing

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDefaultIgnoreIsModelSigningsOwn: a folder is signed leaving out and
// recording the git paths model_signing 1.1.0 leaves out by default, as its
// own signature in the corpus records them (beside the user's "ignore-me"
// and the signature file), so its verifiers accept mlgate's signatures of
// repositories that carry .gitattributes, .gitignore or .github.
func TestDefaultIgnoreIsModelSigningsOwn(t *testing.T) {
	data, err := os.ReadFile(corpus(t, "model-transparency", "scripts", "tests", "v1.1.0-sigstore", "model.sig"))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := ParseStatement(payload)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(upstream.IgnorePaths), func(p string) bool { return p == "ignore-me" || p == "model.sig" })
	slices.Sort(want)

	root := t.TempDir()
	for _, p := range []string{"w.bin", ".gitattributes", ".gitignore", ".github/workflows/ci.yml", ".git/HEAD"} {
		writeFile(t, filepath.Join(root, filepath.FromSlash(p)), p)
	}
	m, err := HashModel(context.Background(), root, HashOptions{IgnorePaths: DefaultIgnorePaths()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.IgnorePaths, want) {
		t.Errorf("recorded ignore paths %v, model_signing 1.1.0 records %v", m.IgnorePaths, want)
	}
	if len(m.Resources) != 1 || m.Resources[0].Name != "w.bin" {
		t.Errorf("resources %+v, want only w.bin", m.Resources)
	}
}

func TestShardSizeMustBePositive(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "w.bin"), "weights")
	for _, size := range []int64{0, -1} {
		_, err := HashModel(context.Background(), root, HashOptions{Method: MethodShards, ShardSize: size})
		if err == nil || !strings.Contains(err.Error(), "at least one byte") {
			t.Errorf("shard size %d: err = %v", size, err)
		}
	}
}

// TestSignedIgnoreOutsideModelIsDropped: a validly signed ignore entry that
// leaves the model ("../..", "/etc") ignores nothing, as with model_signing,
// which joins it to the model folder; verification goes on without it.
func TestSignedIgnoreOutsideModelIsDropped(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "w.bin"), "weights")
	writeFile(t, filepath.Join(root, "cache", "x"), "x")
	m, err := HashModel(ctx, root, HashOptions{IgnorePaths: []string{"cache"}})
	if err != nil {
		t.Fatal(err)
	}
	m.IgnorePaths = append(m.IgnorePaths, "../..", "/etc")
	signer, err := NewKeySigner(ctx, filepath.Join("..", "..", "testdata", "signing", "test.key"), func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signer.SignManifest(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(ctx, filepath.Join("..", "..", "testdata", "signing", "test.pub"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := VerifyModel(ctx, root, signed.Bundle, Trust{PublicKey: pub}, ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Problems) != 0 {
		t.Fatalf("problems %+v", v.Problems)
	}
	// The entries inside the model still count: cache stays ignored.
	writeFile(t, filepath.Join(root, "cache", "y"), "new")
	if v, err := VerifyModel(ctx, root, signed.Bundle, Trust{PublicKey: pub}, ModelOptions{}); err != nil || len(v.Problems) != 0 {
		t.Fatalf("err %v, problems %+v", err, v.Problems)
	}
}

// TestPromotionOfAnotherStatementVersion: a VSA in an in-toto Statement
// v0.1 (what cosign v2 attest writes) is read like v1; any other statement
// type is refused, naming it.
func TestPromotionOfAnotherStatementVersion(t *testing.T) {
	payload := `{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"m","digest":{"sha256":"00"}}],
		"predicateType":"https://slsa.dev/verification_summary/v1","predicate":{"verificationResult":"PASSED"}}`
	sum, err := ParsePromotion([]byte(payload))
	if err != nil || sum.Result != "PASSED" || sum.SubjectDigest != "00" {
		t.Fatalf("v0.1: %+v, %v", sum, err)
	}
	for _, typ := range []string{"https://in-toto.io/Statement/v0.2", "", "https://example.com/Statement/v1"} {
		_, err := ParsePromotion([]byte(strings.Replace(payload, "https://in-toto.io/Statement/v0.1", typ, 1)))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", typ)) {
			t.Fatalf("statement type %q: %v", typ, err)
		}
	}
}
