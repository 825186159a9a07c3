package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// registryOptions say how to reach a registry named by an oci:// argument.
type registryOptions struct{ Insecure bool }

func (o *registryOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Insecure, "insecure-registry", false, "speak plain HTTP to a registry that is not on loopback (loopback registries always are)")
}

// options: the docker config and GITHUB_TOKEN come from the run's environment.
func (o *registryOptions) options(e *env) oci.Options {
	return oci.Options{Insecure: o.Insecure, Getenv: e.getenv}
}

func newPushCmd(e *env) *cobra.Command {
	var reg registryOptions
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
			t, err := steps.Push(cmd.Context(), steps.PushRequest{Run: e.run(), Model: args[0], Ref: args[1], Registry: reg.options(e)})
			if err != nil {
				return err
			}
			line, res := t.Pushed(args[0])
			fmt.Fprintln(e.stderr, line)
			return res.Print(e.stdout, format)
		},
	}
	reg.AddFlags(cmd)
	formatFlag(cmd, &format, "text")
	return cmd
}

func newPullCmd(e *env) *cobra.Command {
	var reg registryOptions
	var format string
	var allowTag bool
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
			t, err := steps.Pull(cmd.Context(), steps.PullRequest{Run: e.run(), Ref: args[0], Dir: args[1], AllowTag: allowTag, Registry: reg.options(e)})
			if err != nil {
				return err
			}
			if format == "text" { // stdout stays empty, as before
				return t.Pulled(args[1]).Print(e.stderr, format)
			}
			return t.Pulled(args[1]).Print(e.stdout, format)
		},
	}
	cmd.Flags().BoolVar(&allowTag, "allow-tag", false, "accept a tag instead of a digest")
	reg.AddFlags(cmd)
	formatFlag(cmd, &format, "text")
	return cmd
}

// policyRegistryOptions: gate reads oci:// policies, optionally only signed ones.
type policyRegistryOptions struct {
	registryOptions
	trust signing.TrustRefs
}

func (o *policyRegistryOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.trust.Key, "policy-key", "", "require every oci:// policy to be signed in its registry by the public key `REF`")
	f.StringVar(&o.trust.Identity, "policy-certificate-identity", "", "require every oci:// policy to be signed keyless by this identity")
	f.StringVar(&o.trust.Issuer, "policy-certificate-oidc-issuer", "", "the OIDC issuer of --policy-certificate-identity")
	cmd.MarkFlagsMutuallyExclusive("policy-key", "policy-certificate-identity")
}
