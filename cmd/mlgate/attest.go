package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

type attestOptions struct {
	signer      signerOptions
	model       modelOptions
	output      outputOptions
	Decision    string
	Bundle      string
	Overwrite   bool
	Datasets    []string
	Metrics     []string
	Policies    []string
	Repository  string
	Commit      string
	ResourceURI string
}

func newAttestCmd(e *env) *cobra.Command {
	o := &attestOptions{}
	var reg registryOptions
	cmd := &cobra.Command{
		Use:   "attest --decision EVIDENCE [--key REF | --keyless] --bundle OUT MODEL",
		Short: "Sign a promotion attestation: this exact model passed the gate",
		Long: `Sign a promotion attestation: this exact model passed the gate.

The attestation is an in-toto statement over the model's digest (the same
subject digest 'mlgate sign' gives a folder, or a file's sha256) with a SLSA
verification summary predicate (https://slsa.dev/verification_summary/v1)
carrying the gate's decision, and the model's lineage: the digests of the
validated datasets, the metrics files and the policies that decided, and the
code commit. 'mlgate verify --attestation' checks it before a deploy.

Only a decision that promotes this exact model is signed: attest refuses one
that does not promote, whose status disagrees with its checks, or whose
subject (digest and files under its recorded hashing; 'mlgate gate --model')
is not MODEL.`,
		Example: `  # after 'mlgate gate --out decision.json', in the same job
  mlgate attest --keyless --decision decision.json --bundle promotion.sigstore.json \
    --dataset data/train.parquet --metrics metrics.json --policy policies/ model/

  # with a key, recording the commit explicitly
  mlgate attest --key cosign.key --decision decision.json --commit "$(git rev-parse HEAD)" \
    --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if oci.IsReference(args[0]) {
				return runAttestOCI(cmd, e, o, &reg, args[0])
			}
			return runAttest(cmd, e, o, args[0])
		},
	}
	reg.AddFlags(cmd)
	o.signer.AddFlags(cmd)
	o.model.AddFlags(cmd, false)
	o.output.sign.shared = &o.signer
	o.output.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.Decision, "decision", "", "the gate's evidence `FILE` (PromotionDecision or MetricGate)")
	f.StringVar(&o.Bundle, "bundle", "", "write the attestation bundle to `FILE` (default: MODEL.promotion.sigstore.json)")
	f.BoolVar(&o.Overwrite, "overwrite", false, "replace an existing bundle file")
	f.StringSliceVar(&o.Datasets, "dataset", nil, "dataset `FILES` that were validated (recorded with their digests)")
	f.StringSliceVar(&o.Metrics, "metrics", nil, "metrics `FILES` the gate read")
	f.StringSliceVar(&o.Policies, "policy", nil, "policy `FILES` or folders that decided")
	f.StringVar(&o.Repository, "repository", "", "code repository (default: $GITHUB_REPOSITORY)")
	f.StringVar(&o.Commit, "commit", "", "code commit (default: $GITHUB_SHA)")
	f.StringVar(&o.ResourceURI, "resource-uri", "", "the model as a `URI` in the attestation (default: git+https://github.com/REPO@SHA#PATH in GitHub Actions, else a file: URI)")
	_ = cmd.MarkFlagRequired("decision")
	return cmd
}

func runAttest(cmd *cobra.Command, e *env, o *attestOptions, path string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	ctx := cmd.Context()
	started := e.now()
	dir, err := isDir(path)
	if err != nil {
		return err
	}
	if o.Bundle == "" {
		o.Bundle = filepath.Clean(path) + ".promotion.sigstore.json"
	}
	p := e.plan()
	p.Input("model", path)
	p.Input("--decision", o.Decision)
	p.Input("--key", keyFile(o.signer.Key))
	p.Input("--identity-token", existingFile(o.signer.IDToken))
	p.Input("--dataset", o.Datasets...)
	p.Input("--metrics", o.Metrics...)
	p.Input("--policy", o.Policies...)
	bundle := planBundle(p, o.Bundle, o.Overwrite, path, dir)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	if dir && signing.BundleInside(path, o.Bundle) != "" {
		return fmt.Errorf("--bundle %s lies inside the model %s: write the attestation outside the model it attests", o.Bundle, path)
	}
	// The key is unlocked before anything is read or hashed (see sign).
	signer, err := o.signer.keySigner(ctx, e)
	if err != nil {
		return err
	}
	decision, decisionDigest, err := evidence.ReadDigest(o.Decision)
	if err != nil {
		return err
	}
	pd, err := attestable(decision, o.Decision)
	if err != nil {
		return err
	}
	subject, err := o.bindDecision(ctx, decision, path)
	if err != nil {
		return err
	}
	lineage := signing.Lineage{Code: &signing.Code{Repository: firstSet(o.Repository, e.getenv("GITHUB_REPOSITORY")), Commit: firstSet(o.Commit, e.getenv("GITHUB_SHA"))}}
	if lineage.Code.Repository == "" && lineage.Code.Commit == "" {
		lineage.Code = nil
	}
	for _, group := range []struct {
		paths []string
		into  *[]signing.Ref
	}{{o.Datasets, &lineage.Datasets}, {o.Metrics, &lineage.Metrics}, {o.Policies, &lineage.Policies}} {
		for _, p := range group.paths {
			refs, err := fileRefs(p)
			if err != nil {
				return err
			}
			*group.into = append(*group.into, refs...)
		}
	}
	lineage.Evidence = pd.Evidence
	// The VSA's inputs are what the verification read: the decision and the
	// evidence documents it was made on, each by digest.
	inputs := []signing.Ref{{Name: o.Decision, Digest: map[string]string{"sha256": decisionDigest}}}
	for _, r := range pd.Evidence {
		inputs = append(inputs, signing.Ref{Name: r.Path, Digest: r.Digest})
	}
	resource := o.ResourceURI
	if resource == "" {
		resource = artifactURI(e.getenv, path)
	}
	digest, err := hex.DecodeString(subject.Digest["sha256"])
	if err != nil {
		return err
	}
	statement, err := signing.Promotion{
		ModelName: subject.Name, ModelDigest: digest, Hashing: subject.Hashing, ResourceURI: resource,
		Policy:   signing.Ref{URI: artifactURI(e.getenv, pd.Config.Path), Digest: pd.Config.Digest},
		Decision: decision, Inputs: inputs, Verifier: e.tool(), Time: e.now(), Lineage: lineage,
	}.Statement()
	if err != nil {
		return err
	}
	if signer == nil {
		if signer, err = o.signer.signer(ctx, e); err != nil {
			return err
		}
	}
	signed, err := signer.SignStatement(ctx, statement)
	if err != nil {
		return err
	}
	if err := bundle.Write(signed.Bundle); err != nil {
		return err
	}
	doc := evidence.New(evidence.KindAttestation, *subject, e.tool(), started)
	doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusPass,
		Message: fmt.Sprintf("attested that %s passed the gate (%s), signed by %s", subject.Name, decision.Summary, signerName(signed.Signer))})
	doc.Details = evidence.SignatureDetails{
		Format: "in-toto/dsse", Bundle: o.Bundle, Digest: subject.Digest,
		Signer: &signed.Signer, Tlog: signed.Tlog, PredicateType: signing.VSAPredicateType,
	}
	doc.Summary = fmt.Sprintf("promotion attestation (%s) for %s, bundle %s", signing.ResultPassed, subject.Name, o.Bundle)
	return e.emit(doc, o.output, map[string]string{"bundle": o.Bundle, "digest": "sha256:" + subject.Digest["sha256"]})
}

// attestable refuses a decision that does not say, consistently, that the
// model passed: only a promoting decision whose status is its checks' status,
// and which records the model's digest and hashing and the gate file, is signed.
func attestable(d *evidence.Document, path string) (*evidence.PromotionDetails, error) {
	if d.Kind != evidence.KindPromotionDecision && d.Kind != evidence.KindMetricGate {
		return nil, fmt.Errorf("--decision %s is %s evidence, want PromotionDecision or MetricGate", path, d.Kind)
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
		return nil, fmt.Errorf("decision %s records no model digest and hashing: run the gate with --model (decisions of earlier mlgate versions are not accepted)", path)
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
func (o *attestOptions) bindDecision(ctx context.Context, d *evidence.Document, path string) (*evidence.Subject, error) {
	h := *d.Subject.Hashing
	allowed := map[string]bool{}
	for _, p := range modelHashing(true, o.model.IgnorePaths...).IgnorePaths {
		allowed[p] = true
	}
	for _, p := range h.IgnorePaths {
		if !allowed[p] {
			return nil, fmt.Errorf("decision %s hashed the model ignoring %s, which attest does not ignore (give --ignore-paths to accept it)", o.Decision, p)
		}
	}
	if h.AllowSymlinks && !o.model.AllowSymlinks {
		return nil, fmt.Errorf("decision %s hashed the model following symlinks: give --allow-symlinks to accept it", o.Decision)
	}
	subject, err := hashSubject(ctx, path, h, o.model.Workers)
	if err != nil {
		return nil, err
	}
	want, got := d.Subject.Digest["sha256"], subject.Digest["sha256"]
	if want != got {
		return nil, fmt.Errorf("decision %s is about another model: it decided sha256:%s, %s is sha256:%s", o.Decision, short(want), path, short(got))
	}
	if diff := fileDiff(d.Subject.Files, subject.Files); diff != "" {
		return nil, fmt.Errorf("decision %s does not list exactly the files of %s: %s", o.Decision, path, diff)
	}
	return subject, nil
}

// artifactURI names a file of the run as a URI: in GitHub Actions, the file
// in the repository at the commit (git+https://github.com/OWNER/REPO@SHA#PATH);
// elsewhere, or for a file outside the workspace, a file: URI.
func artifactURI(getenv func(string) string, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	repo, sha, ws := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_SHA"), getenv("GITHUB_WORKSPACE")
	if getenv("GITHUB_ACTIONS") == "true" && repo != "" && sha != "" {
		rel := filepath.Clean(path)
		if ws != "" {
			if r, err := filepath.Rel(ws, abs); err == nil {
				rel = r
			}
		}
		if !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			server := firstSet(getenv("GITHUB_SERVER_URL"), "https://github.com")
			return "git+" + strings.TrimSuffix(server, "/") + "/" + repo + "@" + sha + "#" + filepath.ToSlash(rel)
		}
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// fileRefs records a file, or every file under a folder, with its sha256.
func fileRefs(path string) ([]signing.Ref, error) {
	var refs []signing.Ref
	err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("lineage input %s: %w", path, err)
		}
		if d.IsDir() {
			return nil
		}
		sum, _, err := signing.FileDigest(context.Background(), p)
		if err != nil {
			return fmt.Errorf("lineage input %s: %w", p, err)
		}
		refs = append(refs, signing.Ref{URI: filepath.ToSlash(p), Digest: map[string]string{"sha256": hex.EncodeToString(sum)}})
		return nil
	})
	return refs, err
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
