package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/steps"
)

// policyInputOptions gathers what policies judge: the gate file, the
// metrics, the policies and their data, the model, and the evidence of
// earlier steps (read as --evidence-key and the like say).
type policyInputOptions struct {
	steps.PolicyInputs
	steps.Policies
	trust     evidenceTrustOptions
	memoryMiB int64
}

func (o *policyInputOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.Config, "config", "c", "", "gate `FILE` (kind PromotionGate) with the metric rules")
	f.StringArrayVarP(&o.Metrics, "metrics", "m", nil, "candidate metrics `FILE` (JSON, YAML, CSV, DVC, MLflow runs/get); repeatable")
	f.StringArrayVarP(&o.Baseline, "baseline", "b", nil, "baseline metrics `FILE`, same formats; repeatable")
	f.StringArrayVarP(&o.Paths, "policy", "p", nil, "Rego policy `PATH`, a file or a folder (*_test.rego skipped); repeatable")
	f.BoolVar(&o.Sandbox.Library, "library", false, "also apply mlgate's policy library, built into the binary (see policies/README.md)")
	f.StringArrayVarP(&o.Data, "data", "d", nil, "policy data `FILE` (JSON or YAML, e.g. config: settings); repeatable")
	f.StringArrayVarP(&o.Evidence, "evidence", "e", nil, "evidence `FILE` of an earlier step (validate, drift, verify, ...); repeatable")
	f.StringVar(&o.ModelCard, "model-card", "", "model card (README.md with YAML front matter) or metadata `FILE` (YAML, JSON)")
	f.StringVar(&o.Model, "model", "", "model file or folder `PATH`, listed for the policies (names, sizes, formats)")
	f.BoolVar(&o.Sandbox.AllowNetwork, "allow-network", false, "let policies use http.send and DNS lookups (denied by default)")
	f.DurationVar(&o.Sandbox.Timeout, "policy-timeout", policy.DefaultTimeout, "time limit for evaluating each policy rule")
	f.Int64Var(&o.memoryMiB, "policy-memory", policy.DefaultMemory>>20, "memory limit in `MiB` a policy rule's evaluation may add")
	names(cmd, "config", "gate file")
	names(cmd, "data", "policy data")
	o.trust.AddFlags(cmd)
	checkFlags(cmd, func() error {
		switch {
		case len(o.Paths) == 0 && !o.Sandbox.Library && len(o.Data) > 0:
			return errors.New("--data is given without --policy or --library: nothing would read it")
		case (len(o.Paths) > 0 || o.Sandbox.Library) && (o.Sandbox.Timeout <= 0 || o.memoryMiB <= 0):
			return fmt.Errorf("--policy-timeout %s and --policy-memory %d: both must be positive", o.Sandbox.Timeout, o.memoryMiB)
		}
		o.Sandbox.Memory = o.memoryMiB << 20
		return nil
	})
}

// inputs is the request part that builds the policy input document; trusted
// says to read evidence only as the trust flags say.
func (o *policyInputOptions) inputs(ctx context.Context, e *env, trusted bool) (in steps.PolicyInputs, err error) {
	in, in.GitHub = o.PolicyInputs, e.github()
	if trusted {
		in.Verifier, err = o.trust.verifier(ctx)
	}
	return in, err
}

type gateOptions struct {
	inputs   policyInputOptions
	output   outputOptions
	registry policyRegistryOptions
	steps.GateRequest
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
			return runGate(cmd, e, &o)
		},
	}
	o.inputs.AddFlags(cmd)
	cmd.Flags().StringVar(&o.SARIF, "sarif", "", "also write SARIF 2.1.0 for code scanning to `FILE`")
	cmd.Flags().StringVar(&o.JUnit, "junit", "", "also write JUnit XML to `FILE`")
	o.output.AddFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Datasets, "dataset", nil, "dataset `PATH` (Parquet file or folder) the DataValidation evidence must be about; repeatable")
	o.registry.AddFlags(cmd)
	return cmd
}

func runGate(cmd *cobra.Command, e *env, o *gateOptions) error {
	r := o.GateRequest
	r.Run, r.Policies, r.Registry, r.PolicyTrust = e.run(), o.inputs.Policies, o.registry.options(e), o.registry.trust
	var err error
	if r.PolicyInputs, err = o.inputs.inputs(cmd.Context(), e, true); err != nil {
		return err
	}
	return step(cmd, e, &o.output, &r, steps.Gate)
}
