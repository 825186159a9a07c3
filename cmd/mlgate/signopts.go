package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
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

// evidenceSignOptions sign a command's evidence document as an in-toto
// attestation (--sign-evidence), so it can cross jobs and forks: the bundle
// is written beside the evidence, OUT.sigstore.json.
type evidenceSignOptions struct {
	Sign bool
	// shared is the signer of sign and attest: their evidence is signed
	// as their model is (--key or --keyless).
	shared *signerOptions
	// own is the signer of other commands: --sign-evidence-key, else keyless.
	own signerOptions
}

func (o *evidenceSignOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	if o.shared != nil {
		f.BoolVar(&o.Sign, "sign-evidence", false, "also sign the evidence (--out) as an in-toto attestation, with --key or --keyless, into OUT.sigstore.json")
		return
	}
	f.BoolVar(&o.Sign, "sign-evidence", false, "also sign the evidence (--out) as an in-toto attestation into OUT.sigstore.json: keyless (GitHub Actions OIDC, Fulcio, Rekor), or with --sign-evidence-key")
	f.StringVar(&o.own.Key, "sign-evidence-key", "", "sign the evidence with the key `REF` (a cosign key file, password in COSIGN_PASSWORD; env://VAR; a KMS URI)")
	f.StringVar(&o.own.IDToken, "identity-token", "", "OIDC token, or a file holding it, for keyless evidence signing (default: $SIGSTORE_ID_TOKEN, else the GitHub Actions ID token)")
	f.StringVar(&o.own.FulcioURL, "fulcio-url", signing.DefaultFulcioURL, "Fulcio instance for keyless evidence signing")
	f.StringVar(&o.own.RekorURL, "rekor-url", signing.DefaultRekorURL, "Rekor instance for keyless evidence signing")
}

// signDocument signs the document written at path (evidence, a profile),
// when asked; about names what it is about. emit has no command context:
// signing is bounded by the clients' own timeouts and retries.
func (o *evidenceSignOptions) signDocument(e *env, path string, about signing.Subjects) error {
	if !o.Sign {
		return nil
	}
	so := o.shared
	if so == nil {
		so = &o.own
		so.Keyless = so.Key == ""
	}
	signed, err := so.spec(e).SignDocument(context.Background(), path, about)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "mlgate: signed evidence %s (%s) into %s\n", actions.SafeLog(path), actions.SafeLog(steps.SignerName(signed.Signer)), actions.SafeLog(signing.EvidenceBundlePath(path)))
	return nil
}

// evidenceTrustOptions say whose signed evidence the gate and the report
// accept. Given, every evidence file must carry a valid signature of that
// key or identity beside it (FILE.sigstore.json); without them evidence is
// read unsigned, as before.
type evidenceTrustOptions struct{ signing.TrustRefs }

func (t *evidenceTrustOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.Key, "evidence-key", "", "accept only evidence signed with the public key `REF` (a PEM file, env://VAR or a KMS URI)")
	f.StringVar(&t.Identity, "evidence-identity", "", "accept only evidence signed keyless by this identity (certificate SAN)")
	f.StringVar(&t.IdentityRegexp, "evidence-identity-regexp", "", "accept only evidence signed keyless by an identity matching this regular expression")
	f.StringVar(&t.Issuer, "evidence-issuer", "", "the OIDC issuer keyless evidence signatures must carry, e.g. https://token.actions.githubusercontent.com")
	f.StringVar(&t.IssuerRegexp, "evidence-issuer-regexp", "", "a regular expression the evidence signatures' OIDC issuer must match")
	f.StringVar(&t.TrustedRoot, "evidence-trusted-root", "", "Sigstore trusted root `FILE` for keyless evidence signatures (default: fetched from Sigstore's TUF repository)")
	cmd.MarkFlagsMutuallyExclusive("evidence-key", "evidence-identity", "evidence-identity-regexp")
	cmd.MarkFlagsMutuallyExclusive("evidence-issuer", "evidence-issuer-regexp")
}

// verifier says how evidence is read (see steps.EvidenceVerifier).
func (t *evidenceTrustOptions) verifier(ctx context.Context) (evidence.Verifier, error) {
	return steps.EvidenceVerifier(ctx, t.TrustRefs)
}

// hints name the flags that give what a step found missing.
var hints = []struct {
	err  error
	hint string
}{
	{steps.ErrIncompleteTrust, "signed evidence needs --evidence-key, or --evidence-identity[-regexp] with --evidence-issuer[-regexp]"},
	{steps.ErrNoTrust, "say whom to trust: --key REF, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp], or --certificate-chain"},
	{steps.ErrNoSigning, "say how to sign: --key REF or --keyless"},
	{steps.ErrNoIdentityToken, "keyless signing needs an OIDC identity token, and outside GitHub Actions there is none to ask for: " +
		"pass --identity-token (a token or a file holding one, e.g. from 'gcloud auth print-identity-token --audiences=sigstore') " +
		"or set SIGSTORE_ID_TOKEN, or sign with --key"},
	{steps.ErrNoMetrics, "--metrics is required: the candidate's metrics file"},
	{steps.ErrNoGateFile, "--config is required: the gate file with the metric rules"},
	{steps.ErrNoRepository, steps.ErrNoRepository.Error() + ": pass --repo OWNER/NAME"},
	{steps.ErrNoPullRequest, steps.ErrNoPullRequest.Error() + ": pass --pr-number"},
}

// flagHint says which flag gives what a step found missing: the hint
// replaces the step's sentence in the message.
func flagHint(err error) error {
	for _, h := range hints {
		if errors.Is(err, h.err) {
			return &hinted{strings.Replace(err.Error(), h.err.Error(), h.hint, 1), err}
		}
	}
	return err
}

// hinted is an error whose message names flags.
type hinted struct {
	msg string
	err error
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }
