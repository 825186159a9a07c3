package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/registrytest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
)

// ociModel writes a model folder with one 8 MiB weights file (random, made
// at run time) so a verify that read any layer would show in its byte count.
func ociModel(t *testing.T) (dir string, size int64) {
	t.Helper()
	dir = writeModel(t)
	w := make([]byte, 8<<20)
	rand.Read(w)
	if err := os.WriteFile(filepath.Join(dir, "weights.safetensors"), w, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, int64(len(w))
}

// ociPush pushes dir with the CLI and returns the digest reference it prints.
func ociPush(t *testing.T, dir, ref string) string {
	t.Helper()
	r := runCLI(t, nil, "push", dir, ref)
	r.wantCode(t, 0)
	out := strings.TrimSpace(r.stdout)
	if !strings.Contains(out, "@sha256:") {
		t.Fatalf("push printed %q, want a digest reference", out)
	}
	return out
}

func cosignCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "cosign"), args...)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+testKeyPassword, "DOCKER_CONFIG="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestOCIPushPullInterop: mlgate push, then oras pull and mlgate pull get the
// same files; pull by tag is refused unless asked.
func TestOCIPushPullInterop(t *testing.T) {
	reg := registrytest.Start(t)
	oras := testenv.Tool(t, "oras")
	dir, _ := ociModel(t)
	ref := ociPush(t, dir, "oci://"+reg.Addr+"/models/tiny:v1")

	out := filepath.Join(t.TempDir(), "pulled")
	runCLI(t, nil, "pull", "oci://"+reg.Addr+"/models/tiny:v1", out).wantCode(t, 2)
	runCLI(t, nil, "pull", ref, out).wantCode(t, 0)

	orasOut := t.TempDir()
	cmd := exec.Command(oras, "pull", "--plain-http", "-o", orasOut, strings.TrimPrefix(ref, oci.Scheme))
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oras pull: %v\n%s", err, b)
	}
	for _, name := range []string{"weights.safetensors", "config.json", "weights/layer-1.bin", "weights/README (1).md"} {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		for who, root := range map[string]string{"mlgate pull": out, "oras pull": orasOut} {
			got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: %s differs (%v)", who, name, err)
			}
		}
	}
}

// TestOCISignVerifyCosignInterop: mlgate signs in the registry and the
// official cosign verifies; cosign signs and mlgate verifies; oras discover
// lists the referrers; verify reads no layer. The distribution registry has
// no referrers API, so all of them use the referrers tag fallback.
func TestOCISignVerifyCosignInterop(t *testing.T) {
	reg := registrytest.Start(t)
	emptyRoot := testenv.Shared(t, "corpora", "sigstore", "trust-roots", "empty.trusted_root.json")
	key, pub := testKey(t)
	addr, repo := reg.Addr, "models/a"
	dir, size := ociModel(t)
	ref := ociPush(t, dir, "oci://"+addr+"/"+repo+":v1")
	runCLI(t, keyEnv(), "sign", "--key", key, "oci://"+addr+"/"+repo+":v1").wantCode(t, 0)

	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "verify", "--key", pub, "--out", ev, ref).wantCode(t, 0)
	doc := readEvidence(t, ev)
	var details struct {
		Registry evidence.RegistryTransfer `json:"registry"`
	}
	raw, _ := json.Marshal(doc.Details)
	json.Unmarshal(raw, &details)
	t.Logf("verify received %d bytes, sent %d (weights layer %d bytes)", details.Registry.BytesReceived, details.Registry.BytesSent, size)
	if details.Registry.BytesReceived <= 0 || details.Registry.BytesReceived >= size/4 {
		t.Fatalf("verify received %d bytes: it must read manifest and referrers only (a layer is %d)", details.Registry.BytesReceived, size)
	}
	runCLI(t, nil, "verify", "--key", pub, "oci://"+addr+"/"+repo+":v1").wantCode(t, 2) // a tag is refused

	plain := strings.TrimPrefix(ref, oci.Scheme)
	if out, err := cosignCmd(t, "verify", "--key", pub, "--new-bundle-format", "--insecure-ignore-tlog",
		"--trusted-root", emptyRoot, "--allow-http-registry", plain); err != nil {
		t.Fatalf("cosign verify refused mlgate's signature: %v\n%s", err, out)
	}

	cmd := exec.Command(testenv.Tool(t, "oras"), "discover", "--plain-http", "--format", "json", plain)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	b, err := cmd.CombinedOutput()
	if err != nil || bytes.Count(b, []byte(oci.BundleArtifactType)) < 2 {
		t.Fatalf("oras discover: %v\n%s", err, b)
	}

	// A second model signed by cosign: mlgate verifies it; the tag
	// moved to it, so the first model's digest keeps its own result.
	appendTo(t, filepath.Join(dir, "weights.safetensors"), "changed")
	ref2 := ociPush(t, dir, "oci://"+addr+"/"+repo+":v1")
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 1)
	if out, err := cosignCmd(t, "sign", "--key", key, "--new-bundle-format", "--tlog-upload=false",
		"--allow-http-registry", "--yes", strings.TrimPrefix(ref2, oci.Scheme)); err != nil {
		t.Fatalf("cosign sign: %v\n%s", err, out)
	}
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 0)
	runCLI(t, nil, "verify", "--key", pub, ref).wantCode(t, 0)
}

// TestOCIAttestInterop: the gate decides a folder, the folder is pushed, and
// the promotion attestation is attached to the registry model; mlgate verify
// --attestation and cosign verify-attestation accept it; an attestation made
// by cosign attest with the same predicate is accepted by mlgate; a decision
// about another model is refused.
func TestOCIAttestInterop(t *testing.T) {
	reg := registrytest.Start(t)
	emptyRoot := testenv.Shared(t, "corpora", "sigstore", "trust-roots", "empty.trusted_root.json")
	key, pub := testKey(t)
	model := writeModel(t)
	r, decision := gateModel(t, model, "--evidence", upstream(t, nil)[0])
	r.wantCode(t, 0)
	ref := ociPush(t, model, "oci://"+reg.Addr+"/models/gated:v1")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, ref).wantCode(t, 1) // nothing attached yet
	runCLI(t, keyEnv(), "sign", "--key", key, ref).wantCode(t, 0)
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, ref).wantCode(t, 0)
	runCLI(t, nil, "verify", "--attestation", "--key", pub, ref).wantCode(t, 0)

	plain := strings.TrimPrefix(ref, oci.Scheme)
	if out, err := cosignCmd(t, "verify-attestation", "--key", pub, "--new-bundle-format", "--insecure-ignore-tlog",
		"--trusted-root", emptyRoot, "--allow-http-registry", "--type", "https://slsa.dev/verification_summary/v1", plain); err != nil {
		t.Fatalf("cosign verify-attestation refused mlgate's attestation: %v\n%s", err, out)
	}

	// Another model: the decision is not about it.
	appendTo(t, filepath.Join(model, "weights", "layer-0.bin"), "retrained")
	ref2 := ociPush(t, model, "oci://"+reg.Addr+"/models/gated:v2")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, ref2).wantCode(t, 2)

	// cosign attests the second model with a promotion predicate: mlgate
	// reads its signature; its attestation statement is v0.1 (see below).
	pred := filepath.Join(t.TempDir(), "vsa.json")
	appendTo(t, pred, `{"verifier":{"id":"https://github.com/mlgate/mlgate"},"timeVerified":"2026-12-06T00:00:00Z","resourceUri":"`+ref2+`","policy":{"uri":"file:///gate.yaml","digest":{"sha256":"00"}},"verificationResult":"PASSED","verifiedLevels":["MLGATE_PROMOTION_PASSED"],"slsaVersion":"1.0"}`)
	for _, args := range [][]string{
		{"sign", "--key", key, "--new-bundle-format", "--tlog-upload=false", "--allow-http-registry", "--yes", strings.TrimPrefix(ref2, oci.Scheme)},
		{"attest", "--key", key, "--new-bundle-format", "--tlog-upload=false", "--allow-http-registry", "--yes",
			"--type", "https://slsa.dev/verification_summary/v1", "--predicate", pred, strings.TrimPrefix(ref2, oci.Scheme)},
	} {
		if out, err := cosignCmd(t, args...); err != nil {
			t.Fatalf("cosign %s: %v\n%s", args[0], err, out)
		}
	}
	// cosign v2.6.5 attest writes an in-toto Statement v0.1, which mlgate's
	// promotion reader refuses (it reads v1): a failed check, naming why.
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--out", ev, ref2).wantCode(t, 1)
	why := ""
	for _, c := range readEvidence(t, ev).Checks {
		why += c.Message
	}
	if !strings.Contains(why, "Statement/v0.1") {
		t.Fatalf("verify of cosign's attestation does not say why it failed: %s", why)
	}
	// Without --attestation, cosign's signature of the second model verifies.
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 0)
}

// TestOCIGatePolicyFromConftest: the gate reads a policy conftest pushed,
// by digest, and records the digest in the decision; a tag is refused.
func TestOCIGatePolicyFromConftest(t *testing.T) {
	reg := registrytest.Start(t)
	conftest := testenv.Tool(t, "conftest")
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "policy"), 0o755)
	appendTo(t, filepath.Join(src, "policy", "registry.rego"), "package registry\n\ndeny contains \"pulled from the registry\" if true\n")
	cmd := exec.Command(conftest, "push", "--tls=false", reg.Addr+"/policies/gate:v1")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conftest push: %v\n%s", err, out)
	}
	tagged := "oci://" + reg.Addr + "/policies/gate:v1"
	r, _ := gateModel(t, "", "--policy", tagged)
	r.wantCode(t, 2)
	c, _, err := (&registryOptions{}).client(&env{getenv: func(string) string { return "" }}, tagged, false)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := oci.Resolve(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	ref := "oci://" + reg.Addr + "/policies/gate@" + desc.Digest.String()
	r, out := gateModel(t, "", "--policy", ref)
	r.wantCode(t, 1) // the pulled policy denies
	doc := readEvidence(t, out)
	var d evidence.PromotionDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if len(d.PolicyBundles) != 1 || d.PolicyBundles[0].Path != ref || d.PolicyBundles[0].Digest["sha256"] != desc.Digest.Encoded() {
		t.Fatalf("decision records policy bundles %+v", d.PolicyBundles)
	}
	if len(d.Policies) == 0 || !strings.Contains(check(t, doc, "policy.registry.deny").Message, "pulled from the registry") {
		t.Fatalf("the registry policy did not decide: %+v", d.Policies)
	}
}
