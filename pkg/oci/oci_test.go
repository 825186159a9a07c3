package oci_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/mlgate/mlgate/internal/registrytest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

const testKeyPassword = "mlgate-test"

// testKey is the committed throwaway cosign key pair (testdata/signing/README.md).
func testKey(t *testing.T) (key, pub string) {
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "signing")
	return filepath.Join(dir, "test.key"), filepath.Join(dir, "test.pub")
}

func signer(t *testing.T) *signing.Signer {
	key, _ := testKey(t)
	s, err := signing.NewKeySigner(context.Background(), key, func() ([]byte, error) { return []byte(testKeyPassword), nil })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func trust(t *testing.T) signing.Trust {
	_, pub := testKey(t)
	k, err := signing.LoadPublicKey(context.Background(), pub)
	if err != nil {
		t.Fatal(err)
	}
	return signing.Trust{PublicKey: k}
}

// writeModel makes a small model folder with nested files and git metadata
// (which a model signature, and so a push, leaves out).
func writeModel(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "tiny-model")
	for name, body := range map[string]string{
		"model.safetensors":   "weights weights weights",
		"config.json":         `{"hidden": 4}`,
		"tokenizer/vocab.txt": "a\nb\n",
		"README.md":           "# tiny model\n",
		"src/infer.py":        "print(1)\n",
		".git/HEAD":           "ref: refs/heads/main\n",
		"data/eval.parquet":   "PAR1",
		"weird name (1).bin":  "more weights",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func client(t *testing.T, ref string, tr *oci.Transfer) *oci.Client {
	r, err := oci.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	c, err := oci.NewClient(r, oci.Options{Transfer: tr, Credentials: noCredentials})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// push packs the test model into a fresh registry and returns its client.
func push(t *testing.T, addr string) (*oci.Client, string, ocispec.Descriptor) {
	dir := writeModel(t)
	c := client(t, "oci://"+addr+"/models/tiny:v1", nil)
	p, err := oci.Push(context.Background(), c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Files != 7 {
		t.Fatalf("pushed %d files, want 7 (no .git)", p.Files)
	}
	return c, dir, p.Manifest
}

func TestParseReference(t *testing.T) {
	for _, tc := range []struct {
		in     string
		ok     bool
		digest bool
	}{
		{"oci://ghcr.io/org/model:v1", true, false},
		{"oci://127.0.0.1:5000/m@sha256:" + string(bytes.Repeat([]byte("a"), 64)), true, true},
		{"oci://localhost:5000/a/b", true, false},
		{"ghcr.io/org/model:v1", false, false},
		{"oci://ghcr.io/UPPER/model", false, false},
		{"oci://ghcr.io/m@sha256:abc", false, false},
	} {
		r, err := oci.ParseReference(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if err == nil && r.HasDigest() != tc.digest {
			t.Errorf("%s: HasDigest %v", tc.in, r.HasDigest())
		}
	}
}

// TestPushPullRoundTrip pushes a folder as ModelPack, pulls it back by
// digest, and checks the files, and that the model signature computed from
// the layer digests equals the one computed from the pulled folder.
func TestPushPullRoundTrip(t *testing.T) {
	reg := registrytest.Start(t)
	c, dir, desc := push(t, reg.Addr)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "tiny-model")
	m, err := oci.Pull(ctx, c, desc, out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Manifest.ArtifactType != oci.ModelArtifactType {
		t.Fatalf("artifact type %q", m.Manifest.ArtifactType)
	}
	for _, name := range []string{"model.safetensors", "tokenizer/vocab.txt", "weird name (1).bin", "src/infer.py"} {
		want, _ := os.ReadFile(filepath.Join(dir, name))
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: pulled %q (%v), want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".git")); err == nil {
		t.Fatal(".git was pushed")
	}
	fromLayers, err := m.SigningManifest()
	if err != nil {
		t.Fatal(err)
	}
	fromFolder, err := signing.HashModel(ctx, out, signing.HashOptions{IgnorePaths: signing.DefaultIgnorePaths()})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := fromLayers.Statement()
	b, _ := fromFolder.Statement()
	if !bytes.Equal(a, b) {
		t.Fatalf("model signature from layers differs from the pulled folder's:\n%s\n%s", a, b)
	}
	// Pulling into a folder that has files is refused.
	if _, err := oci.Pull(ctx, c, desc, dir); err == nil {
		t.Fatal("pull into a non-empty folder was accepted")
	}
}

// TestPullTamperedLayer changes a stored blob in the registry's storage: pull
// fails naming the file and leaves no partial file.
func TestPullTamperedLayer(t *testing.T) {
	registrytest.Each(t, testPullTamperedLayer)
}

func testPullTamperedLayer(t *testing.T, reg registrytest.Registry) {
	c, _, desc := push(t, reg.Addr)
	m, err := oci.FetchModel(context.Background(), c, desc)
	if err != nil {
		t.Fatal(err)
	}
	var weights ocispec.Descriptor
	for _, l := range m.Manifest.Layers {
		if l.Annotations[oci.AnnotationFilepath] == "model.safetensors" {
			weights = l
		}
	}
	if weights.MediaType != oci.MediaTypeWeight {
		t.Fatalf("weights layer has media type %q", weights.MediaType)
	}
	blob := reg.Blob(c.Ref.Repository, weights.Digest.Encoded())
	if err := os.WriteFile(blob, []byte("WEIGHTS weights weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = oci.Pull(context.Background(), c, desc, out)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`"model.safetensors"`)) {
		t.Fatalf("pull of a tampered layer: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "model.safetensors")); err == nil {
		t.Fatal("the tampered file was left behind")
	}
}

// TestSignVerifyInRegistry signs a pushed model and verifies it from the
// manifest and referrers only, and checks a moved tag and a signature for
// another digest fail, on a registry with the OCI 1.1 referrers API (olareg)
// and one without (distribution v3.1.2: the signatures live under the
// referrers tag, as cosign does it).
func TestSignVerifyInRegistry(t *testing.T) {
	registrytest.Each(t, testSignVerifyInRegistry)
}

func testSignVerifyInRegistry(t *testing.T, reg registrytest.Registry) {
	ctx := context.Background()
	addr := reg.Addr
	dir := writeModel(t)
	c := client(t, "oci://"+addr+"/models/a:v1", nil)
	p, err := oci.Push(ctx, c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := oci.Sign(ctx, c, p.Manifest, signer(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 {
		t.Fatalf("%d signatures, want the digest signature and the model signature", len(sigs))
	}
	var tr oci.Transfer
	vc := client(t, c.Ref.String(), &tr)
	desc, err := oci.Resolve(ctx, vc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := oci.Verify(ctx, vc, desc, trust(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Signature == nil || v.Model == nil || v.Rejected != 0 {
		t.Fatalf("verification %+v", v)
	}
	t.Logf("verify transferred %d bytes received, %d sent (model %d bytes)", tr.Received.Load(), tr.Sent.Load(), p.Bytes)

	// The model signature in the registry verifies the pulled folder, as a
	// folder signature (model_signing's format).
	pulled := filepath.Join(t.TempDir(), "tiny-model")
	if _, err := oci.Pull(ctx, vc, desc, pulled); err != nil {
		t.Fatal(err)
	}
	if _, err := signing.VerifyModel(ctx, pulled, sigs[1].Bundle, trust(t), signing.ModelOptions{}); err != nil {
		t.Fatalf("the registry's model signature does not verify the pulled folder: %v", err)
	}
	// With the referrers API the registry lists them and no referrers tag
	// is written; without it, the signatures are under the referrers tag.
	resp, err := http.Get("http://" + addr + "/v2/models/a/referrers/" + p.Manifest.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, tagErr := c.Repo.Resolve(ctx, "sha256-"+p.Manifest.Digest.Encoded())
	switch {
	case reg.Referrers && (resp.StatusCode != http.StatusOK || tagErr == nil):
		t.Fatalf("%s: referrers API answered %d, referrers tag %v: want the API and no tag", reg.Name, resp.StatusCode, tagErr)
	case !reg.Referrers && (resp.StatusCode != http.StatusNotFound || tagErr != nil):
		t.Fatalf("%s: referrers API answered %d, referrers tag %v: want the tag fallback", reg.Name, resp.StatusCode, tagErr)
	}

	// The tag moves to another (unsigned) model: verifying by tag fails.
	other := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(other, []byte("replaced weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	p2, err := oci.Push(ctx, c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	desc2, err := oci.Resolve(ctx, vc)
	if err != nil || desc2.Digest != p2.Manifest.Digest {
		t.Fatalf("tag did not move: %v", err)
	}
	_, err = oci.Verify(ctx, vc, desc2, trust(t), "")
	var failed *signing.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("verify of the replaced tag: %v, want a failed verification", err)
	}

	// The first model's bundles attached to the second: another digest.
	bundles, err := oci.Bundles(ctx, vc, p.Manifest)
	if err != nil || len(bundles) != 2 {
		t.Fatalf("bundles: %d, %v", len(bundles), err)
	}
	for _, b := range bundles {
		if _, err := oci.Attach(ctx, c, p2.Manifest, b.Data, oci.CosignSignPredicateType); err != nil {
			t.Fatal(err)
		}
	}
	v, err = oci.Verify(ctx, vc, p2.Manifest, trust(t), "")
	if !errors.As(err, &failed) || v.Rejected != 2 {
		t.Fatalf("verify with signatures of another digest: %v (%+v)", err, v)
	}
	// The original digest still verifies.
	if _, err := oci.Verify(ctx, vc, p.Manifest, trust(t), ""); err != nil {
		t.Fatal(err)
	}
}

// noCredentials keeps tests off the developer's docker logins.
func noCredentials(context.Context, string) (auth.Credential, error) {
	return auth.EmptyCredential, nil
}

// TestPullRefusesTraversal stores hostile ModelPack manifests whose layers
// name paths outside the model folder: pull refuses them and writes nothing.
func TestPullRefusesTraversal(t *testing.T) {
	reg := registrytest.Start(t)
	ctx := context.Background()
	c := client(t, "oci://"+reg.Addr+"/models/evil:v1", nil)
	body := []byte("pwned")
	layer := content.NewDescriptorFromBytes(oci.MediaTypeWeight, body)
	if err := c.Repo.Push(ctx, layer, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	cfg := []byte(`{"descriptor":{"name":"evil"},"config":{},"modelfs":{"type":"layers","diffIds":["` + layer.Digest.String() + `"]}}`)
	cfgDesc := content.NewDescriptorFromBytes(oci.ModelConfigType, cfg)
	if err := c.Repo.Push(ctx, cfgDesc, bytes.NewReader(cfg)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../evil", "/etc/evil", "a/../../evil", `..\evil`, "a//b", ""} {
		l := layer
		l.Annotations = map[string]string{oci.AnnotationFilepath: p}
		desc, err := oras.PackManifest(ctx, c.Repo, oras.PackManifestVersion1_1, oci.ModelArtifactType, oras.PackManifestOptions{
			Layers: []ocispec.Descriptor{l}, ConfigDescriptor: &cfgDesc,
		})
		if err != nil {
			t.Fatal(err)
		}
		parent := t.TempDir()
		out := filepath.Join(parent, "model")
		if _, err := oci.Pull(ctx, c, desc, out); err == nil {
			t.Fatalf("path %q was accepted", p)
		}
		if ents, _ := os.ReadDir(parent); len(ents) > 0 {
			t.Fatalf("path %q: pull wrote %v", p, ents)
		}
	}
}

// TestPullPolicyFromConftest reads a policy the real conftest pushed.
func TestPullPolicyFromConftest(t *testing.T) {
	reg := registrytest.Start(t)
	conftest := testenv.Tool(t, "conftest")
	src := t.TempDir()
	files := map[string]string{
		"policy/deny.rego": "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.auc < data.min_auc\n\tmsg := \"auc too low\"\n}\n",
		"policy/data.json": `{"min_auc": 0.8}`,
	}
	for name, body := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(conftest, "push", "--tls=false", reg.Addr+"/policies/gate:v1")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conftest push: %v\n%s", err, out)
	}
	ctx := context.Background()
	c := client(t, "oci://"+reg.Addr+"/policies/gate:v1", nil)
	desc, err := oci.Resolve(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "policy")
	b, err := oci.PullPolicy(ctx, c, desc, out)
	if err != nil {
		t.Fatal(err)
	}
	if b.Digest != desc.Digest.String() || len(b.Rego) != 1 || len(b.Data) != 1 {
		t.Fatalf("pulled %+v", b)
	}
	for _, p := range append(b.Rego, b.Data...) {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, body := range files {
			found = found || string(got) == body
		}
		if !found {
			t.Fatalf("%s: %q is not a pushed file", p, got)
		}
	}
}

// TestDefaultCredentials: docker config logins, GITHUB_TOKEN for ghcr.io,
// anonymous otherwise; a relative DOCKER_CONFIG (the working tree) is never read.
func TestDefaultCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths":{"registry.example:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("alice:s3cret")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOCKER_CONFIG": dir, "GITHUB_TOKEN": "ghs_token", "GITHUB_ACTOR": "bot"}
	cred, err := oci.DefaultCredentials(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for host, want := range map[string]auth.Credential{
		"registry.example:5000": {Username: "alice", Password: "s3cret"},
		"ghcr.io":               {Username: "bot", Password: "ghs_token"},
		"docker.io":             auth.EmptyCredential,
	} {
		got, err := cred(ctx, host)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", host, got, err, want)
		}
	}
	t.Chdir(dir)
	env = map[string]string{"DOCKER_CONFIG": "."}
	cred, err = oci.DefaultCredentials(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cred(ctx, "registry.example:5000"); got != auth.EmptyCredential {
		t.Fatalf("a relative docker config was read: %+v", got)
	}
}
