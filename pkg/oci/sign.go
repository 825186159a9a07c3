package oci

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"

	"github.com/mlgate/mlgate/pkg/signing"
)

// Sigstore bundles in a registry, as cosign's new bundle format stores them:
// an OCI 1.1 referrer whose artifact type and single layer are the bundle.
const (
	BundleArtifactType      = signing.BundleMediaType
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	AnnotationPredicateType = "dev.sigstore.bundle.predicateType"
	CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	maxBundle               = 16 << 20
	maxReferrers            = 1000
	bundleContentDSSE       = "dsse-envelope"
)

// SignStatement is what cosign signs for an artifact in a registry: an
// in-toto statement whose subject is the manifest digest.
func SignStatement(subject ocispec.Descriptor) ([]byte, error) {
	return json.Marshal(map[string]any{
		"_type":         signing.StatementType,
		"subject":       []any{map[string]any{"digest": map[string]string{string(subject.Digest.Algorithm()): subject.Digest.Encoded()}}},
		"predicateType": CosignSignPredicateType,
	})
}

// Attach stores a Sigstore bundle as a referrer of subject. Registries
// without the referrers API get the OCI referrers tag (sha256-<hex>) instead,
// which cosign and oras read too.
func Attach(ctx context.Context, c *Client, subject ocispec.Descriptor, bundle []byte, predicateType string) (ocispec.Descriptor, error) {
	layer := content.NewDescriptorFromBytes(BundleArtifactType, bundle)
	if err := pushBlob(ctx, c, layer, bytesReader(bundle)); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("pushing the bundle: %w", err)
	}
	d, err := oras.PackManifest(ctx, c.Repo, oras.PackManifestVersion1_1, BundleArtifactType, oras.PackManifestOptions{
		Subject: &ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Layers:  []ocispec.Descriptor{layer},
		ManifestAnnotations: map[string]string{
			ocispec.AnnotationCreated: time.Now().UTC().Format(time.RFC3339),
			AnnotationBundleContent:   bundleContentDSSE,
			AnnotationPredicateType:   predicateType,
		},
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("pushing the signature referrer: %w", err)
	}
	return d, nil
}

// Sign signs the artifact subject as cosign sign --new-bundle-format does
// and, for a ModelPack model, also stores its OpenSSF model signature
// computed from the layer digests. It returns the signatures made.
func Sign(ctx context.Context, c *Client, subject ocispec.Descriptor, s *signing.Signer) ([]*signing.Signed, error) {
	st, err := SignStatement(subject)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignStatement(ctx, st)
	if err != nil {
		return nil, err
	}
	if _, err := Attach(ctx, c, subject, sig.Bundle, CosignSignPredicateType); err != nil {
		return nil, err
	}
	out := []*signing.Signed{sig}
	m, err := fetchManifest(ctx, c, subject)
	if err != nil || m.ArtifactType != ModelArtifactType {
		return out, nil
	}
	model, err := FetchModel(ctx, c, subject)
	if err != nil {
		return nil, err
	}
	sm, err := model.SigningManifest()
	if err != nil {
		return nil, err
	}
	msig, err := s.SignManifest(ctx, sm)
	if err != nil {
		return nil, err
	}
	if _, err := Attach(ctx, c, subject, msig.Bundle, signing.ModelPredicateType); err != nil {
		return nil, err
	}
	return append(out, msig), nil
}

// Bundle is a Sigstore bundle found among an artifact's referrers.
type Bundle struct {
	Referrer ocispec.Descriptor
	Data     []byte
}

// Bundles lists the Sigstore bundles stored as referrers of subject (through
// the referrers API, or the referrers tag where the registry lacks it),
// reading only their small manifests and bundle layers.
func Bundles(ctx context.Context, c *Client, subject ocispec.Descriptor) ([]Bundle, error) {
	var refs []ocispec.Descriptor
	// No filter on the artifact type: referrers tag indexes written by
	// go-containerregistry (cosign) record the config media type instead.
	err := c.Repo.Referrers(ctx, subject, "", func(page []ocispec.Descriptor) error {
		for _, d := range page {
			switch d.ArtifactType {
			case BundleArtifactType, ocispec.MediaTypeEmptyJSON, "":
				refs = append(refs, d)
			}
		}
		if len(refs) > maxReferrers {
			return fmt.Errorf("%s has more than %d signature referrers", subject.Digest, maxReferrers)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing referrers of %s: %w", subject.Digest, err)
	}
	var out []Bundle
	for _, r := range refs {
		m, err := fetchManifest(ctx, c, r)
		if err != nil {
			return nil, err
		}
		if m.Subject == nil || m.Subject.Digest != subject.Digest {
			continue // a referrers index entry that does not refer to this subject
		}
		if len(m.Layers) != 1 || m.Layers[0].MediaType != BundleArtifactType || m.Layers[0].Size > maxBundle {
			continue // not a bundle in cosign's layout
		}
		data, err := content.FetchAll(ctx, c.Repo, m.Layers[0])
		if err != nil {
			return nil, fmt.Errorf("fetching bundle %s: %w", m.Layers[0].Digest, err)
		}
		out = append(out, Bundle{Referrer: r, Data: data})
	}
	return out, nil
}

// Verification is what a registry says about one artifact, checked.
type Verification struct {
	Subject ocispec.Descriptor
	// Signature is the valid signature over the manifest digest.
	Signature *signing.Verified
	// Model is the valid OpenSSF model signature whose files are exactly the
	// model's layers (ModelPack only; nil when the registry holds none).
	Model *signing.Verified
	// Attestations are valid signed statements about the digest with the
	// predicate type asked for.
	Attestations []*signing.Verified
	// Rejected counts bundles that did not verify (another signer, another
	// digest, a model signature that does not match the layers).
	Rejected int
}

// ErrNoSignature means no bundle in the registry verifies for the digest.
var ErrNoSignature = errors.New("no valid signature for this digest in the registry")

// Verify checks an artifact from its manifest and referrers only (never the
// layers): a signature by trust over the manifest digest is required; a
// ModelPack model's model signature must also match its layers when present;
// attestations of predicateType (if not empty) are collected and, if asked
// for, at least one must verify.
func Verify(ctx context.Context, c *Client, subject ocispec.Descriptor, trust signing.Trust, attestationType string) (*Verification, error) {
	bundles, err := Bundles(ctx, c, subject)
	if err != nil {
		return nil, err
	}
	out := &Verification{Subject: subject}
	var model *Model
	var firstReject error // why the first rejected bundle did not verify
	for _, b := range bundles {
		v, err := signing.VerifyBundle(b.Data, trust, &signing.Artifact{Digest: mustHex(subject.Digest.Encoded())})
		if err == nil {
			switch predicateType(v.Payload) {
			case CosignSignPredicateType:
				out.Signature = v
			case attestationType:
				if attestationType != "" {
					out.Attestations = append(out.Attestations, v)
				}
			}
			continue
		}
		// A model signature's subject is the model's root digest, not the
		// manifest's: verify the signature, then its files against the layers.
		if firstReject == nil {
			firstReject = err
		}
		v, err = signing.VerifyBundle(b.Data, trust, nil)
		if err != nil || predicateType(v.Payload) != signing.ModelPredicateType {
			out.Rejected++
			continue
		}
		if model == nil {
			if model, err = FetchModel(ctx, c, subject); err != nil {
				return nil, err
			}
		}
		if ok, err := modelMatches(model, v.Payload); err != nil || !ok {
			out.Rejected++
			continue
		}
		out.Model = v
	}
	if out.Signature == nil {
		why := ""
		if out.Rejected > 0 {
			why = fmt.Sprintf(" (%d bundles did not verify; the first: %v)", out.Rejected, firstReject)
		}
		return out, &signing.FailedError{Err: fmt.Errorf("%s: %w%s", subject.Digest, ErrNoSignature, why)}
	}
	if attestationType != "" && len(out.Attestations) == 0 {
		return out, &signing.FailedError{Err: fmt.Errorf("%s: no valid %s attestation in the registry", subject.Digest, attestationType)}
	}
	return out, nil
}

// modelMatches says whether a model statement lists exactly the model's layers.
func modelMatches(m *Model, payload []byte) (bool, error) {
	signed, err := signing.ParseStatement(payload)
	if err != nil {
		return false, err
	}
	local, err := m.SigningManifest()
	if err != nil {
		return false, err
	}
	return len(signing.Compare(signed, local, false)) == 0, nil
}

func predicateType(payload []byte) string {
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return ""
	}
	return st.PredicateType
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
