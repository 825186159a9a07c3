package steps

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/metrics"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/signing"
)

// PolicyInputs is what the gate's input document is built from: the metric
// rules and metrics, the model, the evidence of earlier steps and the run's
// GitHub context.
type PolicyInputs struct {
	// Config is the gate file with the metric rules ("" in PolicyEval: the
	// metrics are shown to the policies undecided).
	Config   string
	Metrics  []string
	Baseline []string
	// Evidence are earlier steps' documents; with a Verifier each must be
	// signed evidence (see signing.EvidenceVerifier), checked over the bytes
	// used, and the decision names its signer.
	Evidence  []string
	Verifier  evidence.Verifier
	ModelCard string
	// Model is the model file or folder: listed and hashed for the policies
	// (each file with its format and sha256), and the gate binds the evidence
	// to that digest.
	Model  string
	GitHub *actions.Context
}

// Policies are the Rego policies that judge the input, with their data and
// the sandbox each rule's evaluation runs in (Sandbox.Library adds the
// built-in policy library).
type Policies struct {
	Paths   []string
	Data    []string
	Sandbox policy.Options
}

// any says whether there are policies at all.
func (p Policies) any() bool { return len(p.Paths) > 0 || p.Sandbox.Library }

// load starts loading and compiling the policies in the background, so that
// it overlaps reading the metrics and the evidence; the function it returns
// waits for the engine, which is nil without policies.
func (p Policies) load(ctx context.Context) func() (*policy.Engine, error) {
	if !p.any() {
		var err error
		if len(p.Data) > 0 {
			err = errors.New("policy data is given without a policy: nothing would read it")
		}
		return func() (*policy.Engine, error) { return nil, err }
	}
	done := make(chan struct{})
	var engine *policy.Engine
	var err error
	go func() {
		defer close(done)
		engine, err = policy.Load(ctx, p.Paths, p.Data, p.Sandbox)
	}()
	return func() (*policy.Engine, error) {
		<-done
		return engine, err
	}
}

// ErrNoMetrics is the gate's answer to rules that need the candidate's
// metrics when none were given.
var ErrNoMetrics = errors.New("the candidate's metrics file is required")

// ErrNoGateFile: a gate decides by the metric rules of its gate file.
var ErrNoGateFile = errors.New("the gate file with the metric rules is required")

// ErrGateWithoutModel means evidence or a decision could not be bound to the
// model because the gate was not given it to hash.
var ErrGateWithoutModel = errors.New("the gate must be given the model")

// GateRequest asks whether a candidate model is promoted.
type GateRequest struct {
	Run
	PolicyInputs
	Policies Policies
	// Datasets are the Parquet files (or folders, or tables) every DataValidation and
	// DriftReport must name exactly, by sha256.
	Datasets []string
	// Contracts are the data contracts every DataValidation must have
	// checked, by the sha256 of the contract file: one a pull request
	// weakened does not pass for the one on the protected branch.
	Contracts []string
	// PolicyBundles are the policies read from a registry, by reference and
	// manifest digest, recorded in the decision.
	PolicyBundles []evidence.FileRef
	// Registry reaches oci:// policies (see RegistryPolicies); each must be
	// signed there as PolicyTrust says, when it names a key or an identity.
	Registry    oci.Options
	PolicyTrust signing.TrustRefs
	// SARIF and JUnit, when set, are where the decision is also written, for
	// code scanning and test reports (through WriteSARIF and WriteJUnit,
	// set by Plan; new files when nil).
	SARIF, JUnit           string
	WriteSARIF, WriteJUnit Sink
}

// Gate decides promotion: the metric rules of the gate file, the evidence
// bound to the candidate (the model hashed here, never a digest taken on the
// evidence's word), and the policies. The document is a PromotionDecision.
func Gate(ctx context.Context, r GateRequest) (*evidence.Document, error) {
	ctx = r.Run.context(ctx)
	started := r.now()
	if r.Config == "" {
		return nil, ErrNoGateFile
	}
	var trust *signing.Trust
	if r.PolicyTrust.Key != "" || r.PolicyTrust.Keyless() {
		t, err := r.PolicyTrust.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("policy signer: %w", err)
		}
		trust = &t
	}
	r.Policies.Paths = slices.Clone(r.Policies.Paths)
	bundles, cleanup, err := RegistryPolicies(ctx, r.Registry, trust, r.Policies.Paths)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	r.PolicyBundles = append(r.PolicyBundles, bundles...)
	engine := r.Policies.load(ctx)
	in := policy.NewInput()
	gate, candidate, err := r.PolicyInputs.metrics(in)
	if err != nil {
		return nil, err
	}
	if len(r.Metrics) == 0 && !allBootstrap(gate) {
		return nil, ErrNoMetrics
	}
	f, err := r.PolicyInputs.fill(ctx, in)
	if err != nil {
		return nil, err
	}
	subject, bound, err := r.bind(ctx, in, f)
	if err != nil {
		return nil, err
	}
	refs := f.refs
	config, err := fileRef(ctx, r.Config)
	if err != nil {
		return nil, err
	}
	eng, err := engine()
	if err != nil {
		return nil, err
	}
	_, policies, err := evaluatePolicies(ctx, eng, in)
	if err != nil {
		return nil, err
	}
	doc := r.decide(subject, in, candidate, refs, bound, policies, started)
	details, _ := evidence.DetailsOf[evidence.PromotionDetails](doc)
	details.Config = config
	details.PolicyBundles = r.PolicyBundles
	doc.Details = details
	doc = r.finish(doc)
	for _, f := range []struct {
		path   string
		sink   Sink
		render func([]*evidence.Document) ([]byte, error)
	}{{r.SARIF, r.WriteSARIF, report.SARIF}, {r.JUnit, r.WriteJUnit, report.JUnit}} {
		if f.path == "" {
			continue
		}
		data, err := f.render([]*evidence.Document{doc})
		if err != nil {
			return nil, err
		}
		if err := sinkOr(f.sink, "report", f.path)(data); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// Promote reads a PromotionDecision's verdict.
func Promote(doc *evidence.Document) bool {
	var d evidence.PromotionDetails
	return doc.DetailsAs(&d) == nil && d.Promote
}

// metrics reads the gate and the metrics and decides the metric rules into
// the input; it returns the gate and the candidate's metrics (whose sources
// locate each value). Without a gate file it only reads the metrics.
func (p PolicyInputs) metrics(in *policy.Input) (*metrics.Gate, metrics.Set, error) {
	candidate, err := metrics.ReadAll(p.Metrics)
	if err != nil {
		return nil, nil, err
	}
	baseline, err := metrics.ReadAll(p.Baseline)
	if err != nil {
		return nil, nil, err
	}
	in.Metrics.Candidate, in.Metrics.Baseline = candidate.Floats(), baseline.Floats()
	if p.Config == "" {
		return nil, candidate, nil
	}
	gate, err := metrics.LoadGate(p.Config)
	if err != nil {
		return nil, nil, err
	}
	results, err := metrics.Evaluate(gate, candidate, baseline)
	if err != nil {
		return nil, nil, err
	}
	in.Metrics.Results = results
	return gate, candidate, nil
}

// filled is what fill read: the evidence, with references naming each by
// path and digest (and signer, with a verifier: each file is read once,
// checked, and used), and the model as hashed here.
type filled struct {
	refs  []evidence.EvidenceRef
	docs  []*evidence.Document
	model *evidence.Subject // nil without a model
}

// fill adds the model, the evidence and the GitHub context to the input.
// The model is hashed once, here: the gate binds evidence to that digest,
// and the policies see each file's sha256 (exemptions name files by it).
func (p PolicyInputs) fill(ctx context.Context, in *policy.Input) (filled, error) {
	f := filled{refs: []evidence.EvidenceRef{}}
	if p.Model != "" {
		dir, err := IsDir(p.Model)
		if err != nil {
			return f, err
		}
		if f.model, err = HashSubject(ctx, p.Model, ModelHashing(dir), 0); err != nil {
			return f, err
		}
		if err := in.Model.ListModelFiles(p.Model); err != nil {
			return f, err
		}
		sums := map[string]string{}
		for _, file := range f.model.Files {
			sums[file.Path] = file.Digest["sha256"]
		}
		for i := range in.Model.Files {
			in.Model.Files[i].SHA256 = sums[in.Model.Files[i].Path]
		}
	}
	if p.ModelCard != "" {
		if err := in.Model.LoadModelCard(p.ModelCard); err != nil {
			return f, err
		}
	}
	for _, path := range p.Evidence {
		l, err := evidence.Load(path, p.Verifier)
		if err != nil {
			return f, err
		}
		in.AddEvidence(l.Document)
		f.docs = append(f.docs, l.Document)
		f.refs = append(f.refs, l.Ref())
	}
	gh, err := policyGitHub(p.GitHub)
	if err != nil {
		return f, err
	}
	in.GitHub = gh
	return f, nil
}

// policyGitHub is the GitHub context as policies see it: the run's git
// context and, when the event carries one, the pull request and its labels.
// Outside GitHub Actions it is nil.
func policyGitHub(c *actions.Context) (*policy.GitHub, error) {
	if c == nil || !c.Actions {
		return nil, nil
	}
	gh := &policy.GitHub{Repository: c.Repository, SHA: c.SHA, Ref: c.Ref, Event: c.EventName, Actor: c.Actor}
	ev, err := c.Event()
	if err != nil {
		return nil, err
	}
	if ev != nil && ev.PayloadPullRequest != nil {
		gh.PullRequest = &policy.PullRequest{Number: ev.PayloadPullRequest.Number, Labels: ev.PayloadPullRequest.Labels}
	}
	return gh, nil
}

// evaluatePolicies decides the policies on the input: it returns the decision
// rules and their results, nothing when there are no policies.
func evaluatePolicies(ctx context.Context, engine *policy.Engine, input any) ([]string, []evidence.PolicyResult, error) {
	if engine == nil {
		return nil, nil, nil
	}
	value, err := policy.ParseInput(input)
	if err != nil {
		return nil, nil, err
	}
	return engine.Rules(), engine.Eval(ctx, value), nil
}

func allBootstrap(g *metrics.Gate) bool {
	for _, r := range g.Metrics {
		if r.Bootstrap == nil {
			return false
		}
	}
	return true
}

// decide builds the PromotionDecision about the subject the gate computed: one
// check per metric rule (at the gate file's rule, located in the metrics file
// that reported the value), the evidence checks, one per policy result, and
// the details the report renders.
func (r GateRequest) decide(subject evidence.Subject, in *policy.Input, candidate metrics.Set, refs []evidence.EvidenceRef, bound []evidence.Check, policies []evidence.PolicyResult, started time.Time) *evidence.Document {
	doc := r.start(evidence.KindPromotionDecision, subject, started)
	var metricFailed, policyFailed int
	for _, m := range in.Metrics.Results {
		c := evidence.Check{
			ID: "metric." + m.Name, Title: "Metric " + m.Name, Status: m.Status, Severity: severityOf(m.Status),
			Message: m.Message, Expected: m.Threshold, Source: m.Source,
		}
		if m.Candidate != nil {
			c.Observed = *m.Candidate
		}
		if v, ok := candidate[m.Name]; ok {
			c.Location = &evidence.Location{File: v.Source.File}
		}
		doc.Add(c)
		if m.Status.Failed() {
			metricFailed++
		}
	}
	var evidenceFailed int
	for _, c := range bound {
		doc.Add(c)
		if c.Status.Failed() {
			evidenceFailed++
		}
	}
	for _, p := range policies {
		msg := p.Message
		if p.Exempted {
			msg = "exempted: " + msg
		}
		doc.Add(evidence.Check{
			ID: "policy." + p.Package + "." + p.Rule, Title: p.Title, Status: p.Status, Severity: severityOf(p.Status),
			Message: msg, Source: p.Source, Remediation: p.Remediation,
		})
		if p.Status.Failed() {
			policyFailed++
		}
	}
	promote := !doc.Status.Failed()
	doc.Details = evidence.PromotionDetails{Promote: promote, Metrics: in.Metrics.Results, Policies: policies, Evidence: refs}
	verdict := "promote"
	if !promote {
		verdict = "do not promote"
	}
	doc.Summary = fmt.Sprintf("%s: %d of %d metric rules failed", verdict, metricFailed, len(in.Metrics.Results))
	if len(bound) > 0 {
		doc.Summary += fmt.Sprintf(", %d of %d evidence checks failed", evidenceFailed, len(bound))
	}
	if policies != nil {
		doc.Summary += fmt.Sprintf(", %d of %d policy results failed", policyFailed, len(policies))
	}
	return doc
}

// bind computes what the decision is about and checks the evidence against
// it: the candidate model hashed here (never a digest copied from evidence),
// each model document bound to it, each DataValidation bound to the dataset
// files, and, when no policy judges the evidence, each failed document
// blocking promotion.
func (r GateRequest) bind(ctx context.Context, in *policy.Input, f filled) (evidence.Subject, []evidence.Check, error) {
	refs, docs, candidate := f.refs, f.docs, f.model
	subject := evidence.Subject{Name: in.Model.Name}
	if candidate != nil {
		subject = *candidate
		subject.Name = in.Model.Name
	}
	if subject.Name == "" {
		subject.Name = "candidate model"
	}
	var dataset []evidence.File
	if len(r.Datasets) > 0 {
		// A table is its live files at the version chosen (TABLE@V pins one).
		paths, err := (*Remote)(nil).Files(ctx, r.Datasets)
		if err != nil {
			return subject, nil, err
		}
		for _, p := range paths {
			ref, err := fileRef(ctx, p)
			if err != nil {
				return subject, nil, err
			}
			dataset = append(dataset, evidence.File{Path: p, Digest: ref.Digest})
		}
	}
	var contracts map[string]string // sha256 -> contract path
	for _, p := range r.Contracts {
		c, err := contract.Load(p)
		if err != nil {
			return subject, nil, err
		}
		if contracts == nil {
			contracts = map[string]string{}
		}
		contracts[contractKey(c.SHA256, c.Object)] = p
	}
	var checks []evidence.Check
	if contracts != nil && !slices.ContainsFunc(docs, func(d *evidence.Document) bool { return d.Kind == evidence.KindDataValidation }) {
		checks = append(checks, evidence.Check{ID: "evidence.contract", Title: "Evidence contract", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: fmt.Sprintf("the contract %s is given but no DataValidation evidence is: validate the data against it and pass the evidence", strings.Join(r.Contracts, ", "))})
	}
	var validated validations
	var claims []dataClaim // by document, when a dataset is given
	if dataset != nil {
		claims = make([]dataClaim, len(docs))
		for i, d := range docs {
			if d.Kind == evidence.KindDataValidation || d.Kind == evidence.KindDriftReport {
				claims[i] = claimOf(dataset, refs[i].Path, d)
			}
		}
		validated = validatedBy(docs, claims)
		if !slices.ContainsFunc(docs, func(d *evidence.Document) bool {
			return d.Kind == evidence.KindDataValidation || d.Kind == evidence.KindDriftReport
		}) {
			// A dataset no evidence is about binds nothing: fail closed.
			checks = append(checks, evidence.Check{ID: "evidence.subject", Title: "Evidence subject", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message: fmt.Sprintf("the dataset (%d files, %s first) is given but no DataValidation or DriftReport evidence about it is: validate it, recording each file's digest, and pass the evidence", len(dataset), dataset[0].Path)})
		}
	}
	for i, d := range docs {
		path := refs[i].Path
		switch {
		case d.Kind == evidence.KindVerification || d.Kind == evidence.KindSignature:
			checks = append(checks, bindModel(ctx, r.Model, candidate, path, d))
		case d.Kind == evidence.KindDataValidation && dataset != nil:
			checks = append(checks, bindData(dataset, claims[i], d, validated))
		case d.Kind == evidence.KindDriftReport && dataset != nil:
			checks = append(checks, bindData(dataset, claims[i], d, validations{}))
		}
		if d.Kind == evidence.KindDataValidation && contracts != nil {
			checks = append(checks, bindContract(contracts, path, d))
		}
		if d.Status.Failed() && !r.Policies.any() {
			checks = append(checks, evidence.Check{ID: "evidence.status", Title: "Evidence status", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message:  fmt.Sprintf("%s evidence %s failed (%s) and no policy judges it", d.Kind, path, d.Summary),
				Location: &evidence.Location{File: path}})
		}
	}
	return subject, checks, nil
}

// fileRef names a file by its path and sha256.
func fileRef(ctx context.Context, path string) (*evidence.FileRef, error) {
	if objstore.IsURL(path) {
		return nil, fmt.Errorf("%s: a file digest is taken of local files only; the evidence records a remote object's version instead", path)
	}
	sum, _, err := signing.FileDigest(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &evidence.FileRef{Path: path, Digest: map[string]string{"sha256": hex.EncodeToString(sum)}}, nil
}

// PolicyEvalRequest asks how the policies decide on the gate's input
// document, built from Inputs, or on a saved one (InputFile).
type PolicyEvalRequest struct {
	PolicyInputs
	Policies  Policies
	InputFile string
}

// PolicyEvaluation is the input the policies saw, the decision rules found and
// every result.
type PolicyEvaluation struct {
	Input   any                     `json:"input"`
	Rules   []string                `json:"rules"`
	Results []evidence.PolicyResult `json:"results"`
}

// Status is the worst result's status (pass with no results).
func (e *PolicyEvaluation) Status() evidence.Status {
	worst := evidence.StatusPass
	for _, r := range e.Results {
		worst = evidence.Worst(worst, r.Status)
	}
	return worst
}

// Text lists every result, one a line, then the count and the status.
func (e *PolicyEvaluation) Text() string {
	var b strings.Builder
	for _, r := range e.Results {
		fmt.Fprintf(&b, "%s %s.%s: %s\n", strings.ToUpper(string(r.Status)), r.Package, r.Rule, r.Message)
	}
	fmt.Fprintf(&b, "%d results, %s", len(e.Results), e.Status())
	return b.String()
}

// Markdown is the results as a table.
func (e *PolicyEvaluation) Markdown() string {
	var b strings.Builder
	b.WriteString("| | Rule | Message |\n|---|---|---|\n")
	for _, r := range e.Results {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", report.StatusIcon(r.Status), report.Code(r.Package+"."+r.Rule), report.Escape(r.Message))
	}
	return b.String()
}

// maxPolicyInput bounds a policy input document, as evidence documents are.
const maxPolicyInput = 64 << 20

// PolicyEval evaluates the policies on the input document, for policy
// authors: it writes no evidence.
func PolicyEval(ctx context.Context, r PolicyEvalRequest) (*PolicyEvaluation, error) {
	var input any
	if r.InputFile != "" {
		data, err := readlimit.ReadFile(r.InputFile, maxPolicyInput, "a policy input document")
		if err != nil {
			return nil, fmt.Errorf("reading input: %w", err)
		}
		if err := json.Unmarshal(data, &input); err != nil {
			return nil, fmt.Errorf("input %s: %w", r.InputFile, err)
		}
	} else {
		in := policy.NewInput()
		if _, _, err := r.PolicyInputs.metrics(in); err != nil {
			return nil, err
		}
		if _, err := r.PolicyInputs.fill(ctx, in); err != nil {
			return nil, err
		}
		input = in
	}
	engine, err := r.Policies.load(ctx)()
	if err != nil {
		return nil, err
	}
	rules, results, err := evaluatePolicies(ctx, engine, input)
	if err != nil {
		return nil, err
	}
	return &PolicyEvaluation{Input: input, Rules: append([]string{}, rules...), Results: append([]evidence.PolicyResult{}, results...)}, nil
}
