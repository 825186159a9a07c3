package steps_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/olareg/olareg"
	"github.com/olareg/olareg/config"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// registry serves olareg (a registry with the OCI 1.1 referrers API) from
// memory on loopback, for the examples; the tests also run the distribution
// registry and olareg as programs (internal/registrytest).
func registry() (host string, stop func()) {
	h := olareg.New(config.Config{Storage: config.ConfigStorage{StoreType: config.StoreMem}})
	ts := httptest.NewServer(h)
	return strings.TrimPrefix(ts.URL, "http://"), func() { ts.Close(); h.Close() }
}

// anonymous keeps the examples off the docker logins of the machine.
var anonymous = oci.Options{Getenv: func(string) string { return "" }}

// A model folder pushed as a ModelPack artifact, then pulled back by digest.
func ExamplePush() {
	ctx := context.Background()
	host, stop := registry()
	defer stop()
	dir := tempDir()
	defer os.RemoveAll(dir)
	pushed, err := steps.Push(ctx, steps.PushRequest{Run: run, Model: model(dir), Ref: "oci://" + host + "/models/churn:v1", Registry: anonymous})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pushed.Files, "files,", pushed.Bytes, "bytes")
	pulled, err := steps.Pull(ctx, steps.PullRequest{Run: run, Ref: pushed.Ref, Dir: filepath.Join(dir, "pulled"), Registry: anonymous})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := os.ReadFile(filepath.Join(dir, "pulled", "weights.bin"))
	fmt.Println(pulled.Ref == pushed.Ref, string(got))
	// Output:
	// 2 files, 9 bytes
	// true weights
}

// A model in a registry signed with a cosign key (the bundles are
// referrers), then verified from the manifest and referrers only.
func ExampleSignOCI() {
	ctx := context.Background()
	host, stop := registry()
	defer stop()
	dir := tempDir()
	defer os.RemoveAll(dir)
	pushed, err := steps.Push(ctx, steps.PushRequest{Run: run, Model: model(dir), Ref: "oci://" + host + "/models/churn:v1", Registry: anonymous})
	if err != nil {
		fmt.Println(err)
		return
	}
	signer, err := signing.NewKeySigner(ctx, "../../testdata/signing/test.key", func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err := steps.SignOCI(ctx, steps.SignOCIRequest{Run: run, Ref: pushed.Ref, Registry: anonymous, Signer: signer})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, detailsOf[evidence.SignatureDetails](doc).Format)

	pub, err := signing.LoadPublicKey(ctx, "../../testdata/signing/test.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err = steps.VerifyOCI(ctx, steps.VerifyOCIRequest{Run: run, Ref: pushed.Ref, Registry: anonymous, Trust: signing.Trust{PublicKey: pub}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range doc.Checks {
		fmt.Println(c.ID, c.Status)
	}
	// Output:
	// Signature pass sigstore-bundle/oci-referrer
	// signature pass
	// model-signature pass
}

// The gate decides about a model folder; the same files pushed to a
// registry are attested there (bound to the decision by their layer
// digests), and verify --attestation asks the registry.
func ExampleAttest_registry() {
	ctx := context.Background()
	host, stop := registry()
	defer stop()
	dir := tempDir()
	defer os.RemoveAll(dir)
	m := model(dir)
	decision, err := steps.Gate(ctx, steps.GateRequest{Run: run, PolicyInputs: steps.PolicyInputs{
		Config: "../../testdata/gate/gate.yaml", Metrics: []string{"../../testdata/gate/metrics.json"},
		Baseline: []string{"../../testdata/gate/baseline.json"}, Model: m,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	decisionPath := filepath.Join(dir, "decision.json")
	if err := evidence.Write(decisionPath, decision); err != nil {
		fmt.Println(err)
		return
	}
	pushed, err := steps.Push(ctx, steps.PushRequest{Run: run, Model: m, Ref: "oci://" + host + "/models/churn:v1", Registry: anonymous})
	if err != nil {
		fmt.Println(err)
		return
	}
	signer, err := signing.NewKeySigner(ctx, "../../testdata/signing/test.key", func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := steps.SignOCI(ctx, steps.SignOCIRequest{Run: run, Ref: pushed.Ref, Registry: anonymous, Signer: signer}); err != nil {
		fmt.Println(err)
		return
	}
	doc, err := steps.Attest(ctx, steps.AttestRequest{Run: run, Model: pushed.Ref, Registry: anonymous, Decision: decisionPath, Signer: signer})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, "sha256:"+doc.Subject.Digest["sha256"] == pushed.Ref[strings.Index(pushed.Ref, "@")+1:])
	pub, err := signing.LoadPublicKey(ctx, "../../testdata/signing/test.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err = steps.VerifyOCI(ctx, steps.VerifyOCIRequest{Run: run, Ref: pushed.Ref, Registry: anonymous,
		Trust: signing.Trust{PublicKey: pub}, Attestation: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status)
	// Output:
	// Attestation pass true
	// Verification pass
}
