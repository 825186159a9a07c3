package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
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
	cmd.Flags().BoolVar(&o.Sandbox.Library, "library", false, "also apply mlgate's policy library, built into the binary (see policies/README.md)")
	cmd.Flags().StringArrayVarP(&o.Data, "data", "d", nil, "policy data `FILE` (JSON or YAML, e.g. config: settings); repeatable")
	cmd.Flags().StringArrayVarP(&o.Evidence, "evidence", "e", nil, "evidence `FILE` of an earlier step (validate, drift, verify, ...); repeatable")
	cmd.Flags().StringVar(&o.ModelCard, "model-card", "", "model card (README.md with YAML front matter) or metadata `FILE` (YAML, JSON)")
	cmd.Flags().StringVar(&o.Model, "model", "", "model file or folder `PATH`, listed for the policies (names, sizes, formats)")
	cmd.Flags().BoolVar(&o.Sandbox.AllowNetwork, "allow-network", false, "let policies use http.send and DNS lookups (denied by default)")
	cmd.Flags().DurationVar(&o.Sandbox.Timeout, "policy-timeout", policy.DefaultTimeout, "time limit for evaluating each policy rule")
	cmd.Flags().Int64Var(&o.memoryMiB, "policy-memory", policy.DefaultMemory>>20, "memory limit in `MiB` a policy rule's evaluation may add")
}

// policies checks the policy flags and returns what they load.
func (o *policyInputOptions) policies() (steps.Policies, error) {
	switch {
	case len(o.Policies) == 0 && !o.Sandbox.Library && len(o.Data) > 0:
		return steps.Policies{}, errors.New("--data is given without --policy or --library: nothing would read it")
	case (len(o.Policies) > 0 || o.Sandbox.Library) && (o.Sandbox.Timeout <= 0 || o.memoryMiB <= 0):
		return steps.Policies{}, fmt.Errorf("--policy-timeout %s and --policy-memory %d: both must be positive", o.Sandbox.Timeout, o.memoryMiB)
	}
	sandbox := o.Sandbox
	sandbox.Memory = o.memoryMiB << 20
	return steps.Policies{Paths: o.Policies, Data: o.Data, Sandbox: sandbox}, nil
}

// policyInputs is the request part that builds the policy input document.
func (e *env) policyInputs(m metricOptions, o policyInputOptions, v evidence.Verifier) steps.PolicyInputs {
	return steps.PolicyInputs{Config: m.Config, Metrics: m.Metrics, Baseline: m.Baseline, Evidence: o.Evidence, Verifier: v,
		ModelCard: o.ModelCard, Model: o.Model, GitHub: e.github()}
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
	registry policyRegistryOptions
	Datasets []string
}

func newGateCmd(e *env) *cobra.Command {
	var o gateOptions
	cmd := &cobra.Command{
		Use:   "gate --config GATE --metrics FILE [--baseline FILE] [--policy PATH]... [--library] [--evidence FILE]...",
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
	o.registry.AddFlags(cmd)
	return cmd
}

func runGate(ctx context.Context, e *env, o *gateOptions) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	if o.metrics.Config == "" {
		return errors.New("--config is required: the gate file with the metric rules")
	}
	bundles, cleanup, err := pullRegistryPolicies(ctx, e, &o.registry, o.inputs.Policies)
	defer cleanup()
	if err != nil {
		return err
	}
	if err := checkOutputs(e, o); err != nil {
		return err
	}
	policies, err := o.inputs.policies()
	if err != nil {
		return err
	}
	verifier, err := o.trust.verifier(ctx)
	if err != nil {
		return err
	}
	doc, err := steps.Gate(ctx, steps.GateRequest{Run: e.run(), PolicyInputs: e.policyInputs(o.metrics, o.inputs, verifier),
		Policies: policies, Datasets: o.Datasets, PolicyBundles: bundles})
	if errors.Is(err, steps.ErrNoMetrics) {
		return errors.New("--metrics is required: the candidate's metrics file")
	}
	if err != nil {
		return err
	}
	if err := o.files.write(doc); err != nil {
		return err
	}
	return e.emit(doc, o.output, nil)
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
