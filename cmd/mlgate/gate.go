package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/metrics"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/signing"
)

// metricOptions is the metric part of a gate: the gate file and the metric files.
type metricOptions struct {
	Config   string
	Metrics  []string
	Baseline []string
}

func (o *metricOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Config, "config", "c", "", "gate `FILE` (kind PromotionGate) with the metric rules")
	cmd.Flags().StringArrayVarP(&o.Metrics, "metrics", "m", nil, "candidate metrics `FILE` (JSON, YAML, CSV, DVC, MLflow runs/get); repeatable")
	cmd.Flags().StringArrayVarP(&o.Baseline, "baseline", "b", nil, "baseline metrics `FILE`, same formats; repeatable")
}

// evaluate reads the gate and the metrics and decides the metric rules into
// the input; it returns the gate and the candidate's metrics (whose sources
// locate each value). With no --config it only reads the metrics (policy eval
// shows them to policies).
func (o *metricOptions) evaluate(in *policy.Input) (*metrics.Gate, metrics.Set, error) {
	candidate, err := metrics.ReadAll(o.Metrics)
	if err != nil {
		return nil, nil, err
	}
	baseline, err := metrics.ReadAll(o.Baseline)
	if err != nil {
		return nil, nil, err
	}
	in.Metrics.Candidate, in.Metrics.Baseline = candidate.Floats(), baseline.Floats()
	if o.Config == "" {
		return nil, candidate, nil
	}
	gate, err := metrics.LoadGate(o.Config)
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

// policyInputOptions gathers what policies judge besides metrics: the policies,
// their data, the model, and the evidence of earlier steps.
type policyInputOptions struct {
	Policies  []string
	Data      []string
	Evidence  []string
	ModelCard string
	Model     string
	Sandbox   policy.Options
	memoryMiB int64
}

func (o *policyInputOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.Policies, "policy", "p", nil, "Rego policy `PATH`, a file or a folder (*_test.rego skipped); repeatable")
	cmd.Flags().StringArrayVarP(&o.Data, "data", "d", nil, "policy data `FILE` (JSON or YAML, e.g. config: settings); repeatable")
	cmd.Flags().StringArrayVarP(&o.Evidence, "evidence", "e", nil, "evidence `FILE` of an earlier step (validate, drift, verify, ...); repeatable")
	cmd.Flags().StringVar(&o.ModelCard, "model-card", "", "model card (README.md with YAML front matter) or metadata `FILE` (YAML, JSON)")
	cmd.Flags().StringVar(&o.Model, "model", "", "model file or folder `PATH`, listed for the policies (names, sizes, formats)")
	cmd.Flags().BoolVar(&o.Sandbox.AllowNetwork, "allow-network", false, "let policies use http.send and DNS lookups (denied by default)")
	cmd.Flags().DurationVar(&o.Sandbox.Timeout, "policy-timeout", policy.DefaultTimeout, "time limit for evaluating each policy rule")
	cmd.Flags().Int64Var(&o.memoryMiB, "policy-memory", policy.DefaultMemory>>20, "memory limit in `MiB` a policy rule's evaluation may add")
}

// fill adds the model, the evidence and the GitHub context to the input and
// returns the evidence read, with references naming each by path and digest
// (and signer, with a verifier: each file is read once, checked, and used).
func (o *policyInputOptions) fill(e *env, in *policy.Input, v evidence.Verifier) ([]evidence.EvidenceRef, []*evidence.Document, error) {
	if o.Model != "" {
		if err := in.Model.ListModelFiles(o.Model); err != nil {
			return nil, nil, err
		}
	}
	if o.ModelCard != "" {
		if err := in.Model.LoadModelCard(o.ModelCard); err != nil {
			return nil, nil, err
		}
	}
	refs := []evidence.EvidenceRef{}
	var docs []*evidence.Document
	for _, p := range o.Evidence {
		l, err := evidence.Load(p, v)
		if err != nil {
			return nil, nil, err
		}
		in.AddEvidence(l.Document)
		docs = append(docs, l.Document)
		refs = append(refs, l.Ref())
	}
	gh, err := githubContext(e.getenv)
	if err != nil {
		return nil, nil, err
	}
	in.GitHub = gh
	return refs, docs, nil
}

// loadPolicies starts loading and compiling the policies in the background,
// so that it overlaps reading the metrics and the evidence; the function it
// returns waits for the engine, which is nil without --policy.
func (o *policyInputOptions) loadPolicies(ctx context.Context) func() (*policy.Engine, error) {
	if len(o.Policies) == 0 {
		var err error
		if len(o.Data) > 0 {
			err = errors.New("--data is given without --policy: nothing would read it")
		}
		return func() (*policy.Engine, error) { return nil, err }
	}
	if o.Sandbox.Timeout <= 0 || o.memoryMiB <= 0 {
		err := fmt.Errorf("--policy-timeout %s and --policy-memory %d: both must be positive", o.Sandbox.Timeout, o.memoryMiB)
		return func() (*policy.Engine, error) { return nil, err }
	}
	o.Sandbox.Memory = o.memoryMiB << 20
	done := make(chan struct{})
	var engine *policy.Engine
	var err error
	go func() {
		defer close(done)
		engine, err = policy.Load(ctx, o.Policies, o.Data, o.Sandbox)
	}()
	return func() (*policy.Engine, error) {
		<-done
		return engine, err
	}
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

// githubContext reads the run's git and GitHub context from the GITHUB_*
// variables and, for pull-request events, the event payload. Outside GitHub
// Actions it is nil.
func githubContext(getenv func(string) string) (*policy.GitHub, error) {
	if getenv("GITHUB_ACTIONS") != "true" {
		return nil, nil
	}
	gh := &policy.GitHub{
		Repository: getenv("GITHUB_REPOSITORY"),
		SHA:        getenv("GITHUB_SHA"),
		Ref:        getenv("GITHUB_REF"),
		Event:      getenv("GITHUB_EVENT_NAME"),
		Actor:      getenv("GITHUB_ACTOR"),
	}
	path := getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return gh, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the GitHub event: %w", err)
	}
	var event struct {
		PullRequest *struct {
			Number int `json:"number"`
			Labels []struct {
				Name string `json:"name"`
			} `json:"labels"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &event); err != nil {
		return nil, fmt.Errorf("GitHub event %s: %w", path, err)
	}
	if pr := event.PullRequest; pr != nil {
		gh.PullRequest = &policy.PullRequest{Number: pr.Number, Labels: []string{}}
		for _, l := range pr.Labels {
			gh.PullRequest.Labels = append(gh.PullRequest.Labels, l.Name)
		}
	}
	return gh, nil
}

// reportFileOptions writes the decision for code scanning and test reports too.
type reportFileOptions struct {
	SARIF string
	JUnit string
	// sarif and junit are the planned outputs (see checkOutputs).
	sarif, junit *outfile.Output
}

func (o *reportFileOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.SARIF, "sarif", "", "also write SARIF 2.1.0 for code scanning to `FILE`")
	cmd.Flags().StringVar(&o.JUnit, "junit", "", "also write JUnit XML to `FILE`")
}

func (o *reportFileOptions) write(doc *evidence.Document) error {
	for _, w := range []struct {
		out    *outfile.Output
		render func([]*evidence.Document) ([]byte, error)
	}{{o.sarif, report.SARIF}, {o.junit, report.JUnit}} {
		if !w.out.Set() {
			continue
		}
		data, err := w.render([]*evidence.Document{doc})
		if err != nil {
			return err
		}
		if err := w.out.Write(data); err != nil {
			return err
		}
	}
	return nil
}

type gateOptions struct {
	metrics  metricOptions
	inputs   policyInputOptions
	files    reportFileOptions
	output   outputOptions
	trust    evidenceTrustOptions
	Datasets []string
}

func newGateCmd(e *env) *cobra.Command {
	var o gateOptions
	cmd := &cobra.Command{
		Use:   "gate --config GATE --metrics FILE [--baseline FILE] [--policy PATH]... [--evidence FILE]...",
		Short: "Decide whether a candidate model is promoted: metric thresholds and OPA policies",
		Long: `Gate decides whether a candidate model is promoted. Its metrics must clear the
gate file's rules (absolute bounds, change against the baseline, non-inferiority,
an optional paired bootstrap) and the Rego policies must not deny: policies see
the model card, the metrics, every evidence document of earlier steps and the
GitHub context (see 'mlgate policy eval' for the input document).

Evidence is bound to the candidate: with --model the gate hashes the model
and every Verification or Signature must cover exactly its files; with
--dataset every DataValidation and DriftReport must name exactly those files
by sha256 (validate --digest; profile or drift --digest). Without --policy, a
failed evidence document blocks.

It writes a PromotionDecision evidence document; in GitHub Actions it also sets
the output promote=true|false. Exit 0 promote, 1 do not promote, 2 could not run
(bad input, a policy that does not compile or errors).`,
		Example: `  # Metric thresholds only
  mlgate gate --config gate.yaml --metrics metrics.json

  # Against the production model's metrics (MLflow run export, DVC metrics)
  mlgate gate -c gate.yaml -m mlflow-run.json --baseline prod/metrics.json

  # Metrics and the governance policy library over earlier steps' evidence
  mlgate gate -c gate.yaml -m metrics.json -b baseline.json \
    --policy policies/ --data policy-settings.yaml \
    --model-card model/README.md --model model/ \
    --evidence validation.json --evidence drift.json --evidence verify.json \
    --out decision.json --sarif gate.sarif --junit gate.xml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGate(cmd.Context(), e, &o)
		},
	}
	o.metrics.AddFlags(cmd)
	o.inputs.AddFlags(cmd)
	o.files.AddFlags(cmd)
	o.output.AddFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Datasets, "dataset", nil, "dataset `PATH` (Parquet file or folder) the DataValidation evidence must be about; repeatable")
	o.trust.AddFlags(cmd)
	return cmd
}

func runGate(ctx context.Context, e *env, o *gateOptions) error {
	started := e.now()
	if err := o.output.validate(); err != nil {
		return err
	}
	if o.metrics.Config == "" {
		return errors.New("--config is required: the gate file with the metric rules")
	}
	bundles, cleanup, err := pullRegistryPolicies(ctx, e, o.inputs.Policies)
	defer cleanup()
	if err != nil {
		return err
	}
	if err := checkOutputs(e, o); err != nil {
		return err
	}
	engine := o.inputs.loadPolicies(ctx)
	in := policy.NewInput()
	gate, candidate, err := o.metrics.evaluate(in)
	if err != nil {
		return err
	}
	if len(o.metrics.Metrics) == 0 && !allBootstrap(gate) {
		return errors.New("--metrics is required: the candidate's metrics file")
	}
	verifier, err := o.trust.verifier(ctx)
	if err != nil {
		return err
	}
	refs, docs, err := o.inputs.fill(e, in, verifier)
	if err != nil {
		return err
	}
	subject, bound, err := o.bind(ctx, in, refs, docs)
	if err != nil {
		return err
	}
	config, err := fileRef(ctx, o.metrics.Config)
	if err != nil {
		return err
	}
	eng, err := engine()
	if err != nil {
		return err
	}
	_, policies, err := evaluatePolicies(ctx, eng, in)
	if err != nil {
		return err
	}
	doc := decide(e, subject, in, candidate, refs, bound, policies, started)
	details := doc.Details.(evidence.PromotionDetails)
	details.Config = config
	details.PolicyBundles = bundles
	doc.Details = details
	doc.Finish(e.now())
	if err := o.files.write(doc); err != nil {
		return err
	}
	promote := doc.Details.(evidence.PromotionDetails).Promote
	return e.emit(doc, o.output, map[string]string{"promote": strconv.FormatBool(promote)})
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
func decide(e *env, subject evidence.Subject, in *policy.Input, candidate metrics.Set, refs []evidence.EvidenceRef, bound []evidence.Check, policies []evidence.PolicyResult, started time.Time) *evidence.Document {
	doc := evidence.New(evidence.KindPromotionDecision, subject, e.tool(), started)
	var metricFailed, policyFailed int
	for _, r := range in.Metrics.Results {
		c := evidence.Check{
			ID: "metric." + r.Name, Title: "Metric " + r.Name, Status: r.Status, Severity: severityOf(r.Status),
			Message: r.Message, Expected: r.Threshold, Source: r.Source,
		}
		if r.Candidate != nil {
			c.Observed = *r.Candidate
		}
		if v, ok := candidate[r.Name]; ok {
			c.Location = &evidence.Location{File: v.Source.File}
		}
		doc.Add(c)
		if r.Status.Failed() {
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
func (o *gateOptions) bind(ctx context.Context, in *policy.Input, refs []evidence.EvidenceRef, docs []*evidence.Document) (evidence.Subject, []evidence.Check, error) {
	subject := evidence.Subject{Name: in.Model.Name}
	var candidate *evidence.Subject
	if o.inputs.Model != "" {
		dir, err := isDir(o.inputs.Model)
		if err != nil {
			return subject, nil, err
		}
		if candidate, err = hashSubject(ctx, o.inputs.Model, modelHashing(dir), 0); err != nil {
			return subject, nil, err
		}
		subject = *candidate
		subject.Name = in.Model.Name
	}
	if subject.Name == "" {
		subject.Name = "candidate model"
	}
	var dataset []evidence.File
	if len(o.Datasets) > 0 {
		paths, err := expandDataArgs(o.Datasets)
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
	var checks []evidence.Check
	for i, d := range docs {
		path := refs[i].Path
		switch {
		case d.Kind == evidence.KindVerification || d.Kind == evidence.KindSignature:
			checks = append(checks, bindModel(ctx, o.inputs.Model, candidate, path, d))
		case (d.Kind == evidence.KindDataValidation || d.Kind == evidence.KindDriftReport) && dataset != nil:
			checks = append(checks, bindData(dataset, path, d))
		}
		if d.Status.Failed() && len(o.inputs.Policies) == 0 {
			checks = append(checks, evidence.Check{ID: "evidence.status", Title: "Evidence status", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message:  fmt.Sprintf("%s evidence %s failed (%s) and no policy judges it", d.Kind, path, d.Summary),
				Location: &evidence.Location{File: path}})
		}
	}
	return subject, checks, nil
}

// fileRef names a file by its path and sha256.
func fileRef(ctx context.Context, path string) (*evidence.FileRef, error) {
	sum, _, err := signing.FileDigest(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &evidence.FileRef{Path: path, Digest: map[string]string{"sha256": hex.EncodeToString(sum)}}, nil
}

func severityOf(s evidence.Status) evidence.Severity {
	if s == evidence.StatusWarn {
		return evidence.SeverityWarn
	}
	return evidence.SeverityError
}

// checkOutputs plans the gate's outputs: none may be a file or lie in a
// folder it reads (policies, the model), or be another of its outputs.
func checkOutputs(e *env, o *gateOptions) error {
	p := e.plan()
	p.Input("--config", o.metrics.Config)
	p.Input("--metrics", o.metrics.Metrics...)
	p.Input("--baseline", o.metrics.Baseline...)
	p.Input("--policy", o.inputs.Policies...)
	p.Input("--data", o.inputs.Data...)
	p.Input("--evidence", o.inputs.Evidence...)
	p.Input("--model-card", o.inputs.ModelCard)
	p.Input("--model", o.inputs.Model)
	p.Input("--dataset", o.Datasets...)
	o.output.planAs(p, "--out")
	o.files.sarif = p.Output("--sarif", o.files.SARIF)
	o.files.junit = p.Output("--junit", o.files.JUnit)
	return p.Check()
}
