package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

type verifyOptions struct {
	trust          trustOptions
	model          modelOptions
	output         outputOptions
	Bundle         string
	Attestation    bool
	IgnoreUnsigned bool
}

func newVerifyCmd(e *env) *cobra.Command {
	o := &verifyOptions{}
	var reg registryOptions
	cmd := &cobra.Command{
		Use:   "verify --bundle B [--key REF | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y] [--trusted-root FILE] PATH",
		Short: "Verify a signed model file or folder, or a promotion attestation",
		Long: `Verify a signed model file or folder, or a promotion attestation.

For a folder, the signature must verify and every file must match it: a
modified, missing, renamed or extra (unsigned) file fails and is named, and so
does a path ignored here that was not ignored at signing. Signatures from
model_signing (0.2 to 1.1, key, certificate and keyless) and cosign
(sign-blob --new-bundle-format) are accepted.

The Verification evidence records the signer: the key fingerprint, or the
certificate identity, issuer and GitHub workflow claims (repository, workflow,
ref, sha, trigger) for policies to require.

With --attestation, the bundle must be a promotion attestation from 'mlgate
attest' over this exact model, recording that it passed the gate.`,
		Example: `  # a folder signed with a key (bundle at model/model.sig)
  mlgate verify --key cosign.pub model/

  # keyless, signed by this repository's release workflow on main
  mlgate verify --bundle model.sig \
    --certificate-identity https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com model/

  # offline, with a trusted root file
  mlgate verify --trusted-root trusted_root.json --certificate-identity-regexp '^https://github.com/acme/' \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com --bundle model.sig model/

  # one file signed by cosign sign-blob --new-bundle-format
  mlgate verify --key cosign.pub --bundle model.onnx.sigstore.json model.onnx

  # require that this exact model passed the gate
  mlgate verify --attestation --key cosign.pub --bundle promotion.sigstore.json model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if oci.IsReference(args[0]) {
				return runVerifyOCI(cmd, e, o, &reg, args[0])
			}
			return runVerify(cmd, e, o, args[0])
		},
	}
	reg.AddFlags(cmd)
	o.trust.AddFlags(cmd)
	o.model.AddFlags(cmd, false)
	o.output.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "the Sigstore bundle `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	cmd.Flags().BoolVar(&o.Attestation, "attestation", false, "the bundle is a promotion attestation (mlgate attest): require that it passed and covers this model")
	cmd.Flags().BoolVar(&o.IgnoreUnsigned, "ignore-unsigned-files", false, "accept files in the folder that the signature does not list")
	return cmd
}

func runVerify(cmd *cobra.Command, e *env, o *verifyOptions, path string) error {
	dir, err := modelArg(o.output, path)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	started := e.now()
	if o.Bundle == "" {
		if o.Attestation {
			return errors.New("--attestation needs --bundle FILE")
		}
		o.Bundle = defaultBundle(path, dir)
	}
	p := e.plan()
	p.Input("model", path)
	p.Input("--bundle", o.Bundle)
	p.Input("--key", keyFile(o.trust.Key))
	p.Input("--trusted-root", o.trust.TrustedRoot)
	p.Input("--certificate-chain", o.trust.CertificateChain)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	data, err := signing.ReadBundle(o.Bundle)
	if err != nil {
		return err
	}
	trust, err := o.trust.trust(ctx)
	if err != nil {
		return err
	}
	doc := evidence.New(evidence.KindVerification, evidence.Subject{Name: filepath.Base(filepath.Clean(path))}, e.tool(), started)
	details := evidence.SignatureDetails{Bundle: o.Bundle}
	switch {
	case o.Attestation:
		err = verifyAttestation(ctx, o, path, data, trust, doc, &details)
	case isMessageSignature(data):
		err = verifyFile(ctx, path, dir, data, trust, doc, &details)
	default:
		err = verifyModelDir(ctx, o, path, data, trust, doc, &details)
	}
	var failed *signing.FailedError
	switch {
	case errors.As(err, &failed):
		doc.Add(evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: "signature rejected: " + failed.Error(), Location: &evidence.Location{File: o.Bundle}})
	case err != nil:
		return err
	}
	details.Digest = doc.Subject.Digest
	doc.Details = details
	if !doc.Status.Failed() {
		doc.Summary = fmt.Sprintf("%s verified: signed by %s", doc.Subject.Name, signerName(*details.Signer))
	}
	return e.emit(doc, o.output, map[string]string{"bundle": o.Bundle})
}

// isMessageSignature tells a single-file bundle from a DSSE one.
func isMessageSignature(data []byte) bool {
	var probe struct {
		MessageSignature json.RawMessage `json:"messageSignature"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.MessageSignature != nil
}

func signatureCheck(v *signing.Verified) evidence.Check {
	return evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusPass,
		Message: "signature verified: signed by " + signerName(v.Signer)}
}

func verifyFile(ctx context.Context, path string, dir bool, data []byte, trust signing.Trust, doc *evidence.Document, details *evidence.SignatureDetails) error {
	if dir {
		return fmt.Errorf("bundle holds a single-file signature but %s is a folder", path)
	}
	digest, size, err := signing.FileDigest(ctx, path)
	if err != nil {
		return fmt.Errorf("model %s: %w", path, err)
	}
	doc.Subject.Digest = map[string]string{"sha256": hex.EncodeToString(digest)}
	doc.Subject.Hashing = &evidence.Hashing{Method: evidence.HashingBlob}
	doc.Subject.Files = []evidence.File{{Path: doc.Subject.Name, Size: size, Digest: doc.Subject.Digest}}
	details.Format, details.Files = "sigstore-bundle", 1
	v, err := signing.VerifyBundle(data, trust, &signing.Artifact{Digest: digest, Open: func() (io.Reader, error) {
		if st, err := os.Stat(path); err == nil && st.Size() > signing.MaxEd25519File {
			return nil, fmt.Errorf("%s is too large to verify a pure Ed25519 signature in memory", path)
		}
		return os.Open(path)
	}})
	if err != nil {
		return err
	}
	details.Signer, details.Tlog = &v.Signer, v.Tlog
	doc.Add(signatureCheck(v))
	return nil
}

func verifyModelDir(ctx context.Context, o *verifyOptions, path string, data []byte, trust signing.Trust, doc *evidence.Document, details *evidence.SignatureDetails) error {
	res, err := signing.VerifyModel(ctx, path, data, trust, signing.ModelOptions{
		IgnorePaths: o.model.IgnorePaths, BundlePath: o.Bundle, IgnoreUnsigned: o.IgnoreUnsigned,
		AllowSymlinks: o.model.AllowSymlinks, Workers: o.model.Workers,
	})
	if err != nil {
		return err
	}
	details.Format = "model-signing/v1.0"
	details.Signer, details.Tlog = &res.Signer, res.Tlog
	details.Files = countFiles(res.Signed)
	doc.Subject.Name = res.Signed.Name
	if doc.Subject.Name == "" {
		doc.Subject.Name = filepath.Base(filepath.Clean(path))
	}
	doc.Subject.Digest = map[string]string{"sha256": hex.EncodeToString(res.Signed.RootDigest())}
	doc.Subject.Files, doc.Subject.Hashing = manifestFiles(res.Local), hashingOf(res.Local)
	doc.Add(signatureCheck(res.Verified))
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
func verifyAttestation(ctx context.Context, o *verifyOptions, path string, data []byte, trust signing.Trust, doc *evidence.Document, details *evidence.SignatureDetails) error {
	details.Format, details.PredicateType = "in-toto/dsse", signing.VSAPredicateType
	v, err := signing.VerifyBundle(data, trust, nil)
	if err != nil {
		return err
	}
	if v.Payload == nil || v.PayloadType != signing.InTotoPayloadType {
		return &signing.FailedError{Err: errors.New("the bundle does not hold an in-toto attestation")}
	}
	details.Signer, details.Tlog = &v.Signer, v.Tlog
	doc.Add(signatureCheck(v))
	p, err := signing.ParsePromotion(v.Payload)
	if err != nil {
		return &signing.FailedError{Err: err}
	}
	if p.Hashing == nil {
		return &signing.FailedError{Err: errors.New("the attestation does not record how the model was hashed (made by an earlier mlgate): attest the model again")}
	}
	ignore, err := signing.CleanIgnorePaths(o.model.IgnorePaths)
	if err != nil {
		return err
	}
	if rel := signing.BundleInside(path, o.Bundle); rel != "" {
		ignore = append(ignore, rel)
	}
	for _, q := range ignore {
		if !slices.Contains(p.Hashing.IgnorePaths, q) {
			doc.Add(evidence.Check{ID: "file." + signing.ProblemIgnore, Title: "Model file", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message:  fmt.Sprintf("%s is ignored here but was not ignored when the model was attested (attested ignore list: %s)", q, strings.Join(p.Hashing.IgnorePaths, ", ")),
				Location: &evidence.Location{File: q}})
		}
	}
	subject, err := hashSubject(ctx, path, *p.Hashing, o.model.Workers)
	if err != nil {
		return err
	}
	doc.Subject = *subject
	got := subject.Digest["sha256"]
	c := evidence.Check{ID: "subject", Title: "Attested model", Status: evidence.StatusPass, Observed: "sha256:" + got, Expected: "sha256:" + p.SubjectDigest,
		Message: fmt.Sprintf("the attestation is about this model (sha256:%s)", short(got))}
	if got != p.SubjectDigest {
		c.Status, c.Severity = evidence.StatusFail, evidence.SeverityError
		c.Message = fmt.Sprintf("the attestation is about another model: it attests sha256:%s, %s is sha256:%s", short(p.SubjectDigest), path, short(got))
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
