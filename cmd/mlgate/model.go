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
by sha256 (validate --digest; profile or drift --digest), every rule run on
every row (not one shard, a --where or a lone --since check); with --contract
every DataValidation must have checked one of those contracts, by sha256.
Without --policy, a failed evidence document blocks.

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
	f.StringArrayVar(&r.Contracts, "contract", nil, "data contract `FILE` every DataValidation must have checked, by sha256 (e.g. the protected branch's copy); repeatable")
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
  mlgate policy test -v --coverage --threshold 80 policies/`,
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

func newSignCmd(e *env) *cobra.Command {
	r := steps.SignRequest{Run: e.run()}
	signer := newSigner(e)
	r.Signing = &signer.Signing
	h := &r.Hash
	cmd := &cobra.Command{
		Use:   "sign [--key REF | --keyless] [--bundle OUT] PATH",
		Short: "Sign a model file or a model folder with Sigstore",
		Long: `Sign a model file or a model folder with Sigstore.

A single file gets a standard Sigstore bundle (v0.3, message signature over its
SHA-256) that 'cosign verify-blob --bundle' accepts. A folder gets an OpenSSF
Model Signing v1.0 signature: an in-toto statement listing every file's sha256
(or every shard's, with --method shards) under one subject digest, signed as
DSSE in a Sigstore bundle, which model_signing verifiers accept. .git and the
bundle itself are left out and recorded as ignored; symlinks are refused unless
--allow-symlinks.

Files are hashed in parallel and streamed: a model is never loaded into memory.`,
		Example: `  # sign a model folder with a cosign key (writes model/model.sig)
  COSIGN_PASSWORD=... mlgate sign --key cosign.key model/

  # sign one file; cosign verify-blob accepts the bundle
  mlgate sign --key cosign.key --bundle model.onnx.sigstore.json model.onnx

  # keyless in GitHub Actions (needs permissions: id-token: write)
  mlgate sign --keyless --out signature.json model/

  # hash large files in 1 GB shards across all cores, leave out a cache folder
  mlgate sign --key cosign.key --method shards --ignore-paths cache model/`,
		Args: cobra.ExactArgs(1),
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
		Long: `Verify a signed model file or folder, or a promotion attestation.

For a folder, the signature must verify and every file must match it: a
modified, missing, renamed or extra (unsigned) file fails and is named, and so
does a path ignored here that was not ignored at signing. Signatures from
model_signing (0.2 to 1.1, key, certificate and keyless) and cosign
(sign-blob --new-bundle-format) are accepted.

The Verification evidence records the signer: the key fingerprint, or the
certificate identity, issuer and GitHub workflow claims (repository, workflow,
ref, sha, trigger) for policies to require.`,
		Example: `  # a folder signed with a key (bundle at model/model.sig)
  mlgate verify --key cosign.pub model/

  # keyless, signed by this repository's release workflow on main
  mlgate verify --bundle model.sig \
    --certificate-identity https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com model/

  # one file signed by cosign sign-blob --new-bundle-format
  mlgate verify --key cosign.pub --bundle model.onnx.sigstore.json model.onnx

  # require that this exact model passed the gate
  mlgate verify --attestation --key cosign.pub --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
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
		Long: `Sign a promotion attestation: this exact model passed the gate.

The attestation is an in-toto statement over the model's digest (the same
subject digest 'mlgate sign' gives a folder, or a file's sha256) with a SLSA
verification summary predicate (https://slsa.dev/verification_summary/v1)
carrying the gate's decision, and the model's lineage: the digests of the
validated datasets, the metrics files and the policies that decided, and the
code commit. 'mlgate verify --attestation' checks it before a deploy.

Only a decision that promotes this exact model is signed: attest refuses one
that does not promote, whose status disagrees with its checks, or whose
subject (digest and files under its recorded hashing; 'mlgate gate --model')
is not MODEL.`,
		Example: `  # after 'mlgate gate --out decision.json', in the same job
  mlgate attest --keyless --decision decision.json --bundle promotion.sigstore.json \
    --dataset data/train.parquet --metrics metrics.json --policy policies/ model/

  # with a key, recording the commit explicitly
  mlgate attest --key cosign.key --decision decision.json --commit "$(git rev-parse HEAD)" \
    --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
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
		Long: `Push a model folder to an OCI registry as a CNCF ModelPack artifact.

Each file is one uncompressed layer, so every layer digest is the file's
sha256 and the model's OpenSSF model signature can be computed (and verified)
from the manifest alone. Files are streamed from disk; .git metadata is left
out, symlinks are refused. The model card's front matter (README.md) gives
the name, version, licence and description annotations. Prints the manifest
digest.

Logins come from the docker config and its credential helpers (docker login,
oras login), GITHUB_TOKEN for ghcr.io, else anonymous.`,
		Example: `  mlgate push model/ oci://ghcr.io/acme/models/churn:v3
  mlgate push model/ oci://localhost:5000/churn:dev`,
		Args: cobra.ExactArgs(2),
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
		Long: `Pull a ModelPack model from an OCI registry into a new (or empty) folder.

Every layer is streamed to its file and checked against its digest; a layer
that does not match fails naming its file. File paths that would leave the
folder are refused. Name the model by digest; a tag is accepted only with
--allow-tag, since a tag can move.`,
		Example: `  mlgate pull oci://ghcr.io/acme/models/churn@sha256:3b1f... model/`,
		Args:    cobra.ExactArgs(2),
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
