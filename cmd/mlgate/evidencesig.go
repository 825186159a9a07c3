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
