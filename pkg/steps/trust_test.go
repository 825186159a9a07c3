package steps

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/signing"
)

func TestEvidenceVerifier(t *testing.T) {
	ctx := context.Background()
	if v, err := EvidenceVerifier(ctx, signing.TrustRefs{TrustedRoot: "root.json"}); v != nil || err != nil {
		t.Fatalf("no signer named: %v %v, want unsigned evidence", v, err)
	}
	for _, half := range []signing.TrustRefs{{Identity: "a@b"}, {IdentityRegexp: "^a"}, {Issuer: "https://x"}, {IssuerRegexp: "x"}} {
		if _, err := EvidenceVerifier(ctx, half); !errors.Is(err, ErrIncompleteTrust) {
			t.Errorf("%+v: %v, want ErrIncompleteTrust", half, err)
		}
	}
	if _, err := EvidenceVerifier(ctx, signing.TrustRefs{Key: "absent.pub"}); err == nil || !strings.Contains(err.Error(), "absent.pub") {
		t.Fatalf("a key that cannot be read: %v", err)
	}
}
