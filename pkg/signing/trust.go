package signing

import (
	"context"
	"fmt"

	"github.com/mlgate/mlgate/internal/readlimit"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// maxTrustedRootFile bounds a trusted root file (Sigstore's public-good one is
// about 7 KiB; private deployments with many keys stay far below this).
const maxTrustedRootFile = 4 << 20

// TrustRefs names whom to trust by reference: a public key (file, env://VAR
// or KMS URI), a keyless identity and issuer, a trusted root file (offline;
// otherwise fetched from Sigstore's TUF repository for keyless), and CA
// certificates for bundles that carry their own chain.
type TrustRefs struct {
	Key                      string
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
	TrustedRoot              string
	CertificateChain         string
}

// Keyless says an identity is required, so certificates are checked against
// a trusted root.
func (r TrustRefs) Keyless() bool { return r.Identity != "" || r.IdentityRegexp != "" }

// Load resolves the references into a Trust.
func (r TrustRefs) Load(ctx context.Context) (Trust, error) {
	t := Trust{Identity: r.Identity, IdentityRegexp: r.IdentityRegexp, Issuer: r.Issuer, IssuerRegexp: r.IssuerRegexp}
	if r.Key != "" {
		pub, err := LoadPublicKey(ctx, r.Key)
		if err != nil {
			return t, err
		}
		t.PublicKey = pub
	}
	if r.CertificateChain != "" {
		roots, err := ReadCertificates(r.CertificateChain)
		if err != nil {
			return t, err
		}
		t.CARoots = roots
	}
	switch {
	case r.TrustedRoot != "":
		data, err := readlimit.ReadFile(r.TrustedRoot, maxTrustedRootFile, "a Sigstore trusted root")
		if err != nil {
			return t, fmt.Errorf("trusted root: %w", err)
		}
		tr, err := root.NewTrustedRootFromJSON(data)
		if err != nil {
			return t, fmt.Errorf("trusted root %s: %w", r.TrustedRoot, err)
		}
		t.TrustedRoot = tr
	case r.Keyless():
		tr, err := root.FetchTrustedRoot()
		if err != nil {
			return t, fmt.Errorf("fetching Sigstore's trusted root (give a trusted root file to verify offline): %w", err)
		}
		t.TrustedRoot = tr
	}
	return t, nil
}
