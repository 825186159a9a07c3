package steps

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

// AttestRequest asks to sign a promotion attestation: this exact model
// passed the gate.
type AttestRequest struct {
	Run
	Model string
	// Decision is the gate's evidence file (PromotionDecision or MetricGate).
	Decision string
	// Bundle is where the attestation goes (DefaultAttestation when empty);
	// WriteBundle writes it (a new file at Bundle when nil).
	Bundle      string
	WriteBundle Sink
	// Signer, or NewSigner after the model is hashed, as in SignRequest.
	Signer    *signing.Signer
	NewSigner func(context.Context) (*signing.Signer, error)
	Signing   *Signing
	// Overwrite lets Plan replace an existing bundle file.
	Overwrite bool
	// IgnorePaths and AllowSymlinks are what the decision's hashing may have
	// used beyond the defaults; Workers hash the model.
	IgnorePaths   []string
	AllowSymlinks bool
	Workers       int
	// Registry reaches a model named oci://REGISTRY/REPO@sha256:... (a
	// ModelPack model bound to the decision by its layer digests); its
	// attestation is stored there as a referrer, not in Bundle.
	Registry oci.Options
	// Lineage: the datasets, metrics and policies (files or folders), and
	// the code commit (default: the GitHub context's).
	Datasets, Metrics, Policies []string
	Repository, Commit          string
	// ResourceURI names the model (default: ArtifactURI of Model).
	ResourceURI string
	GitHub      *actions.Context
}

// DefaultAttestation is where a model's attestation goes when none is named.
func DefaultAttestation(model string) string {
	return filepath.Clean(model) + ".promotion.sigstore.json"
}

// Attest signs an in-toto statement with a SLSA verification summary over the
// model's digest, recording the gate's decision and the model's lineage. Only
// a decision that promotes exactly this model is signed.
func Attest(ctx context.Context, r AttestRequest) (*evidence.Document, error) {
	var err error
	// The key is unlocked before anything is read or hashed (see Sign).
	if r.Signer, r.NewSigner, err = r.Signing.signers(ctx, r.Signer, r.NewSigner); err != nil {
		return nil, err
	}
	ctx = r.Run.context(ctx)
	started := r.now()
	remote := oci.IsReference(r.Model)
	if remote && r.Bundle != "" {
		return nil, fmt.Errorf("bundle %s: a registry model's attestation is stored in the registry, as a referrer", r.Bundle)
	}
	if !remote {
		dir, err := IsDir(r.Model)
		if err != nil {
			return nil, err
		}
		if r.Bundle == "" {
			r.Bundle = DefaultAttestation(r.Model)
		}
		if dir && signing.BundleInside(r.Model, r.Bundle) != "" {
			return nil, fmt.Errorf("the attestation bundle %s lies inside the model %s: write the attestation outside the model it attests", r.Bundle, r.Model)
		}
	}
	decision, decisionDigest, err := evidence.ReadDigest(r.Decision)
	if err != nil {
		return nil, err
	}
	pd, err := Attestable(decision, r.Decision)
	if err != nil {
		return nil, err
	}
	var (
		subject  *evidence.Subject
		resource string
		write    Sink
		stored   = "bundle " + r.Bundle
	)
	if remote {
		subject, resource, write, err = r.bindRegistry(ctx, decision)
		stored = "stored in the registry as a referrer"
	} else {
		subject, err = r.bindDecision(ctx, decision)
		resource, write = cmp.Or(r.ResourceURI, ArtifactURI(r.GitHub, r.Model)), sinkOr(r.WriteBundle, "bundle", r.Bundle)
	}
	if err != nil {
		return nil, err
	}
	lineage, inputs, err := r.Lineage(ctx, pd, decisionDigest)
	if err != nil {
		return nil, err
	}
	digest, err := hex.DecodeString(subject.Digest["sha256"])
	if err != nil {
		return nil, err
	}
	statement, err := signing.Promotion{
		ModelName: subject.Name, ModelDigest: digest, Hashing: subject.Hashing, ResourceURI: resource,
		Policy:   signing.Ref{URI: ArtifactURI(r.GitHub, pd.Config.Path), Digest: pd.Config.Digest},
		Decision: decision, Inputs: inputs, Verifier: r.Tool, Time: r.now(), Lineage: lineage,
	}.Statement()
	if err != nil {
		return nil, err
	}
	signer, err := signerOf(ctx, r.Signer, r.NewSigner)
	if err != nil {
		return nil, err
	}
	signed, err := signer.SignStatement(ctx, statement)
	if err != nil {
		return nil, err
	}
	if err := write(signed.Bundle); err != nil {
		return nil, err
	}
	doc := r.start(evidence.KindAttestation, *subject, started)
	doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusPass,
		Message: fmt.Sprintf("attested that %s passed the gate (%s), signed by %s, %s", subject.Name, decision.Summary, SignerName(signed.Signer), stored)})
	doc.Details = evidence.SignatureDetails{
		Format: "in-toto/dsse", Bundle: r.Bundle, Digest: subject.Digest,
		Signer: &signed.Signer, Tlog: signed.Tlog, PredicateType: signing.VSAPredicateType,
	}
	doc.Summary = fmt.Sprintf("promotion attestation (%s) for %s, %s", signing.ResultPassed, subject.Name, stored)
	return r.finish(doc), nil
}

// Lineage is what the attestation records beside the decision: the code
// commit, the datasets, metrics and policies by digest, and the evidence the
// decision was made on; inputs are what the verification read (the decision
// and its evidence, each by digest).
func (r AttestRequest) Lineage(ctx context.Context, pd *evidence.PromotionDetails, decisionDigest string) (signing.Lineage, []signing.Ref, error) {
	var gh actions.Context
	if r.GitHub != nil {
		gh = *r.GitHub
	}
	lineage := signing.Lineage{Code: &signing.Code{Repository: cmp.Or(r.Repository, gh.Repository), Commit: cmp.Or(r.Commit, gh.SHA)}}
	if lineage.Code.Repository == "" && lineage.Code.Commit == "" {
		lineage.Code = nil
	}
	for _, group := range []struct {
		paths []string
		into  *[]signing.Ref
	}{{r.Datasets, &lineage.Datasets}, {r.Metrics, &lineage.Metrics}, {r.Policies, &lineage.Policies}} {
		for _, p := range group.paths {
			refs, err := lineageRefs(ctx, p)
			if err != nil {
				return lineage, nil, err
			}
			*group.into = append(*group.into, refs...)
		}
	}
	// Policies the gate read from a registry, by reference and digest.
	for _, b := range pd.PolicyBundles {
		if !slices.ContainsFunc(lineage.Policies, func(p signing.Ref) bool { return p.URI == b.Path }) {
			lineage.Policies = append(lineage.Policies, signing.Ref{URI: b.Path, Digest: b.Digest})
		}
	}
	lineage.Evidence = pd.Evidence
	inputs := []signing.Ref{{Name: r.Decision, Digest: map[string]string{"sha256": decisionDigest}}}
	for _, ref := range pd.Evidence {
		inputs = append(inputs, signing.Ref{Name: ref.Path, Digest: ref.Digest})
	}
	return lineage, inputs, nil
}

// Attestable refuses a decision that does not say, consistently, that the
// model passed: only a promoting decision whose status is its checks' status,
// and which records the model's digest and hashing and the gate file, is signed.
func Attestable(d *evidence.Document, path string) (*evidence.PromotionDetails, error) {
	if d.Kind != evidence.KindPromotionDecision {
		return nil, fmt.Errorf("decision %s is %s evidence, want PromotionDecision", path, d.Kind)
	}
	var pd evidence.PromotionDetails
	if err := d.DetailsAs(&pd); err != nil {
		return nil, fmt.Errorf("decision %s: %w", path, err)
	}
	statuses := make([]evidence.Status, 0, len(d.Checks))
	for _, c := range d.Checks {
		statuses = append(statuses, c.Status)
	}
	switch worst := evidence.Worst(statuses...); {
	case !pd.Promote:
		return nil, fmt.Errorf("decision %s does not promote the model (promote is false, status %s): only a passed gate is attested", path, d.Status)
	case d.Status != worst:
		return nil, fmt.Errorf("decision %s has status %s but its checks say %s", path, d.Status, worst)
	case d.Subject.Hashing == nil || d.Subject.Digest["sha256"] == "":
		return nil, fmt.Errorf("decision %s records no model digest and hashing: %w (decisions of earlier mlgate versions are not accepted)", path, ErrGateWithoutModel)
	case pd.Config == nil || len(pd.Config.Digest) == 0:
		return nil, fmt.Errorf("decision %s does not record the gate file that decided", path)
	}
	for _, r := range pd.Evidence {
		if len(r.Digest) == 0 {
			return nil, fmt.Errorf("decision %s does not record the digest of its evidence %s", path, r.Path)
		}
	}
	return &pd, nil
}

// bindDecision hashes the model the way the decision's subject was hashed, as
// long as that hashing ignores no more than attest would, and requires the
// same digest and files: the attestation is about the model that was decided.
func (r AttestRequest) bindDecision(ctx context.Context, d *evidence.Document) (*evidence.Subject, error) {
	h := *d.Subject.Hashing
	allowed := map[string]bool{}
	for _, p := range ModelHashing(true, r.IgnorePaths...).IgnorePaths {
		allowed[p] = true
	}
	for _, p := range h.IgnorePaths {
		if !allowed[p] {
			return nil, fmt.Errorf("decision %s hashed the model ignoring %s, which attest does not ignore: ignore it here too to accept it", r.Decision, p)
		}
	}
	if h.AllowSymlinks && !r.AllowSymlinks {
		return nil, fmt.Errorf("decision %s hashed the model following symlinks: allow symlinks here too to accept it", r.Decision)
	}
	subject, err := HashSubject(ctx, r.Model, h, r.Workers)
	if err != nil {
		return nil, err
	}
	want, got := d.Subject.Digest["sha256"], subject.Digest["sha256"]
	if want != got {
		return nil, fmt.Errorf("decision %s is about another model: it decided sha256:%s, %s is sha256:%s", r.Decision, ShortDigest(want), r.Model, ShortDigest(got))
	}
	if diff := FileDiff(d.Subject.Files, subject.Files); diff != "" {
		return nil, fmt.Errorf("decision %s does not list exactly the files of %s: %s", r.Decision, r.Model, diff)
	}
	return subject, nil
}

// ArtifactURI names a file of the run as a URI: in GitHub Actions, the file
// in the repository at the commit (git+https://github.com/OWNER/REPO@SHA#PATH);
// elsewhere, or for a file outside the workspace, a file: URI.
func ArtifactURI(gh *actions.Context, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if gh != nil && gh.Actions && gh.Repository != "" && gh.SHA != "" {
		rel := filepath.Clean(path)
		if gh.Workspace != "" {
			if r, err := filepath.Rel(gh.Workspace, abs); err == nil {
				rel = r
			}
		}
		if !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			server := cmp.Or(gh.ServerURL, "https://github.com")
			return "git+" + strings.TrimSuffix(server, "/") + "/" + gh.Repository + "@" + gh.SHA + "#" + filepath.ToSlash(rel)
		}
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// lineageRefs records an oci://...@sha256: reference by its digest (without
// fetching it), or a file or folder as fileRefs does.
func lineageRefs(ctx context.Context, path string) ([]signing.Ref, error) {
	if tpath, opts, ok := (*Remote)(nil).tableArg(path); ok {
		return tableRefs(ctx, tpath, opts)
	}
	if !oci.IsReference(path) {
		return fileRefs(ctx, path)
	}
	ref, err := oci.ParseReference(path)
	if err != nil {
		return nil, fmt.Errorf("lineage input %s: %w", path, err)
	}
	d, err := ref.Digest()
	if err != nil {
		return nil, fmt.Errorf("lineage input %s: name it by digest (@sha256:...), a tag can move", path)
	}
	return []signing.Ref{{URI: path, Digest: map[string]string{string(d.Algorithm()): d.Encoded()}}}, nil
}

// fileRefs records a file, or every file under a folder, with its sha256.
func fileRefs(ctx context.Context, path string) ([]signing.Ref, error) {
	var refs []signing.Ref
	err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("lineage input %s: %w", path, err)
		}
		if d.IsDir() {
			return nil
		}
		sum, _, err := signing.FileDigest(ctx, p)
		if err != nil {
			return fmt.Errorf("lineage input %s: %w", p, err)
		}
		refs = append(refs, signing.Ref{URI: filepath.ToSlash(p), Digest: map[string]string{"sha256": hex.EncodeToString(sum)}})
		return nil
	})
	return refs, err
}
