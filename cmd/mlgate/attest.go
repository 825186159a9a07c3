package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/steps"
)

type attestOptions struct {
	signer signerOptions
	model  modelOptions
	output outputOptions
	steps.AttestRequest
}

func newAttestCmd(e *env) *cobra.Command {
	o := &attestOptions{}
	var reg registryOptions
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
		RunE: func(cmd *cobra.Command, args []string) error {
			r := o.AttestRequest
			r.Run, r.Model, r.Signing, r.Registry, r.GitHub = e.run(), args[0], o.signer.spec(e), reg.options(e), e.github()
			r.IgnorePaths, r.AllowSymlinks, r.Workers = o.model.IgnorePaths, o.model.AllowSymlinks, o.model.Workers
			return step(cmd, e, &o.output, &r, steps.Attest)
		},
	}
	reg.AddFlags(cmd)
	o.signer.AddFlags(cmd)
	o.model.AddFlags(cmd)
	o.output.sign.shared = &o.signer
	o.output.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.Decision, "decision", "", "the gate's evidence `FILE` (PromotionDecision or MetricGate)")
	f.StringVar(&o.Bundle, "bundle", "", "write the attestation bundle to `FILE` (default: MODEL.promotion.sigstore.json)")
	f.BoolVar(&o.Overwrite, "overwrite", false, "replace an existing bundle file")
	f.StringSliceVar(&o.Datasets, "dataset", nil, "dataset `FILES` that were validated (recorded with their digests)")
	f.StringSliceVar(&o.Metrics, "metrics", nil, "metrics `FILES` the gate read")
	f.StringSliceVar(&o.Policies, "policy", nil, "policy `FILES` or folders that decided")
	f.StringVar(&o.Repository, "repository", "", "code repository (default: $GITHUB_REPOSITORY)")
	f.StringVar(&o.Commit, "commit", "", "code commit (default: $GITHUB_SHA)")
	f.StringVar(&o.ResourceURI, "resource-uri", "", "the model as a `URI` in the attestation (default: git+https://github.com/REPO@SHA#PATH in GitHub Actions, else a file: URI)")
	_ = cmd.MarkFlagRequired("decision")
	return cmd
}
