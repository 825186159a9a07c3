package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/steps"
)

// verifyOptions bind verify's own flags into the request.
type verifyOptions struct {
	steps.VerifyRequest
	trust  trustOptions
	model  modelOptions
	output outputOptions
}

func newVerifyCmd(e *env) *cobra.Command {
	o := &verifyOptions{}
	var reg registryOptions
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
ref, sha, trigger) for policies to require.

With --attestation, the bundle must be a promotion attestation from 'mlgate
attest' over this exact model, recording that it passed the gate.`,
		Example: `  # a folder signed with a key (bundle at model/model.sig)
  mlgate verify --key cosign.pub model/

  # keyless, signed by this repository's release workflow on main
  mlgate verify --bundle model.sig \
    --certificate-identity https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com model/

  # offline, with a trusted root file
  mlgate verify --trusted-root trusted_root.json --certificate-identity-regexp '^https://github.com/acme/' \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com --bundle model.sig model/

  # one file signed by cosign sign-blob --new-bundle-format
  mlgate verify --key cosign.pub --bundle model.onnx.sigstore.json model.onnx

  # require that this exact model passed the gate
  mlgate verify --attestation --key cosign.pub --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := o.VerifyRequest
			r.Run, r.Model, r.Refs, r.Registry = e.run(), args[0], &o.trust.TrustRefs, reg.options(e)
			r.IgnorePaths, r.AllowSymlinks, r.Workers = o.model.IgnorePaths, o.model.AllowSymlinks, o.model.Workers
			return step(cmd, e, &o.output, &r, steps.Verify)
		},
	}
	reg.AddFlags(cmd)
	o.trust.AddFlags(cmd)
	o.model.AddFlags(cmd)
	o.output.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "the Sigstore bundle `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	cmd.Flags().BoolVar(&o.Attestation, "attestation", false, "the bundle is a promotion attestation (mlgate attest): require that it passed and covers this model")
	cmd.Flags().BoolVar(&o.IgnoreUnsigned, "ignore-unsigned-files", false, "accept files in the folder that the signature does not list")
	return cmd
}
