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
	"github.com/mlgate/mlgate/internal/sigstoretest"
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

// cosigns are the cosign CLIs the interop tests run: v2.6.5 and v3.1.3
// (installed as cosign3); a missing one skips its subtest.
var cosigns = []string{"cosign", "cosign3"}

func cosignCmd(t *testing.T, args ...string) (string, error) {
	return cosignAs(t, "cosign", args...)
}

func cosignAs(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, bin), args...)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+testKeyPassword, "DOCKER_CONFIG="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// orasDiscover lists the referrers of ref with the oras CLI and fails
// unless it finds at least n.
func orasDiscover(t *testing.T, ref string, n int) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "oras"), "discover", "--plain-http", "--format", "json", strings.TrimPrefix(ref, oci.Scheme))
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	b, err := cmd.Output()
	var tree struct {
		Referrers []struct {
			ArtifactType string `json:"artifactType"`
		} `json:"referrers"`
	}
	if err != nil || json.Unmarshal(b, &tree) != nil || len(tree.Referrers) < n {
		t.Fatalf("oras discover does not list %d referrers: %v\n%s", n, err, b)
	}
}

// TestOCIPushPullInterop: mlgate push, then oras pull and mlgate pull get the
// same files; pull by tag is refused unless asked.
func TestOCIPushPullInterop(t *testing.T) {
	reg := registrytest.Start(t)
	oras := testenv.Tool(t, "oras")
	dir, _ := ociModel(t)
	appendTo(t, filepath.Join(dir, "README.md"), "---\nmodel_name: churn-classifier\nversion: 3.1.0\nlicense: apache-2.0\ndescription: Predicts churn\n---\n# Churn\n")
	ref := ociPush(t, dir, "oci://"+reg.Addr+"/models/tiny:v1")

	// The model card's front matter is in the manifest's OCI annotations
	// and the ModelPack config's descriptor, as oras reads them.
	for what, want := range map[string][]string{
		"fetch":        {`"org.opencontainers.image.title":"churn-classifier"`, `"org.opencontainers.image.version":"3.1.0"`, `"org.opencontainers.image.licenses":"apache-2.0"`, `"org.opencontainers.image.description":"Predicts churn"`},
		"fetch-config": {`"version":"3.1.0"`, `"licenses":["apache-2.0"]`, `"description":"Predicts churn"`},
	} {
		cmd := exec.Command(oras, "manifest", what, "--plain-http", strings.TrimPrefix(ref, oci.Scheme))
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
		b, err := cmd.Output()
		for _, w := range want {
			if err != nil || !strings.Contains(string(b), w) {
				t.Fatalf("oras manifest %s: %v, missing %s in\n%s", what, err, w, b)
			}
		}
	}

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

// eachRegistryAndCosign runs f against each registry (distribution: the
// referrers tag fallback; olareg: the OCI 1.1 referrers API) with each
// cosign CLI (v2 and v3).
func eachRegistryAndCosign(t *testing.T, f func(t *testing.T, reg registrytest.Registry, cosign string)) {
	registrytest.Each(t, func(t *testing.T, reg registrytest.Registry) {
		for _, bin := range cosigns {
			t.Run(bin, func(t *testing.T) {
				testenv.Tool(t, bin)
				f(t, reg, bin)
			})
		}
	})
}

// TestOCISignVerifyCosignInterop: mlgate signs in the registry and the
// official cosign verifies; cosign signs and mlgate verifies; oras discover
// lists the referrers; verify reads no layer. Against a registry with the
// referrers API and one without, with cosign v2 and v3.
func TestOCISignVerifyCosignInterop(t *testing.T) {
	eachRegistryAndCosign(t, testOCISignVerifyCosign)
}

func testOCISignVerifyCosign(t *testing.T, reg registrytest.Registry, cosign string) {
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
	t.Logf("%s: verify received %d bytes, sent %d (weights layer %d bytes)", reg.Name, details.Registry.BytesReceived, details.Registry.BytesSent, size)
	if details.Registry.BytesReceived <= 0 || details.Registry.BytesReceived >= size/4 {
		t.Fatalf("verify received %d bytes: it must read manifest and referrers only (a layer is %d)", details.Registry.BytesReceived, size)
	}
	runCLI(t, nil, "verify", "--key", pub, "oci://"+addr+"/"+repo+":v1").wantCode(t, 2) // a tag is refused

	plain := strings.TrimPrefix(ref, oci.Scheme)
	if out, err := cosignAs(t, cosign, "verify", "--key", pub, "--new-bundle-format", "--insecure-ignore-tlog",
		"--trusted-root", emptyRoot, "--allow-http-registry", plain); err != nil {
		t.Fatalf("%s verify refused mlgate's signature: %v\n%s", cosign, err, out)
	}
	orasDiscover(t, ref, 2)

	// A second model signed by cosign: mlgate verifies it; the tag
	// moved to it, so the first model's digest keeps its own result.
	appendTo(t, filepath.Join(dir, "weights.safetensors"), "changed")
	ref2 := ociPush(t, dir, "oci://"+addr+"/"+repo+":v1")
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 1)
	if out, err := cosignAs(t, cosign, cosignSignArgs(cosign, "sign", "--key", key, strings.TrimPrefix(ref2, oci.Scheme))...); err != nil {
		t.Fatalf("%s sign: %v\n%s", cosign, err, out)
	}
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 0)
	runCLI(t, nil, "verify", "--key", pub, ref).wantCode(t, 0)
	orasDiscover(t, ref2, 1)
}

// cosignSignArgs are the arguments of cosign sign or attest with a key, the
// new bundle format, no transparency log, over plain HTTP.
func cosignSignArgs(cosign string, verb string, rest ...string) []string {
	args := []string{verb, "--new-bundle-format", "--tlog-upload=false", "--allow-http-registry", "--yes"}
	if cosign == "cosign3" {
		// v3 takes the transparency log from a signing config unless told not to.
		args = append(args, "--use-signing-config=false")
	}
	return append(args, rest...)
}

// TestOCIAttestInterop: the gate decides a folder, the folder is pushed, and
// the promotion attestation is attached to the registry model; mlgate verify
// --attestation and cosign verify-attestation accept it; an attestation made
// by cosign attest with the same predicate is accepted by mlgate (cosign v2
// writes an in-toto Statement v0.1, v3 a v1); a decision about another model
// is refused. Both registries, both cosigns.
func TestOCIAttestInterop(t *testing.T) {
	eachRegistryAndCosign(t, testOCIAttest)
}

func testOCIAttest(t *testing.T, reg registrytest.Registry, cosign string) {
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
	if out, err := cosignAs(t, cosign, "verify-attestation", "--key", pub, "--new-bundle-format", "--insecure-ignore-tlog",
		"--trusted-root", emptyRoot, "--allow-http-registry", "--type", "https://slsa.dev/verification_summary/v1", plain); err != nil {
		t.Fatalf("%s verify-attestation refused mlgate's attestation: %v\n%s", cosign, err, out)
	}
	orasDiscover(t, ref, 3) // signature, model signature, attestation

	// Another model: the decision is not about it.
	appendTo(t, filepath.Join(model, "weights", "layer-0.bin"), "retrained")
	ref2 := ociPush(t, model, "oci://"+reg.Addr+"/models/gated:v2")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, ref2).wantCode(t, 2)

	// cosign signs and attests the second model with a promotion predicate:
	// mlgate verifies both.
	pred := filepath.Join(t.TempDir(), "vsa.json")
	appendTo(t, pred, `{"verifier":{"id":"https://github.com/mlgate/mlgate"},"timeVerified":"2026-12-06T00:00:00Z","resourceUri":"`+ref2+`","policy":{"uri":"file:///gate.yaml","digest":{"sha256":"00"}},"verificationResult":"PASSED","verifiedLevels":["MLGATE_PROMOTION_PASSED"],"slsaVersion":"1.0"}`)
	plain2 := strings.TrimPrefix(ref2, oci.Scheme)
	for _, args := range [][]string{
		cosignSignArgs(cosign, "sign", "--key", key, plain2),
		cosignSignArgs(cosign, "attest", "--key", key, "--type", "https://slsa.dev/verification_summary/v1", "--predicate", pred, plain2),
	} {
		if out, err := cosignAs(t, cosign, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s", cosign, args[0], err, out)
		}
	}
	runCLI(t, nil, "verify", "--attestation", "--key", pub, ref2).wantCode(t, 0)
	runCLI(t, nil, "verify", "--key", pub, ref2).wantCode(t, 0)
	orasDiscover(t, ref2, 2)

	// A cosign attestation that says the gate failed is a failed check.
	ref3 := ociPush(t, writeModel(t), "oci://"+reg.Addr+"/models/gated:v3")
	plain3 := strings.TrimPrefix(ref3, oci.Scheme)
	failed := filepath.Join(t.TempDir(), "failed.json")
	body, _ := os.ReadFile(pred)
	appendTo(t, failed, strings.Replace(strings.Replace(string(body), "PASSED", "FAILED", 1), ref2, ref3, 1))
	for _, args := range [][]string{
		cosignSignArgs(cosign, "sign", "--key", key, plain3),
		cosignSignArgs(cosign, "attest", "--key", key, "--type", "https://slsa.dev/verification_summary/v1", "--predicate", failed, plain3),
	} {
		if out, err := cosignAs(t, cosign, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s", cosign, args[0], err, out)
		}
	}
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "verify", "--attestation", "--key", pub, "--out", ev, ref3).wantCode(t, 1)
	if c := check(t, readEvidence(t, ev), "attestation"); !strings.Contains(c.Message, "FAILED") {
		t.Fatalf("attestation check: %+v", c)
	}
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
	ref := byDigest(t, tagged)
	r, out := gateModel(t, "", "--policy", ref)
	r.wantCode(t, 1) // the pulled policy denies
	doc := readEvidence(t, out)
	var d evidence.PromotionDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if len(d.PolicyBundles) != 1 || d.PolicyBundles[0].Path != ref || "sha256:"+d.PolicyBundles[0].Digest["sha256"] != ref[strings.Index(ref, "@")+1:] {
		t.Fatalf("decision records policy bundles %+v", d.PolicyBundles)
	}
	if len(d.Policies) == 0 || !strings.Contains(check(t, doc, "policy.registry.deny").Message, "pulled from the registry") {
		t.Fatalf("the registry policy did not decide: %+v", d.Policies)
	}
	// conftest pull gets the very bundle mlgate read (its --policy folder
	// is taken relative to the working directory, even when absolute).
	pulled := t.TempDir()
	cmd = exec.Command(conftest, "pull", "--tls=false", "--policy", "policy", "oci://"+reg.Addr+"/policies/gate:v1")
	cmd.Dir = pulled
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conftest pull: %v\n%s", err, out)
	}
	var found bool
	filepath.WalkDir(pulled, func(path string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && strings.HasSuffix(path, "registry.rego") {
			data, _ := os.ReadFile(path)
			found = strings.Contains(string(data), "pulled from the registry")
		}
		return nil
	})
	if !found {
		t.Errorf("conftest pull did not get the policy mlgate read into %s", pulled)
	}
}

// byDigest resolves a tagged oci:// reference to its digest reference.
func byDigest(t *testing.T, tagged string) string {
	t.Helper()
	r, err := oci.ParseReference(tagged)
	if err != nil {
		t.Fatal(err)
	}
	c, err := oci.NewClient(r, oci.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := oci.Resolve(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	return "oci://" + r.Registry + "/" + r.Repository + "@" + desc.Digest.String()
}

// TestOCIGatePolicyFromOPABuild: the gate reads a bundle `opa build` made,
// pushed as OPA's bundle downloader reads it (one tar+gzip layer); with
// --policy-key it requires the bundle's signature in the registry, refusing
// it unsigned, and the signed bundle's digest is in the decision and in the
// attestation's lineage.
func TestOCIGatePolicyFromOPABuild(t *testing.T) {
	reg := registrytest.StartOLAReg(t)
	ref := pushOPABundle(t, reg)
	key, pub := testKey(t)

	r, _ := gateModel(t, "", "--policy", ref, "--policy-key", pub)
	r.wantCode(t, 2) // unsigned
	if !strings.Contains(r.stderr, "must be signed") {
		t.Fatalf("unsigned policy refused without saying why: %s", r.stderr)
	}
	runCLI(t, keyEnv(), "sign", "--key", key, ref).wantCode(t, 0)
	r, out := gateModel(t, "", "--policy", ref, "--policy-key", pub)
	r.wantCode(t, 1) // the bundle's policy denies
	doc := readEvidence(t, out)
	if !strings.Contains(check(t, doc, "policy.bundled.deny").Message, "from an opa build bundle") {
		t.Fatalf("the bundle's policy did not decide: %+v", doc.Checks)
	}
	var d evidence.PromotionDetails
	if err := doc.DetailsAs(&d); err != nil || len(d.PolicyBundles) != 1 || d.PolicyBundles[0].Path != ref {
		t.Fatalf("decision records policy bundles %+v (%v)", d.PolicyBundles, err)
	}
}

// TestOCIGatePolicyKeyless: the policy trust group takes what verify's
// does: a policy signed keyless in its registry (the Fulcio, Rekor and
// OIDC stand-ins of sigstoretest; the clients and the verification are the
// real ones) passes --policy-certificate-identity-regexp with
// --policy-certificate-oidc-issuer and --policy-trusted-root, and is refused
// for another identity.
func TestOCIGatePolicyKeyless(t *testing.T) {
	reg := registrytest.StartOLAReg(t)
	ref := pushOPABundle(t, reg)
	s := sigstoretest.New(t)
	env := actionsEnv(t)
	env["ACTIONS_ID_TOKEN_REQUEST_URL"] = s.OIDCRequestURL
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sigstoretest.RequestToken
	runCLI(t, env, "sign", "--keyless", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL, ref).wantCode(t, 0)

	trust := []string{"--policy", ref, "--policy-trusted-root", s.TrustedRootPath, "--policy-certificate-oidc-issuer", sigstoretest.Issuer}
	r, _ := gateModel(t, "", append(trust, "--policy-certificate-identity-regexp", `^https://github\.com/acme/models/`)...)
	r.wantCode(t, 1) // signed by that identity: the bundle's policy decides, and denies
	r, _ = gateModel(t, "", append(trust, "--policy-certificate-identity-regexp", `^https://github\.com/other/`)...)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, ref) || !strings.Contains(r.stderr, `github\.com/other/`) {
		t.Fatalf("a policy signed by another identity is refused without naming it and the identity wanted: %s", r.stderr)
	}
}

// pushOPABundle pushes a bundle `opa build` made, as OPA's bundle
// downloader reads it (one tar+gzip layer), and returns its oci:// reference
// by digest. Its one policy always denies.
func pushOPABundle(t *testing.T, reg registrytest.Registry) string {
	t.Helper()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "policy"), 0o755)
	appendTo(t, filepath.Join(src, "policy", "bundled.rego"), "package bundled\n\ndeny contains \"from an opa build bundle\" if true\n")
	bundle := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if out, err := exec.Command(testenv.Tool(t, "opa"), "build", "-b", src, "-o", bundle).CombinedOutput(); err != nil {
		t.Fatalf("opa build: %v\n%s", err, out)
	}
	cfg := filepath.Join(t.TempDir(), "config.json")
	appendTo(t, cfg, "{}")
	cmd := exec.Command(testenv.Tool(t, "oras"), "push", "--plain-http", "--image-spec", "v1.0", "--disable-path-validation",
		"--config", cfg+":application/vnd.oci.image.config.v1+json",
		reg.Addr+"/policies/opa:v1", bundle+":application/vnd.oci.image.layer.v1.tar+gzip")
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oras push: %v\n%s", err, out)
	}
	return byDigest(t, "oci://"+reg.Addr+"/policies/opa:v1")
}
