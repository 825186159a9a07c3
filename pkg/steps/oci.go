package steps

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/signing"
)

// registryFormat is the signature format of an artifact in a registry: a
// Sigstore bundle stored as an OCI referrer, as cosign's new bundle format.
const registryFormat = "sigstore-bundle/oci-referrer"

// registry is one artifact's repository, with the bytes it moved counted.
type registry struct {
	c  *oci.Client
	tr *oci.Transfer
}

// openRegistry opens the repository an oci:// reference names; requireDigest
// refuses a tag, which can move.
func openRegistry(ref string, opts oci.Options, requireDigest bool) (*registry, error) {
	r, err := oci.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	if requireDigest && !r.HasDigest() {
		return nil, fmt.Errorf("%s: name the artifact by digest (@sha256:...), a tag can move", ref)
	}
	tr := &oci.Transfer{}
	opts.Transfer = tr
	c, err := oci.NewClient(r, opts)
	if err != nil {
		return nil, err
	}
	return &registry{c: c, tr: tr}, nil
}

// resolve finds the artifact's descriptor; a digest reference must be
// answered with that digest.
func (g *registry) resolve(ctx context.Context) (ocispec.Descriptor, error) {
	desc, err := oci.Resolve(ctx, g.c)
	if err != nil {
		return desc, err
	}
	if g.c.Ref.HasDigest() && desc.Digest.String() != g.c.Ref.Reference.Reference {
		return desc, fmt.Errorf("%s: the registry answered with %s", g.c.Ref, desc.Digest)
	}
	return desc, nil
}

// at is the reference by digest.
func (g *registry) at(desc ocispec.Descriptor) string {
	ref := g.c.Ref
	ref.Reference.Reference = desc.Digest.String()
	return ref.String()
}

func (g *registry) subject(desc ocispec.Descriptor) evidence.Subject {
	return evidence.Subject{
		Name:   g.c.Ref.Registry + "/" + g.c.Ref.Repository + "@" + desc.Digest.String(),
		Digest: map[string]string{string(desc.Digest.Algorithm()): desc.Digest.Encoded()},
	}
}

func (g *registry) transfer(desc ocispec.Descriptor) *evidence.RegistryTransfer {
	return &evidence.RegistryTransfer{Reference: g.c.Ref.String(), Digest: desc.Digest.String(),
		BytesReceived: g.tr.Received.Load(), BytesSent: g.tr.Sent.Load()}
}

// PushRequest asks to push a model folder as a CNCF ModelPack artifact.
type PushRequest struct {
	Run
	Model string
	// Ref is oci://REGISTRY/REPO[:TAG]: a tag or repository, not a digest.
	Ref      string
	Registry oci.Options
}

// Transferred is what a push or pull moved.
type Transferred struct {
	// Ref names the artifact by digest.
	Ref            string
	Files          int
	Bytes          int64
	Sent, Received int64
	Elapsed        time.Duration
}

// Push streams a model folder to a registry, one uncompressed layer per
// file, so the layer digests are the files' digests.
func Push(ctx context.Context, r PushRequest) (*Transferred, error) {
	started := r.now()
	g, err := openRegistry(r.Ref, r.Registry, false)
	if err != nil {
		return nil, err
	}
	if g.c.Ref.HasDigest() {
		return nil, fmt.Errorf("%s: push to a tag (or a repository), not a digest", r.Ref)
	}
	card, err := modelCard(r.Model)
	if err != nil {
		return nil, err
	}
	p, err := oci.Push(ctx, g.c, r.Model, card)
	if err != nil {
		return nil, err
	}
	return &Transferred{Ref: g.at(p.Manifest), Files: p.Files, Bytes: p.Bytes,
		Sent: g.tr.Sent.Load(), Received: g.tr.Received.Load(), Elapsed: r.now().Sub(started)}, nil
}

// modelCard reads the model card of a folder (README.md with YAML front
// matter, as on Hugging Face): model_name (or name), version, license (one or
// a list) and description. No card is no card; a card that does not parse
// is an error naming it.
func modelCard(dir string) (*oci.Card, error) {
	path := filepath.Join(dir, "README.md")
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	var m policy.Model
	if err := m.LoadModelCard(path); err != nil {
		return nil, err
	}
	str := func(k string) string { s, _ := m.Metadata[k].(string); return s }
	card := &oci.Card{Name: cmp.Or(str("model_name"), str("name")), Version: str("version"), Description: str("description")}
	switch l := m.Metadata["license"].(type) {
	case string:
		card.Licenses = []string{l}
	case []any:
		for _, v := range l {
			if s, ok := v.(string); ok {
				card.Licenses = append(card.Licenses, s)
			}
		}
	}
	return card, nil
}

// PullRequest asks to pull a ModelPack model into a new (or empty) folder.
type PullRequest struct {
	Run
	// Ref names the model by digest; a tag only with AllowTag.
	Ref      string
	Dir      string
	AllowTag bool
	Registry oci.Options
}

// Pull streams every layer to its file, checking it against its digest.
func Pull(ctx context.Context, r PullRequest) (*Transferred, error) {
	started := r.now()
	g, err := openRegistry(r.Ref, r.Registry, !r.AllowTag)
	if err != nil {
		return nil, err
	}
	desc, err := g.resolve(ctx)
	if err != nil {
		return nil, err
	}
	m, err := oci.Pull(ctx, g.c, desc, r.Dir)
	if err != nil {
		return nil, err
	}
	var size int64
	for _, l := range m.Manifest.Layers {
		size += l.Size
	}
	return &Transferred{Ref: g.at(desc), Files: len(m.Manifest.Layers), Bytes: size,
		Sent: g.tr.Sent.Load(), Received: g.tr.Received.Load(), Elapsed: r.now().Sub(started)}, nil
}

// SignOCIRequest asks to sign an artifact in a registry.
type SignOCIRequest struct {
	Run
	Ref      string
	Registry oci.Options
	// Signer, or NewSigner when none is ready, as in SignRequest.
	Signer    *signing.Signer
	NewSigner func(context.Context) (*signing.Signer, error)
}

// SignOCI signs an artifact in a registry as cosign sign --new-bundle-format
// does (a bundle over the manifest digest, stored as a referrer); a
// ModelPack model also gets its OpenSSF model signature, computed from the
// layer digests without reading the layers.
func SignOCI(ctx context.Context, r SignOCIRequest) (*evidence.Document, error) {
	started := r.now()
	g, err := openRegistry(r.Ref, r.Registry, false)
	if err != nil {
		return nil, err
	}
	desc, err := g.resolve(ctx)
	if err != nil {
		return nil, err
	}
	signer, err := signerOf(ctx, r.Signer, r.NewSigner)
	if err != nil {
		return nil, err
	}
	signed, err := oci.Sign(ctx, g.c, desc, signer)
	if err != nil {
		return nil, err
	}
	subject := g.subject(desc)
	doc := r.start(evidence.KindSignature, subject, started)
	doc.Add(evidence.Check{ID: "signature", Title: "Signed", Status: evidence.StatusPass,
		Message: fmt.Sprintf("signed %s (%d signatures stored as referrers) by %s", subject.Name, len(signed), SignerName(signed[0].Signer))})
	doc.Details = evidence.SignatureDetails{Format: registryFormat, Digest: subject.Digest, Registry: g.transfer(desc),
		Signer: &signed[0].Signer, Tlog: signed[0].Tlog}
	doc.Summary = fmt.Sprintf("signed %s in the registry", subject.Name)
	return r.finish(doc), nil
}

// VerifyOCIRequest asks to verify an artifact in a registry.
type VerifyOCIRequest struct {
	Run
	// Ref names the artifact by digest.
	Ref      string
	Registry oci.Options
	Trust    signing.Trust
	// Attestation requires a promotion attestation saying it passed the gate.
	Attestation bool
}

// VerifyOCI checks an artifact from its manifest and referrers only, never
// its layers: the signature over the manifest digest, a ModelPack model's
// model signature against its layer digests, and with Attestation the
// promotion attestation. The bytes read are in the details.
func VerifyOCI(ctx context.Context, r VerifyOCIRequest) (*evidence.Document, error) {
	started := r.now()
	g, err := openRegistry(r.Ref, r.Registry, true)
	if err != nil {
		return nil, err
	}
	desc, err := g.resolve(ctx)
	if err != nil {
		return nil, err
	}
	attType := ""
	if r.Attestation {
		attType = signing.VSAPredicateType
	}
	subject := g.subject(desc)
	doc := r.start(evidence.KindVerification, subject, started)
	v, err := oci.Verify(ctx, g.c, desc, r.Trust, attType)
	details := evidence.SignatureDetails{Format: registryFormat, Digest: subject.Digest}
	var failed *signing.FailedError
	switch {
	case errors.As(err, &failed):
		doc.Add(evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: "signature rejected: " + failed.Error()})
	case err != nil:
		return nil, err
	default:
		details.Signer, details.Tlog = &v.Signature.Signer, v.Signature.Tlog
		doc.Add(SignatureCheck(v.Signature))
		if v.Model != nil {
			doc.Add(evidence.Check{ID: "model-signature", Title: "Model signature", Status: evidence.StatusPass,
				Message: "OpenSSF model signature verified against the layer digests, signed by " + SignerName(v.Model.Signer)})
		}
		for _, a := range v.Attestations {
			doc.Add(promotionCheck(a.Payload))
			details.PredicateType = signing.VSAPredicateType
		}
	}
	// Everything verify read from the registry: manifest, referrers, bundles.
	details.Registry = g.transfer(desc)
	doc.Details = details
	if !doc.Status.Failed() {
		doc.Summary = fmt.Sprintf("%s verified in the registry (%s received)", subject.Name, numfmt.Bytes(details.Registry.BytesReceived))
	}
	return r.finish(doc), nil
}

// promotionCheck judges a verified attestation found in the registry.
func promotionCheck(payload []byte) evidence.Check {
	c := evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusFail, Severity: evidence.SeverityError}
	sum, err := signing.ParsePromotion(payload)
	switch {
	case err != nil:
		c.Message = "a signed attestation in the registry is not a promotion mlgate reads: " + err.Error()
	case sum.Result != signing.ResultPassed || !slices.Contains(sum.Levels, signing.PromotedLevel):
		c.Message = "promotion attestation says the model did not pass the gate: " + sum.Result
	default:
		c.Status, c.Message = evidence.StatusPass, "promotion attestation verified: "+sum.Result
	}
	return c
}

// bindRegistry binds a decision about a folder to a ModelPack model in a
// registry by its layers: the OpenSSF model manifest computed from the layer
// digests must be the decision's subject, file for file. It returns the
// subject (the manifest digest), its reference by digest, and where the
// attestation goes.
func (r AttestRequest) bindRegistry(ctx context.Context, d *evidence.Document) (*evidence.Subject, string, Sink, error) {
	g, err := openRegistry(r.Model, r.Registry, true)
	if err != nil {
		return nil, "", nil, err
	}
	desc, err := g.resolve(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	model, err := oci.FetchModel(ctx, g.c, desc)
	if err != nil {
		return nil, "", nil, err
	}
	sm, err := model.SigningManifest()
	if err != nil {
		return nil, "", nil, err
	}
	// The root digest covers the file digests only, so the same files give
	// the same digest whatever else the gate's hashing ignored.
	if d.Subject.Hashing.Method != signing.MethodFiles {
		return nil, "", nil, fmt.Errorf("decision %s hashed the model with method %q; a registry model is bound by its file digests: run the gate with the files method", r.Decision, d.Subject.Hashing.Method)
	}
	if want, got := d.Subject.Digest["sha256"], hex.EncodeToString(sm.RootDigest()); want != got {
		return nil, "", nil, fmt.Errorf("decision %s is about another model: it decided sha256:%s, %s has sha256:%s", r.Decision, ShortDigest(want), r.Model, ShortDigest(got))
	}
	if diff := FileDiff(d.Subject.Files, ManifestFiles(sm)); diff != "" {
		return nil, "", nil, fmt.Errorf("decision %s does not list exactly the files of %s: %s", r.Decision, r.Model, diff)
	}
	subject := g.subject(desc)
	attach := func(bundle []byte) error {
		_, err := oci.Attach(ctx, g.c, desc, bundle, signing.VSAPredicateType)
		return err
	}
	return &subject, g.at(desc), attach, nil
}

// RegistryPolicies fetches each oci://...@sha256: policy (as `conftest push`
// or `opa build` store them) into a temporary folder, every file checked
// against its digest, and replaces the reference in policies by the folder.
// With trust set, each policy must carry a valid signature by it over its
// manifest digest. It returns the policies by reference and digest, for the
// decision; cleanup removes the folders.
func RegistryPolicies(ctx context.Context, opts oci.Options, trust *signing.Trust, policies []string) (bundles []evidence.FileRef, cleanup func(), err error) {
	var dirs []string
	cleanup = func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	for i, ref := range policies {
		if !oci.IsReference(ref) {
			continue
		}
		g, err := openRegistry(ref, opts, true)
		if err != nil {
			return nil, cleanup, fmt.Errorf("policy: %w", err)
		}
		desc, err := g.resolve(ctx)
		if err != nil {
			return nil, cleanup, fmt.Errorf("policy: %w", err)
		}
		if trust != nil {
			if _, err := oci.Verify(ctx, g.c, desc, *trust, ""); err != nil {
				return nil, cleanup, fmt.Errorf("policy %s must be signed: %w", ref, err)
			}
		}
		dir, err := os.MkdirTemp("", "mlgate-policy-")
		if err != nil {
			return nil, cleanup, err
		}
		dirs = append(dirs, dir)
		if _, err := oci.PullPolicy(ctx, g.c, desc, dir); err != nil {
			return nil, cleanup, fmt.Errorf("policy %s: %w", ref, err)
		}
		policies[i] = dir
		bundles = append(bundles, evidence.FileRef{Path: ref, Digest: g.subject(desc).Digest})
	}
	return bundles, cleanup, nil
}
