package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
)

// signerOptions is the option group of commands that sign (sign, attest):
// a cosign key reference, or keyless signing with Fulcio and Rekor.
type signerOptions struct {
	Key       string
	Keyless   bool
	IDToken   string
	FulcioURL string
	RekorURL  string
}

func (o *signerOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "sign with the key `REF`: a cosign key file (password in COSIGN_PASSWORD), env://VAR, a KMS key (awskms://, gcpkms://, azurekms://, hashivault://), or any other scheme through a sigstore-kms-SCHEME plugin on PATH")
	f.BoolVar(&o.Keyless, "keyless", false, "sign keyless: an OIDC token (from GitHub Actions, or --identity-token), a Fulcio certificate and a Rekor entry")
	f.StringVar(&o.IDToken, "identity-token", "", "OIDC token, or a file holding it, for keyless signing (default: $SIGSTORE_ID_TOKEN, else the GitHub Actions ID token)")
	f.StringVar(&o.FulcioURL, "fulcio-url", signing.DefaultFulcioURL, "Fulcio instance for keyless signing")
	f.StringVar(&o.RekorURL, "rekor-url", signing.DefaultRekorURL, "Rekor instance for keyless signing")
	cmd.MarkFlagsMutuallyExclusive("key", "keyless")
}

// signer builds the signer the flags ask for.
func (o *signerOptions) signer(ctx context.Context, e *env) (*signing.Signer, error) {
	switch {
	case o.Key != "":
		return signing.NewKeySigner(ctx, o.Key, func() ([]byte, error) { return []byte(e.getenv("COSIGN_PASSWORD")), nil })
	case o.Keyless:
		token, err := o.tokenSource(e)
		if err != nil {
			return nil, err
		}
		return signing.NewKeylessSigner(ctx, signing.KeylessOptions{Token: token, FulcioURL: o.FulcioURL, RekorURL: o.RekorURL})
	}
	return nil, errors.New("say how to sign: --key REF or --keyless")
}

// keySigner is the signer of --key, loaded and unlocked, before any hashing;
// nil for keyless signing, whose short-lived token is fetched when signing.
func (o *signerOptions) keySigner(ctx context.Context, e *env) (*signing.Signer, error) {
	if o.Keyless {
		return nil, nil
	}
	return o.signer(ctx, e)
}

// maxIdentityToken bounds an identity token file (a JWT is a few KiB).
const maxIdentityToken = 64 << 10

// tokenSource is --identity-token (a token or a file holding it), else
// $SIGSTORE_ID_TOKEN, else the GitHub Actions ID token; each is masked.
func (o *signerOptions) tokenSource(e *env) (signing.TokenSource, error) {
	token := o.IDToken
	if token != "" {
		data, err := readlimit.ReadFile(token, maxIdentityToken, "an identity token")
		var tl *readlimit.TooLargeError
		switch {
		case err == nil:
			token = string(data)
		case errors.As(err, &tl):
			return nil, fmt.Errorf("--identity-token: %w", err)
		}
	} else {
		token = e.getenv("SIGSTORE_ID_TOKEN")
	}
	if token == "" && !e.actions.Enabled() && e.getenv("ACTIONS_ID_TOKEN_REQUEST_URL") == "" {
		// Not in a workflow: "grant id-token: write" would not help.
		return nil, errors.New("keyless signing needs an OIDC identity token, and outside GitHub Actions there is none to ask for: " +
			"pass --identity-token (a token or a file holding one, e.g. from 'gcloud auth print-identity-token --audiences=sigstore') " +
			"or set SIGSTORE_ID_TOKEN, or sign with --key")
	}
	if token == "" {
		return e.actions, nil
	}
	e.actions.Mask(token)
	return signing.StaticToken(token), nil
}

// modelOptions is the option group of commands that hash a model; signs
// adds the hashing method flags of sign.
type modelOptions struct {
	signs         bool
	Method        string
	ShardSize     int64
	IgnorePaths   []string
	AllowSymlinks bool
	Workers       int
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

// hashOptions are the flags' hashing; steps.Sign adds the default ignore paths.
func (o *modelOptions) hashOptions() signing.HashOptions {
	return signing.HashOptions{Method: o.Method, ShardSize: o.ShardSize, AllowSymlinks: o.AllowSymlinks, Workers: o.Workers, IgnorePaths: o.IgnorePaths}
}

// planBundle declares a bundle output: an existing file is replaced only with
// --overwrite, and only when it is a Sigstore bundle, so a signature someone
// made (or a model file) is not lost by accident. A model folder may hold its
// bundle, which hashing leaves out.
func planBundle(p *outfile.Plan, path string, overwrite bool, model string, dir bool) *outfile.Output {
	b := p.Output("bundle", path)
	b.Protected, b.Overwrite, b.Replaces = true, overwrite, signing.IsBundleFile
	if dir {
		b.Within = model
	}
	return b
}

// modelArg checks a command's output options and its model path, and says
// whether the model is a folder.
func modelArg(o outputOptions, path string) (bool, error) {
	if err := o.validate(); err != nil {
		return false, err
	}
	return steps.IsDir(path)
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

// trust loads what the flags say to trust.
func (o *trustOptions) trust(ctx context.Context) (signing.Trust, error) {
	if o.Key == "" && !o.Keyless() && o.CertificateChain == "" {
		return signing.Trust{}, errors.New("say whom to trust: --key REF, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp], or --certificate-chain")
	}
	return o.Load(ctx)
}
