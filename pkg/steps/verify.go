package steps

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

// VerifyRequest asks to verify a signed model, or a promotion attestation.
type VerifyRequest struct {
	Run
	Model string
	// Bundle is the bundle file (DefaultBundle when empty).
	Bundle string
	Trust  signing.Trust
	// Refs, when set, are loaded into Trust (see LoadTrust).
	Refs *signing.TrustRefs
	// Registry reaches a model named oci://REGISTRY/REPO@sha256:..., whose
	// signatures are referrers there (see VerifyOCI).
	Registry oci.Options
	// Attestation: the bundle is a promotion attestation (Attest) that must
	// record a passed gate over this model.
	Attestation bool
	// IgnorePaths are model-relative paths to leave out; each must have been
	// left out at signing.
	IgnorePaths    []string
	AllowSymlinks  bool
	IgnoreUnsigned bool
	Workers        int
}

// Verify checks the signature and that the model is what was signed. A
// signature that does not verify, or files that do not match, are failed
// checks; a bundle or model that cannot be read is an error.
func Verify(ctx context.Context, r VerifyRequest) (*evidence.Document, error) {
	if r.Refs != nil {
		var err error
		if r.Trust, err = LoadTrust(ctx, *r.Refs); err != nil {
			return nil, err
		}
	}
	if oci.IsReference(r.Model) {
		if err := refuseBundle(r.Bundle); err != nil {
			return nil, err
		}
		return VerifyOCI(ctx, VerifyOCIRequest{Run: r.Run, Ref: r.Model, Registry: r.Registry, Trust: r.Trust, Attestation: r.Attestation})
	}
	ctx = r.Run.context(ctx)
	started := r.now()
	dir, err := IsDir(r.Model)
	if err != nil {
		return nil, err
	}
	if r.Bundle == "" {
		if r.Attestation {
			return nil, errors.New("verifying an attestation needs its bundle")
		}
		r.Bundle = DefaultBundle(r.Model, dir)
	}
	data, err := signing.ReadBundle(r.Bundle)
	if err != nil {
		return nil, err
	}
	doc := r.start(evidence.KindVerification, evidence.Subject{Name: filepath.Base(filepath.Clean(r.Model))}, started)
	details := evidence.SignatureDetails{Bundle: r.Bundle}
	switch {
	case r.Attestation:
		err = verifyAttestation(ctx, r, data, doc, &details)
	case signing.IsMessageSignature(data):
		err = verifyFile(ctx, r, dir, data, doc, &details)
	default:
		err = verifyModelDir(ctx, r, data, doc, &details)
	}
	var failed *signing.FailedError
	switch {
	case errors.As(err, &failed):
		doc.Add(evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: "signature rejected: " + failed.Error(), Location: &evidence.Location{File: r.Bundle}})
	case err != nil:
		return nil, err
	}
	details.Digest = doc.Subject.Digest
	doc.Details = details
	if !doc.Status.Failed() {
		doc.Summary = fmt.Sprintf("%s verified: signed by %s", doc.Subject.Name, SignerName(*details.Signer))
	}
	return r.finish(doc), nil
}

func SignatureCheck(v *signing.Verified) evidence.Check {
	return evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusPass,
		Message: "signature verified: signed by " + SignerName(v.Signer)}
}

func verifyFile(ctx context.Context, r VerifyRequest, dir bool, data []byte, doc *evidence.Document, details *evidence.SignatureDetails) error {
	if dir {
		return fmt.Errorf("bundle holds a single-file signature but %s is a folder", r.Model)
	}
	digest, size, err := signing.FileDigest(ctx, r.Model)
	if err != nil {
		return fmt.Errorf("model %s: %w", r.Model, err)
	}
	doc.Subject.Digest = map[string]string{"sha256": hex.EncodeToString(digest)}
	doc.Subject.Hashing = &evidence.Hashing{Method: evidence.HashingBlob}
	doc.Subject.Files = []evidence.File{{Path: doc.Subject.Name, Size: size, Digest: doc.Subject.Digest}}
	details.Format, details.Files = "sigstore-bundle", 1
	v, err := signing.VerifyBundle(data, r.Trust, signing.FileArtifact(r.Model, digest))
	if err != nil {
		return err
	}
	details.Signer, details.Tlog = &v.Signer, v.Tlog
	doc.Add(SignatureCheck(v))
	return nil
}

func verifyModelDir(ctx context.Context, r VerifyRequest, data []byte, doc *evidence.Document, details *evidence.SignatureDetails) error {
	res, err := signing.VerifyModel(ctx, r.Model, data, r.Trust, signing.ModelOptions{
		IgnorePaths: r.IgnorePaths, BundlePath: r.Bundle, IgnoreUnsigned: r.IgnoreUnsigned,
		AllowSymlinks: r.AllowSymlinks, Workers: r.Workers,
	})
	if err != nil {
		return err
	}
	details.Format = "model-signing/v1.0"
	details.Signer, details.Tlog = &res.Signer, res.Tlog
	details.Files = len(ManifestFiles(res.Signed))
	doc.Subject.Name = res.Signed.Name
	if doc.Subject.Name == "" {
		doc.Subject.Name = filepath.Base(filepath.Clean(r.Model))
	}
	doc.Subject.Digest = map[string]string{"sha256": hex.EncodeToString(res.Signed.RootDigest())}
	doc.Subject.Files, doc.Subject.Hashing = ManifestFiles(res.Local), hashingOf(res.Local)
	doc.Add(SignatureCheck(res.Verified))
	for _, p := range res.Problems {
		doc.Add(evidence.Check{ID: "file." + p.Kind, Title: "Model file", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: p.Message, Location: &evidence.Location{File: p.Path}})
	}
	if len(res.Problems) == 0 {
		doc.Add(evidence.Check{ID: "files", Title: "Model files", Status: evidence.StatusPass,
			Message: fmt.Sprintf("all %d signed files match", details.Files), Total: int64(details.Files)})
	}
	return nil
}

// verifyAttestation checks a promotion attestation: signed by whom trust
// says, recording a passed gate, over this exact model's digest recomputed the
// way the attestation records, ignoring nothing it did not ignore.
func verifyAttestation(ctx context.Context, r VerifyRequest, data []byte, doc *evidence.Document, details *evidence.SignatureDetails) error {
	details.Format, details.PredicateType = "in-toto/dsse", signing.VSAPredicateType
	v, err := signing.VerifyBundle(data, r.Trust, nil)
	if err != nil {
		return err
	}
	if v.Payload == nil || v.PayloadType != signing.InTotoPayloadType {
		return &signing.FailedError{Err: errors.New("the bundle does not hold an in-toto attestation")}
	}
	details.Signer, details.Tlog = &v.Signer, v.Tlog
	doc.Add(SignatureCheck(v))
	p, err := signing.ParsePromotion(v.Payload)
	if err != nil {
		return &signing.FailedError{Err: err}
	}
	if p.Hashing == nil {
		return &signing.FailedError{Err: errors.New("the attestation does not record how the model was hashed (made by an earlier mlgate): attest the model again")}
	}
	ignore, err := signing.CleanIgnorePaths(r.IgnorePaths)
	if err != nil {
		return err
	}
	if rel := signing.BundleInside(r.Model, r.Bundle); rel != "" {
		ignore = append(ignore, rel)
	}
	for _, q := range ignore {
		if !slices.Contains(p.Hashing.IgnorePaths, q) {
			doc.Add(evidence.Check{ID: "file." + signing.ProblemIgnore, Title: "Model file", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message:  fmt.Sprintf("%s is ignored here but was not ignored when the model was attested (attested ignore list: %s)", q, strings.Join(p.Hashing.IgnorePaths, ", ")),
				Location: &evidence.Location{File: q}})
		}
	}
	subject, err := HashSubject(ctx, r.Model, *p.Hashing, r.Workers)
	if err != nil {
		return err
	}
	doc.Subject = *subject
	got := subject.Digest["sha256"]
	c := evidence.Check{ID: "subject", Title: "Attested model", Status: evidence.StatusPass, Observed: "sha256:" + got, Expected: "sha256:" + p.SubjectDigest,
		Message: fmt.Sprintf("the attestation is about this model (sha256:%s)", ShortDigest(got))}
	if got != p.SubjectDigest {
		c.Status, c.Severity = evidence.StatusFail, evidence.SeverityError
		c.Message = fmt.Sprintf("the attestation is about another model: it attests sha256:%s, %s is sha256:%s", ShortDigest(p.SubjectDigest), r.Model, ShortDigest(got))
	}
	doc.Add(c)
	c = evidence.Check{ID: "promotion", Title: "Promotion", Status: evidence.StatusPass,
		Message: fmt.Sprintf("the gate passed this model (%s)", p.Result), Observed: p.Result, Expected: signing.ResultPassed}
	if p.Result != signing.ResultPassed {
		c.Status, c.Severity = evidence.StatusFail, evidence.SeverityError
		c.Message = fmt.Sprintf("the attestation records that this model did not pass the gate (%s)", p.Result)
	}
	doc.Add(c)
	return nil
}
