package steps

import (
	"context"
	"errors"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

// ErrIncompleteTrust: an identity without an issuer (or the reverse) would
// accept a signature from anyone the other half allows.
var ErrIncompleteTrust = errors.New("signed evidence needs a key, or an identity with an issuer")

// EvidenceVerifier says how evidence is read: nil (unsigned, as before)
// when t names no signer, else a verifier that accepts only evidence signed
// so, checked over the very bytes the step then uses (evidence.Load).
func EvidenceVerifier(ctx context.Context, t signing.TrustRefs) (evidence.Verifier, error) {
	identity, issuer := t.Identity != "" || t.IdentityRegexp != "", t.Issuer != "" || t.IssuerRegexp != ""
	switch {
	case t.Key == "" && !identity && !issuer:
		return nil, nil
	case t.Key == "" && (!identity || !issuer):
		return nil, ErrIncompleteTrust
	}
	trust, err := t.Load(ctx)
	if err != nil {
		return nil, err
	}
	return signing.EvidenceVerifier{Trust: trust}, nil
}
