package steps_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlgate/mlgate/internal/benchgen"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/profile"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// run is the tool identity and clock every example's request carries.
var run = steps.Run{Tool: evidence.Tool{Name: "example", Version: "v0"}, Now: time.Now}

// features writes 2,000 rows of the synthetic feature table that
// testdata/contracts/features.yaml describes, and returns its path.
func features(dir string) string {
	path := filepath.Join(dir, "features.parquet")
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := benchgen.Write(f, 2000, 500, 1); err != nil {
		panic(err)
	}
	return path
}

func tempDir() string {
	dir, err := os.MkdirTemp("", "steps-example-")
	if err != nil {
		panic(err)
	}
	return dir
}

func ExampleValidate() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	doc, err := steps.Validate(context.Background(), steps.ValidateRequest{
		Run:      run,
		Contract: "../../testdata/contracts/features.yaml",
		Data:     []string{features(dir)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, detailsOf[evidence.ValidationDetails](doc).Rows, "rows")
	// Output: DataValidation pass 2000 rows
}

func ExampleInfer() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	c, err := steps.Infer(context.Background(), steps.InferRequest{Name: "features", Data: []string{features(dir)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name, len(c.Columns), "columns")
	_ = contract.Marshal(c) // the YAML to save
	// Output: features 10 columns
}

func ExampleConvert() {
	// An mlgate contract as ODCS v3.1.0; what ODCS cannot say is listed.
	out, lost, err := steps.Convert(context.Background(), steps.ConvertRequest{
		Contract: "../../testdata/contracts/features.yaml",
		Format:   contract.FormatODCS,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.SplitN(string(out), "\n", 2)[0])
	for _, l := range lost {
		fmt.Println("lost:", l)
	}
	// Output:
	// apiVersion: v3.1.0
	// lost: dataset.strict: ODCS has no rule refusing columns the contract does not list
}

func ExampleDiff() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	old := filepath.Join(dir, "old.yaml")
	new := filepath.Join(dir, "new.yaml")
	write(old, "apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: amount\n    type: double\n    nullable: false\n")
	write(new, "apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: amount\n    type: double\n    nullable: true\n")
	doc, err := steps.Diff(context.Background(), steps.DiffRequest{Run: run, Old: old, New: new})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Status, doc.Summary, steps.Breaking(doc))
	// Output: fail 1 breaking of 1 change 1
}

func write(path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		panic(err)
	}
}

// model writes a small model folder.
func model(dir string) string {
	m := filepath.Join(dir, "model")
	_ = os.Mkdir(m, 0o755)
	write(filepath.Join(m, "weights.bin"), "weights")
	write(filepath.Join(m, "config.json"), "{}")
	return m
}

// sign signs a model with the test key (a cosign key file, password mlgate-test).
func sign(ctx context.Context, model string) (*evidence.Document, error) {
	signer, err := signing.NewKeySigner(ctx, "../../testdata/signing/test.key", func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		return nil, err
	}
	return steps.Sign(ctx, steps.SignRequest{Run: run, Model: model, Signer: signer})
}

// A model folder signed with a cosign key: the bundle goes to model/model.sig.
func ExampleSign() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	doc, err := sign(ctx, model(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, len(doc.Subject.Files), "files", detailsOf[evidence.SignatureDetails](doc).Format)
	// Output: Signature pass 2 files model-signing/v1.0
}

// A signed model folder verified with the public key, then a changed file.
func ExampleVerify() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	m := model(dir)
	if _, err := sign(ctx, m); err != nil {
		fmt.Println(err)
		return
	}
	pub, err := signing.LoadPublicKey(ctx, "../../testdata/signing/test.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	req := steps.VerifyRequest{Run: run, Model: m, Trust: signing.Trust{PublicKey: pub}}
	doc, err := steps.Verify(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, doc.Checks[len(doc.Checks)-1].Message)

	// A changed file fails verification, naming the file.
	write(filepath.Join(m, "weights.bin"), "tampered")
	doc, err = steps.Verify(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Status, doc.Checks[1].ID, doc.Checks[1].Location.File)
	// Output:
	// Verification pass all 2 signed files match
	// fail file.modified weights.bin
}

// The report over a validation and a contract diff: the terminal form's
// verdict line, and the markdown for a pull-request comment.
func ExampleReport() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: run, Contract: "../../testdata/contracts/features.yaml", Data: []string{features(dir)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	path := filepath.Join(dir, "validation.json")
	if err := evidence.Write(path, doc); err != nil {
		fmt.Println(err)
		return
	}
	rep, err := steps.Report(ctx, steps.ReportRequest{Evidence: []string{path}})
	if err != nil {
		fmt.Println(err)
		return
	}
	text := rep.Text(report.TextOptions{Width: 100})
	fmt.Println(rep.Status, text[:strings.Index(text, "\n")])
	fmt.Println(len(rep.Markdown(65536, true)) > 0)
	// Output:
	// pass PASS: Ready to merge: all 41 checks passed
	// true
}

// A reference profile of the data, then a drift check of new data against it.
func ExampleProfile() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	ref := filepath.Join(dir, "reference.profile.json")
	doc, err := steps.Profile(ctx, steps.ProfileRequest{Run: run, Data: []string{features(dir)}, Out: ref})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, doc.Summary[:strings.Index(doc.Summary, " in ")])
	// Output: Profile pass profiled 10 columns of 2000 rows
}

// Two shards of a dataset profiled apart (a CI matrix), then merged.
func ExampleMerge() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	data := features(dir)
	var shards []string
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		if _, err := steps.Profile(ctx, steps.ProfileRequest{Run: run, Data: []string{data}, Shard: &profile.Shard{Index: i, Count: 2}, Out: out}); err != nil {
			fmt.Println(err)
			return
		}
		shards = append(shards, out)
	}
	doc, err := steps.Merge(ctx, steps.MergeRequest{Run: run, Profiles: shards, Out: filepath.Join(dir, "merged.json")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, doc.Summary[:strings.Index(doc.Summary, " in ")])
	// Output: Profile pass profiled 10 columns of 2000 rows
}

func ExampleDrift() {
	ctx := context.Background()
	dir := tempDir()
	defer os.RemoveAll(dir)
	ref := filepath.Join(dir, "reference.profile.json")
	if _, err := steps.Profile(ctx, steps.ProfileRequest{Run: run, Data: []string{features(dir)}, Out: ref}); err != nil {
		fmt.Println(err)
		return
	}
	// The same data again: nothing drifted.
	doc, err := steps.Drift(ctx, steps.DriftRequest{Run: run, Reference: []string{ref}, Current: []string{filepath.Join(dir, "features.parquet")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, detailsOf[evidence.DriftDetails](doc).Drifted)
	// Output: DriftReport pass false
}

// The metric gate over the candidate's and the baseline's metrics.
func ExampleGate() {
	doc, err := steps.Gate(context.Background(), steps.GateRequest{Run: run, PolicyInputs: steps.PolicyInputs{
		Config:   "../../testdata/gate/gate.yaml",
		Metrics:  []string{"../../testdata/gate/metrics.json"},
		Baseline: []string{"../../testdata/gate/baseline.json"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, steps.Promote(doc))
	fmt.Println(doc.Summary)
	// Output:
	// PromotionDecision pass true
	// promote: 0 of 5 metric rules failed
}

// What the governance policy library says of a model given without its
// evidence: each missing piece is denied, with how to provide it.
func ExamplePolicyEval() {
	res, err := steps.PolicyEval(context.Background(), steps.PolicyEvalRequest{
		PolicyInputs: steps.PolicyInputs{Metrics: []string{"../../testdata/gate/metrics.json"}, Model: "../../testdata/gate/model"},
		Policies:     steps.Policies{Paths: []string{"../../policies"}, Data: []string{"../../testdata/gate/settings.yaml"}, Sandbox: policy.Options{Timeout: policy.DefaultTimeout, Memory: policy.DefaultMemory}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status(), len(res.Rules) > 0)
	for _, r := range res.Results {
		if r.Status.Failed() {
			fmt.Println(r.Package, r.Rule)
		}
	}
	// Output:
	// fail true
	// mlgate.data_validation deny_missing
	// mlgate.drift deny_missing
	// mlgate.license deny_missing
	// mlgate.model_card deny_missing_card
	// mlgate.signature deny_missing
}

// The gate decides about a model (hashed, so the decision is bound to it);
// the attestation signs that exactly this model passed.
func ExampleAttest() {
	ctx := context.Background()
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
	signer, err := signing.NewKeySigner(ctx, "../../testdata/signing/test.key", func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err := steps.Attest(ctx, steps.AttestRequest{Run: run, Model: m, Decision: decisionPath, Signer: signer})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status, doc.Subject.Digest["sha256"] == decision.Subject.Digest["sha256"])

	// verify --attestation checks it before a deploy.
	pub, err := signing.LoadPublicKey(ctx, "../../testdata/signing/test.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err = steps.Verify(ctx, steps.VerifyRequest{Run: run, Model: m, Bundle: steps.DefaultAttestation(m),
		Attestation: true, Trust: signing.Trust{PublicKey: pub}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Kind, doc.Status)
	// Output:
	// Attestation pass true
	// Verification pass
}

// detailsOf is the document's details as T (the zero T when they are not).
func detailsOf[T evidence.Details](doc *evidence.Document) T {
	d, _ := evidence.DetailsOf[T](doc)
	return d
}
