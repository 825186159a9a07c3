package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/steps"
)

// The commands that decide on policies: gate, policy test and policy eval.

func newGateCmd(e *env) *cobra.Command {
	r := steps.GateRequest{Run: e.run(), PolicyInputs: steps.PolicyInputs{GitHub: e.github()}, Registry: oci.Options{Getenv: e.getenv}}
	in := &policyInputOptions{PolicyInputs: &r.PolicyInputs, Policies: &r.Policies}
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
	}
	f := cmd.Flags()
	f.StringVar(&r.SARIF, "sarif", "", "also write SARIF 2.1.0 for code scanning to `FILE`")
	f.StringVar(&r.JUnit, "junit", "", "also write JUnit XML to `FILE`")
	f.StringArrayVar(&r.Datasets, "dataset", nil, "dataset `PATH` (Parquet file or folder) the DataValidation evidence must be about; repeatable")
	// Policies from a registry (oci://), optionally only signed ones.
	f.StringVar(&r.PolicyTrust.Key, "policy-key", "", "require every oci:// policy to be signed in its registry by the public key `REF`")
	f.StringVar(&r.PolicyTrust.Identity, "policy-certificate-identity", "", "require every oci:// policy to be signed keyless by this identity")
	f.StringVar(&r.PolicyTrust.Issuer, "policy-certificate-oidc-issuer", "", "the OIDC issuer of --policy-certificate-identity")
	cmd.MarkFlagsMutuallyExclusive("policy-key", "policy-certificate-identity")
	return evidenceCmd(e, cmd, &r, steps.Gate, func([]string) (err error) {
		r.Verifier, err = in.trust.verifier(cmd.Context())
		return err
	}, &outputOptions{}, in)
}

func newPolicyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test Rego policies and show how they decide",
		Long: `Tools for policy authors: run the Rego unit tests of a policy library with
coverage, and evaluate policies on the exact input document the gate builds.`,
	}
	cmd.AddCommand(newPolicyTestCmd(e), newPolicyEvalCmd(e))
	return cmd
}

func newPolicyTestCmd(e *env) *cobra.Command {
	var r steps.PolicyTestRequest
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run Rego unit tests (test_* rules) with OPA's test runner",
		Long: `Test runs the Rego unit tests in the given files and folders, as 'opa test'
does and with its output. Exit 0 when every test passes (and coverage reaches
--threshold), 1 when one fails, 2 when the policies do not load or compile.`,
		Example: `  # The policy library's tests
  mlgate policy test policies/

  # Every test listed, with coverage, failing under 80%
  mlgate policy test -v --coverage --threshold 80 policies/

  # Only the license tests
  mlgate policy test --run license policies/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Paths = args
			failed, err := steps.PolicyTest(cmd.Context(), r, e.stdout)
			switch {
			case err != nil:
				return err
			case errors.Is(failed, steps.ErrTestsFailed):
				return &exitError{code: exitFailed}
			case failed != nil:
				return &exitError{code: exitFailed, err: failed}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&r.Verbose, "verbose", "v", false, "list every test, not only failures")
	f.BoolVar(&r.Coverage, "coverage", false, "report the share of policy lines the tests evaluate")
	f.Float64Var(&r.Threshold, "threshold", 0, "fail when coverage is below this `PERCENT` (implies --coverage)")
	f.StringVarP(&r.Run, "run", "r", "", "run only tests whose name matches this `REGEX`")
	f.DurationVar(&r.Timeout, "timeout", 0, "time limit for each test (default 5s)")
	formatFlag(cmd, &r.Format, "text", "result")
	checkFlags(cmd, func() error {
		if r.Threshold < 0 || r.Threshold > 100 {
			return fmt.Errorf("--threshold %g: want a percentage from 0 to 100", r.Threshold)
		}
		return nil
	})
	return cmd
}

func newPolicyEvalCmd(e *env) *cobra.Command {
	r := steps.PolicyEvalRequest{PolicyInputs: steps.PolicyInputs{GitHub: e.github()}}
	in := &policyInputOptions{PolicyInputs: &r.PolicyInputs, Policies: &r.Policies}
	var format string
	cmd := &cobra.Command{
		Use:   "eval [--policy PATH]... [--library] [input flags]",
		Short: "Print the gate's policy input document and every rule's result",
		Long: `Eval builds the input document exactly as 'mlgate gate' does (the same flags),
evaluates the policies on it, and prints JSON: the input, the decision rules
found, and every result with its rule, metadata, status and source line. Use it
to see why a policy decided as it did, or save the input to write tests.
Exit 0 when nothing fails, 1 when a rule denies, 2 when it could not run.

The input document is described by pkg/policy/input.schema.json.`,
		Example: `  # What the policies see and say for this model
  mlgate policy eval --policy policies/ --model-card model/README.md --model model/ \
    --metrics metrics.json --evidence validation.json

  # The input alone (no policies), to save as a test fixture
  mlgate policy eval --metrics metrics.json --evidence drift.json | jq .input

  # Re-evaluate a saved input while editing a policy
  mlgate policy eval --policy policies/ --data settings.yaml --input input.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if r.InputFile == "" { // a saved input was read as it was
				if r.Verifier, err = in.trust.verifier(cmd.Context()); err != nil {
					return err
				}
			}
			res, err := steps.PolicyEval(cmd.Context(), r)
			if err != nil {
				return err
			}
			if err := res.Result().Print(e.stdout, format); err != nil {
				return err
			}
			return statusExit(res.Status())
		},
	}
	cmd.Flags().StringVar(&r.InputFile, "input", "", "evaluate this saved input document `FILE` (JSON) instead of building one")
	formatFlag(cmd, &format, "json", "result")
	withFlags(cmd, in)
	for _, builds := range []string{"config", "metrics", "baseline", "evidence", "model-card", "model"} {
		cmd.MarkFlagsMutuallyExclusive("input", builds)
	}
	return cmd
}
