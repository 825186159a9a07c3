package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

type attestOptions struct {
	signer     signerOptions
	model      modelOptions
	output     outputOptions
	Decision   string
	Bundle     string
	Overwrite  bool
	Datasets   []string
	Metrics    []string
	Policies   []string
	Repository string
	Commit     string
}

func newAttestCmd(e *env) *cobra.Command {
	o := &attestOptions{}
	cmd := &cobra.Command{
		Use:   "attest --decision EVIDENCE [--key REF | --keyless] --bundle OUT MODEL",
		Short: "Sign a promotion attestation: this exact model passed the gate",
		Long: `Sign a promotion attestation: this exact model passed the gate.

The attestation is an in-toto statement over the model's digest (the same
subject digest 'mlgate sign' gives a folder, or a file's sha256) with a SLSA
verification summary predicate (https://slsa.dev/verification_summary/v1)
carrying the gate's decision, and the model's lineage: the digests of the
validated datasets, the metrics files and the policies that decided, and the
code commit. 'mlgate verify --attestation' checks it before a deploy.`,
		Example: `  # after 'mlgate gate --out decision.json', in the same job
  mlgate attest --keyless --decision decision.json --bundle promotion.sigstore.json \
    --dataset data/train.parquet --metrics metrics.json --policy policies/ model/

  # with a key, recording the commit explicitly
  mlgate attest --key cosign.key --decision decision.json --commit "$(git rev-parse HEAD)" \
    --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAttest(cmd, e, o, args[0])
		},
	}
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
	_ = cmd.MarkFlagRequired("decision")
	return cmd
}

func runAttest(cmd *cobra.Command, e *env, o *attestOptions, path string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	ctx := cmd.Context()
	started := e.now()
	decision, err := evidence.Read(o.Decision)
	if err != nil {
		return err
	}
	if decision.Kind != evidence.KindPromotionDecision && decision.Kind != evidence.KindMetricGate {
		return fmt.Errorf("--decision %s is %s evidence, want PromotionDecision or MetricGate", o.Decision, decision.Kind)
	}
	dir, err := isDir(path)
	if err != nil {
		return err
	}
	if o.Bundle == "" {
		o.Bundle = filepath.Clean(path) + ".promotion.sigstore.json"
	}
	name, digest, err := modelDigest(ctx, path, dir, &o.model, o.Bundle)
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
	var pd evidence.PromotionDetails
	if decision.DetailsAs(&pd) == nil {
		lineage.Evidence = pd.Evidence
	}
	decisionRefs, err := fileRefs(o.Decision)
	if err != nil {
		return err
	}
	statement, err := signing.Promotion{
		ModelName: name, ModelDigest: digest, Decision: decision, DecisionRef: decisionRefs[0],
		Verifier: e.tool(), Time: e.now(), Lineage: lineage,
	}.Statement()
	if err != nil {
		return err
	}
	signer, err := o.signer.signer(ctx, e)
	if err != nil {
		return err
	}
	signed, err := signer.SignStatement(ctx, statement)
	if err != nil {
		return err
	}
	if err := writeBundle(o.Bundle, signed.Bundle, o.Overwrite); err != nil {
		return err
	}
	subject := evidence.Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(digest)}}
	doc := evidence.New(evidence.KindAttestation, subject, e.tool(), started)
	result := signing.ResultPassed
	if decision.Status.Failed() {
		result = signing.ResultFailed
	}
	doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusPass,
		Message: fmt.Sprintf("attested that %s %s the gate (%s), signed by %s", name, map[bool]string{true: "passed", false: "did not pass"}[result == signing.ResultPassed], decision.Summary, signerName(signed.Signer))})
	doc.Details = evidence.SignatureDetails{
		Format: "in-toto/dsse", Bundle: o.Bundle, Digest: subject.Digest,
		Signer: &signed.Signer, Tlog: signed.Tlog, PredicateType: signing.VSAPredicateType,
	}
	doc.Summary = fmt.Sprintf("promotion attestation (%s) for %s, bundle %s", result, name, o.Bundle)
	return e.emit(doc, o.output, map[string]string{"bundle": o.Bundle, "digest": "sha256:" + subject.Digest["sha256"]})
}

// modelDigest is the digest an attestation covers: a folder's model-signing
// subject digest (files method, leaving out .git, model.sig and the bundle),
// or a file's sha256.
func modelDigest(ctx context.Context, path string, dir bool, o *modelOptions, bundle string) (string, []byte, error) {
	if !dir {
		d, _, err := signing.FileDigest(ctx, path)
		if err != nil {
			return "", nil, fmt.Errorf("model %s: %w", path, err)
		}
		return filepath.Base(path), d, nil
	}
	opts := o.hashOptions("model.sig", signing.BundleInside(path, bundle))
	opts.Method = signing.MethodFiles
	m, err := signing.HashModel(ctx, path, opts)
	if err != nil {
		return "", nil, err
	}
	return m.Name, m.RootDigest(), nil
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
