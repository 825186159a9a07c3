package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mlgate/mlgate/internal/readlimit"
	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/signing"
)

// Signing says how to sign: with a key reference (a cosign key file,
// env://VAR, a KMS URI, or a sigstore-kms plugin), or keyless with an OIDC
// token, a Fulcio certificate and a Rekor entry.
type Signing struct {
	Key     string
	Keyless bool
	// IDToken is an OIDC token, or a file holding one, for keyless signing;
	// empty: SIGSTORE_ID_TOKEN, else the GitHub Actions ID token.
	IDToken             string
	FulcioURL, RekorURL string
	// Getenv reads COSIGN_PASSWORD and SIGSTORE_ID_TOKEN; Actions asks for
	// the workflow's ID token and masks every token in the log.
	Getenv  func(string) string
	Actions *actions.Runtime
}

var (
	// ErrNoSigning: neither a key nor keyless was asked for.
	ErrNoSigning = errors.New("say how to sign: a key reference or keyless")
	// ErrNoIdentityToken: keyless signing outside a workflow, with no token
	// given ("grant id-token: write" would not help).
	ErrNoIdentityToken = errors.New("keyless signing needs an OIDC identity token, and outside GitHub Actions there is none to ask for")
)

// maxIdentityToken bounds an identity token file (a JWT is a few KiB).
const maxIdentityToken = 64 << 10

// Signer builds the signer s asks for.
func (s *Signing) Signer(ctx context.Context) (*signing.Signer, error) {
	if s != nil && s.Getenv == nil {
		s.Getenv = os.Getenv
	}
	switch {
	case s == nil:
		return nil, ErrNoSigning
	case s.Key != "":
		return signing.NewKeySigner(ctx, s.Key, func() ([]byte, error) { return []byte(s.Getenv("COSIGN_PASSWORD")), nil })
	case s.Keyless:
		token, err := s.tokenSource()
		if err != nil {
			return nil, err
		}
		return signing.NewKeylessSigner(ctx, signing.KeylessOptions{Token: token, FulcioURL: s.FulcioURL, RekorURL: s.RekorURL})
	}
	return nil, ErrNoSigning
}

// signers is a key signer, loaded and unlocked before any hashing so a wrong
// password fails at once; keyless signers are made when signing (the
// short-lived token is fetched then). A ready signer is kept.
func (s *Signing) signers(ctx context.Context, ready *signing.Signer, make func(context.Context) (*signing.Signer, error)) (*signing.Signer, func(context.Context) (*signing.Signer, error), error) {
	if ready != nil || make != nil || s == nil {
		return ready, make, nil
	}
	if s.Keyless {
		return nil, s.Signer, nil
	}
	signer, err := s.Signer(ctx)
	return signer, nil, err
}

// tokenSource is IDToken (a token or a file holding it), else
// SIGSTORE_ID_TOKEN, else the GitHub Actions ID token; each is masked.
func (s *Signing) tokenSource() (signing.TokenSource, error) {
	token := s.IDToken
	if token != "" {
		data, err := readlimit.ReadFile(token, maxIdentityToken, "an identity token")
		var tl *readlimit.TooLargeError
		switch {
		case err == nil:
			token = string(data)
		case errors.As(err, &tl):
			return nil, fmt.Errorf("identity token: %w", err)
		}
	} else {
		token = s.Getenv("SIGSTORE_ID_TOKEN")
	}
	rt := s.Actions
	if rt == nil {
		rt = actions.New(s.Getenv, io.Discard)
	}
	if token == "" && !rt.Enabled() && s.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL") == "" {
		return nil, ErrNoIdentityToken
	}
	if token == "" {
		return rt, nil
	}
	rt.Mask(token)
	return signing.StaticToken(token), nil
}

// plan declares the key file and the identity token file as inputs.
func (s *Signing) plan(p *outfile.Plan) {
	if s != nil {
		p.Input("key", keyFile(s.Key))
		p.Input("identity token", existingFile(s.IDToken))
	}
}

// SignDocument signs a JSON document mlgate wrote at path (evidence, a
// profile) as an in-toto attestation into path's bundle (see
// signing.EvidenceBundlePath); about names what it is about.
func (s *Signing) SignDocument(ctx context.Context, path string, about signing.Subjects) (*signing.Signed, error) {
	signer, err := s.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("signing evidence %s: %w", path, err)
	}
	return signer.SignDocument(ctx, path, about)
}

// ErrNoTrust: a verification that names nobody to trust would accept anyone.
var ErrNoTrust = errors.New("say whom to trust: a key, or an identity with an issuer, or a certificate chain")

// LoadTrust loads what refs say to trust.
func LoadTrust(ctx context.Context, refs signing.TrustRefs) (signing.Trust, error) {
	if refs.Key == "" && !refs.Keyless() && refs.CertificateChain == "" {
		return signing.Trust{}, ErrNoTrust
	}
	return refs.Load(ctx)
}
