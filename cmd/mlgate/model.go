package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/steps"
)

// The commands about models: gate and policy (promotion), sign, verify and
// attest (signatures), push and pull (registries).

func newGateCmd(e *env) *cobra.Command {
	r := steps.GateRequest{Run: e.run(), PolicyInputs: steps.PolicyInputs{GitHub: e.github()}, Registry: oci.Options{Getenv: e.getenv}}
	in := &policyInputOptions{PolicyInputs: &r.PolicyInputs, Policies: &r.Policies, trust: &trustOptions{prefix: "evidence-"}}
	cmd := &cobra.Command{
		Use:   "gate --config GATE --metrics FILE [--baseline FILE] [--policy PATH]... [--library] [--evidence FILE]...",
		Short: "Decide whether a candidate model is promoted: metric thresholds and OPA policies",
		Args:  cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&r.SARIF, "sarif", "", "also write SARIF 2.1.0 for code scanning to `FILE`")
	f.StringVar(&r.JUnit, "junit", "", "also write JUnit XML to `FILE`")
	f.StringArrayVar(&r.Datasets, "dataset", nil, "dataset `PATH` (Parquet file or folder) the DataValidation evidence must be about; repeatable")
	f.StringArrayVar(&r.Contracts, "contract", nil, "data contract `FILE` every DataValidation must have checked, by sha256 (e.g. the protected branch's copy); repeatable")
	policies := &trustOptions{prefix: "policy-"}
	return evidenceCmd(e, cmd, &r, steps.Gate, func([]string) (err error) {
		r.Verifier, err = in.trust.verifier(cmd.Context())
		r.PolicyTrust = policies.TrustRefs
		return err
	}, &outputOptions{}, in, policies)
}

func newPolicyCmd(e *env) *cobra.Command {
	return group(&cobra.Command{Use: "policy", Short: "Test Rego policies and show how they decide"},
		newPolicyTestCmd(e), newPolicyEvalCmd(e))
}

func newPolicyTestCmd(e *env) *cobra.Command {
	var r steps.PolicyTestRequest
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run Rego unit tests (test_* rules) with OPA's test runner",
		Args:  cobra.MinimumNArgs(1),
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
	in := &policyInputOptions{PolicyInputs: &r.PolicyInputs, Policies: &r.Policies, trust: &trustOptions{prefix: "evidence-"}}
	var format string
	cmd := &cobra.Command{
		Use:   "eval [--policy PATH]... [--library] [input flags]",
		Short: "Print the gate's policy input document and every rule's result",
		Args:  cobra.NoArgs,
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

func newSignCmd(e *env) *cobra.Command {
	r := steps.SignRequest{Run: e.run()}
	signer := newSigner(e)
	r.Signing = &signer.Signing
	h := &r.Hash
	cmd := &cobra.Command{
		Use:   "sign [--key REF | --keyless] [--bundle OUT] PATH",
		Short: "Sign a model file or a model folder with Sigstore",
		Args:  cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&r.Bundle, "bundle", "", "write the Sigstore bundle to `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	cmd.Flags().BoolVar(&r.Overwrite, "overwrite", false, "replace an existing bundle file")
	return evidenceCmd(e, cmd, &r, steps.Sign, func(args []string) error { r.Model = args[0]; return nil },
		&outputOptions{sign: evidenceSignOptions{shared: signer}}, signer, newRegistry(e, &r.Registry),
		&modelOptions{&h.IgnorePaths, &h.AllowSymlinks, &h.Workers, &h.Method, &h.ShardSize})
}

func newVerifyCmd(e *env) *cobra.Command {
	r := steps.VerifyRequest{Run: e.run()}
	trust := &trustOptions{}
	r.Refs = &trust.TrustRefs
	cmd := &cobra.Command{
		Use:   "verify --bundle B [--key REF | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y] [--trusted-root FILE] PATH",
		Short: "Verify a signed model file or folder, or a promotion attestation",
		Args:  cobra.ExactArgs(1),
	}
	f := cmd.Flags()
	f.StringVar(&r.Bundle, "bundle", "", "the Sigstore bundle `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	f.BoolVar(&r.Attestation, "attestation", false, "the bundle is a promotion attestation (mlgate attest): require that it passed and covers this model")
	f.BoolVar(&r.IgnoreUnsigned, "ignore-unsigned-files", false, "accept files in the folder that the signature does not list")
	return evidenceCmd(e, cmd, &r, steps.Verify, func(args []string) error { r.Model = args[0]; return nil },
		&outputOptions{}, trust, newRegistry(e, &r.Registry), &modelOptions{IgnorePaths: &r.IgnorePaths, AllowSymlinks: &r.AllowSymlinks, Workers: &r.Workers})
}

func newAttestCmd(e *env) *cobra.Command {
	r := steps.AttestRequest{Run: e.run(), GitHub: e.github()}
	signer := newSigner(e)
	r.Signing = &signer.Signing
	cmd := &cobra.Command{
		Use:   "attest --decision EVIDENCE [--key REF | --keyless] --bundle OUT MODEL",
		Short: "Sign a promotion attestation: this exact model passed the gate",
		Args:  cobra.ExactArgs(1),
	}
	f := cmd.Flags()
	f.StringVar(&r.Decision, "decision", "", "the gate's evidence `FILE` (PromotionDecision or MetricGate)")
	f.StringVar(&r.Bundle, "bundle", "", "write the attestation bundle to `FILE` (default: MODEL.promotion.sigstore.json)")
	f.BoolVar(&r.Overwrite, "overwrite", false, "replace an existing bundle file")
	f.StringSliceVar(&r.Datasets, "dataset", nil, "dataset `FILES` that were validated (recorded with their digests)")
	f.StringSliceVar(&r.Metrics, "metrics", nil, "metrics `FILES` the gate read")
	f.StringSliceVar(&r.Policies, "policy", nil, "policy `FILES` or folders that decided")
	f.StringVar(&r.Repository, "repository", "", "code repository (default: $GITHUB_REPOSITORY)")
	f.StringVar(&r.Commit, "commit", "", "code commit (default: $GITHUB_SHA)")
	f.StringVar(&r.ResourceURI, "resource-uri", "", "the model as a `URI` in the attestation (default: git+https://github.com/REPO@SHA#PATH in GitHub Actions, else a file: URI)")
	_ = cmd.MarkFlagRequired("decision")
	return evidenceCmd(e, cmd, &r, steps.Attest, func(args []string) error { r.Model = args[0]; return nil },
		&outputOptions{sign: evidenceSignOptions{shared: signer}}, signer, newRegistry(e, &r.Registry),
		&modelOptions{IgnorePaths: &r.IgnorePaths, AllowSymlinks: &r.AllowSymlinks, Workers: &r.Workers})
}

func newPushCmd(e *env) *cobra.Command {
	r := steps.PushRequest{Run: e.run()}
	var format string
	cmd := &cobra.Command{
		Use:   "push MODEL_DIR oci://REGISTRY/REPO:TAG",
		Short: "Push a model folder to an OCI registry as a CNCF ModelPack artifact",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Model, r.Ref = args[0], args[1]
			t, err := steps.Push(cmd.Context(), r)
			if err != nil {
				return err
			}
			line, res := t.Pushed(args[0])
			fmt.Fprintln(e.stderr, line)
			return res.Print(e.stdout, format)
		},
	}
	formatFlag(cmd, &format, "text", "result")
	return withFlags(cmd, newRegistry(e, &r.Registry))
}

func newPullCmd(e *env) *cobra.Command {
	r := steps.PullRequest{Run: e.run()}
	var format string
	cmd := &cobra.Command{
		Use:   "pull oci://REGISTRY/REPO@sha256:DIGEST DIR",
		Short: "Pull a ModelPack model from an OCI registry into a new folder, checking every layer",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Ref, r.Dir = args[0], args[1]
			t, err := steps.Pull(cmd.Context(), r)
			if err != nil {
				return err
			}
			w := e.stdout
			if format == "text" { // stdout stays empty, as before
				w = e.stderr
			}
			return t.Pulled(args[1]).Print(w, format)
		},
	}
	cmd.Flags().BoolVar(&r.AllowTag, "allow-tag", false, "accept a tag instead of a digest")
	formatFlag(cmd, &format, "text", "result")
	return withFlags(cmd, newRegistry(e, &r.Registry))
}
