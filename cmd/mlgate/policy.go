package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/steps"
)

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
				return checksFailed()
			case failed != nil:
				return &exitError{code: exitFailed, err: failed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&r.Verbose, "verbose", "v", false, "list every test, not only failures")
	cmd.Flags().BoolVar(&r.Coverage, "coverage", false, "report the share of policy lines the tests evaluate")
	cmd.Flags().Float64Var(&r.Threshold, "threshold", 0, "fail when coverage is below this `PERCENT` (implies --coverage)")
	cmd.Flags().StringVarP(&r.Run, "run", "r", "", "run only tests whose name matches this `REGEX`")
	cmd.Flags().DurationVar(&r.Timeout, "timeout", 0, "time limit for each test (default 5s)")
	formatFlag(cmd, &r.Format, "text")
	checkFlags(cmd, func() error {
		if r.Threshold < 0 || r.Threshold > 100 {
			return fmt.Errorf("--threshold %g: want a percentage from 0 to 100", r.Threshold)
		}
		return nil
	})
	return cmd
}

type policyEvalOptions struct {
	format string
	inputs policyInputOptions
	Input  string
}

func newPolicyEvalCmd(e *env) *cobra.Command {
	var o policyEvalOptions
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPolicyEval(cmd.Context(), e, &o)
		},
	}
	o.inputs.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Input, "input", "", "evaluate this saved input document `FILE` (JSON) instead of building one")
	formatFlag(cmd, &o.format, "json")
	for _, builds := range []string{"config", "metrics", "baseline", "evidence", "model-card", "model"} {
		cmd.MarkFlagsMutuallyExclusive("input", builds)
	}
	return cmd
}

func runPolicyEval(ctx context.Context, e *env, o *policyEvalOptions) error {
	in, err := o.inputs.inputs(ctx, e, o.Input == "")
	if err != nil {
		return err
	}
	res, err := steps.PolicyEval(ctx, steps.PolicyEvalRequest{PolicyInputs: in, Policies: o.inputs.Policies, InputFile: o.Input})
	if err != nil {
		return err
	}
	if err := res.Result().Print(e.stdout, o.format); err != nil {
		return err
	}
	return statusExit(res.Status())
}
