package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

type attestOptions struct {
	signer      signerOptions
	model       modelOptions
	output      outputOptions
	Decision    string
	Bundle      string
	Overwrite   bool
	Datasets    []string
	Metrics     []string
	Policies    []string
	Repository  string
	Commit      string
	ResourceURI string
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
			if oci.IsReference(args[0]) {
				return runAttestOCI(cmd, e, o, &reg, args[0])
			}
			return runAttest(cmd, e, o, args[0])
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

func runAttest(cmd *cobra.Command, e *env, o *attestOptions, path string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	ctx := cmd.Context()
	dir, err := steps.IsDir(path)
	if err != nil {
		return err
	}
	if o.Bundle == "" {
		o.Bundle = steps.DefaultAttestation(path)
	}
	p := e.plan()
	p.Input("model", path)
	p.Input("--decision", o.Decision)
	p.Input("--key", keyFile(o.signer.Key))
	p.Input("--identity-token", existingFile(o.signer.IDToken))
	p.Input("--dataset", o.Datasets...)
	p.Input("--metrics", o.Metrics...)
	p.Input("--policy", o.Policies...)
	bundle := planBundle(p, o.Bundle, o.Overwrite, path, dir)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	r := steps.AttestRequest{Run: e.run(), Model: path, Decision: o.Decision, Bundle: o.Bundle, WriteBundle: bundle.Write,
		NewSigner:   func(ctx context.Context) (*signing.Signer, error) { return o.signer.signer(ctx, e) },
		IgnorePaths: o.model.IgnorePaths, AllowSymlinks: o.model.AllowSymlinks, Workers: o.model.Workers,
		Datasets: o.Datasets, Metrics: o.Metrics, Policies: o.Policies,
		Repository: o.Repository, Commit: o.Commit, ResourceURI: o.ResourceURI, GitHub: e.github()}
	// The key is unlocked before anything is read or hashed (see sign).
	if r.Signer, err = o.signer.keySigner(ctx, e); err != nil {
		return err
	}
	doc, err := steps.Attest(ctx, r)
	if err != nil {
		return err
	}
	return e.emit(doc, o.output, map[string]string{"bundle": o.Bundle})
}
