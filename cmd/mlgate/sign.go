package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/steps"
)

// signOptions bind sign's own flags into the request.
type signOptions struct {
	steps.SignRequest
	signer signerOptions
	model  modelOptions
	output outputOptions
}

func newSignCmd(e *env) *cobra.Command {
	o := &signOptions{}
	var reg registryOptions
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

  # a key from an environment variable or a KMS
  mlgate sign --key env://SIGNING_KEY model/
  mlgate sign --key hashivault://model-signing model/

  # hash large files in 1 GB shards across all cores, leave out a cache folder
  mlgate sign --key cosign.key --method shards --ignore-paths cache model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := o.SignRequest
			r.Run, r.Model, r.Hash, r.Signing, r.Registry = e.run(), args[0], o.model.HashOptions, o.signer.spec(e), reg.options(e)
			return step(cmd, e, &o.output, &r, steps.Sign)
		},
	}
	reg.AddFlags(cmd)
	o.signer.AddFlags(cmd)
	o.model.signs = true
	o.model.AddFlags(cmd)
	o.output.sign.shared = &o.signer
	o.output.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "write the Sigstore bundle to `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing bundle file")
	return cmd
}
