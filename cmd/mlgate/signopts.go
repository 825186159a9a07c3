package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// signerOptions is the option group of commands that sign (sign, attest):
// a cosign key reference, or keyless signing with Fulcio and Rekor.
type signerOptions struct{ steps.Signing }

func (o *signerOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "sign with the key `REF`: a cosign key file (password in COSIGN_PASSWORD), env://VAR, a KMS key (awskms://, gcpkms://, azurekms://, hashivault://), or any other scheme through a sigstore-kms-SCHEME plugin on PATH")
	f.BoolVar(&o.Keyless, "keyless", false, "sign keyless: an OIDC token (from GitHub Actions, or --identity-token), a Fulcio certificate and a Rekor entry")
	f.StringVar(&o.IDToken, "identity-token", "", "OIDC token, or a file holding it, for keyless signing (default: $SIGSTORE_ID_TOKEN, else the GitHub Actions ID token)")
	f.StringVar(&o.FulcioURL, "fulcio-url", signing.DefaultFulcioURL, "Fulcio instance for keyless signing")
	f.StringVar(&o.RekorURL, "rekor-url", signing.DefaultRekorURL, "Rekor instance for keyless signing")
	cmd.MarkFlagsMutuallyExclusive("key", "keyless")
}

// spec is the signing the flags ask for, with the run's environment.
func (o *signerOptions) spec(e *env) *steps.Signing {
	o.Getenv, o.Actions = e.getenv, e.actions
	return &o.Signing
}

// modelOptions is the option group of commands that hash a model; signs
// adds the hashing method flags of sign.
type modelOptions struct {
	signs bool
	signing.HashOptions
}

func (o *modelOptions) AddFlags(cmd *cobra.Command) {
	signs := o.signs
	f := cmd.Flags()
	if signs {
		f.StringVar(&o.Method, "method", "files", "how to hash a model folder: files (one digest per file) or shards (one per --shard-size bytes, parallel within large files)")
		f.Int64Var(&o.ShardSize, "shard-size", 1_000_000_000, "shard size in bytes for --method shards")
	}
	f.StringSliceVar(&o.IgnorePaths, "ignore-paths", nil, "model-relative `PATHS` to leave out (.git, .gitattributes, .github, .gitignore and the bundle itself are always left out, as model_signing does)")
	f.BoolVar(&o.AllowSymlinks, "allow-symlinks", false, "follow symlinks inside the model instead of refusing them")
	f.IntVar(&o.Workers, "workers", 0, "files or shards hashed at once (default: one per CPU)")
	checkFlags(cmd, func() error {
		if signs {
			if o.Method != signing.MethodFiles && o.Method != signing.MethodShards {
				return fmt.Errorf("--method %q: want %s or %s", o.Method, signing.MethodFiles, signing.MethodShards)
			}
			if o.ShardSize <= 0 {
				return fmt.Errorf("--shard-size %d: want a size in bytes, 1 or more", o.ShardSize)
			}
		}
		return checkWorkers(cmd, o.Workers)
	})
}

// trustOptions is the option group of verify: whom a signature must come from.
type trustOptions struct{ signing.TrustRefs }

func (o *trustOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "trust the public key `REF`: a PEM file, env://VAR or a KMS URI")
	f.StringVar(&o.Identity, "certificate-identity", "", "keyless: the signer identity (certificate SAN) to require, e.g. https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main")
	f.StringVar(&o.IdentityRegexp, "certificate-identity-regexp", "", "keyless: a regular expression the signer identity must match")
	f.StringVar(&o.Issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer to require, e.g. https://token.actions.githubusercontent.com")
	f.StringVar(&o.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: a regular expression the OIDC issuer must match")
	f.StringVar(&o.TrustedRoot, "trusted-root", "", "Sigstore trusted root `FILE` (JSON) for offline verification (default: fetched from Sigstore's TUF repository)")
	f.StringVar(&o.CertificateChain, "certificate-chain", "", "CA certificates (PEM `FILE`) for model_signing signatures that carry their own certificate chain")
	cmd.MarkFlagsMutuallyExclusive("key", "certificate-identity", "certificate-identity-regexp")
	cmd.MarkFlagsMutuallyExclusive("certificate-oidc-issuer", "certificate-oidc-issuer-regexp")
}
