package steps

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

// SignRequest asks to sign a model file or folder.
type SignRequest struct {
	Run
	Model string
	// Bundle is where the bundle goes (DefaultBundle when empty); WriteBundle
	// writes it (a new file at Bundle when nil).
	Bundle      string
	WriteBundle Sink
	// Hash says how a folder is hashed; the default ignore paths and a bundle
	// inside the folder are added to its IgnorePaths.
	Hash signing.HashOptions
	// Signer is a key signer, loaded and unlocked before hashing so a wrong
	// password fails at once. NewSigner makes the signer after hashing
	// instead (keyless: its short-lived token is fetched when needed).
	Signer    *signing.Signer
	NewSigner func(context.Context) (*signing.Signer, error)
	// Signing makes Signer or NewSigner when neither is given.
	Signing *Signing
	// Overwrite lets Plan replace an existing bundle file.
	Overwrite bool
	// Registry reaches a model named oci://REGISTRY/REPO@sha256:..., signed
	// there as a referrer (see SignOCI).
	Registry oci.Options
}

// Sign hashes the model, signs it and writes the bundle: a Sigstore bundle
// over a file's sha256, or an OpenSSF model signature over a folder.
func Sign(ctx context.Context, r SignRequest) (*evidence.Document, error) {
	var err error
	if r.Signer, r.NewSigner, err = r.Signing.signers(ctx, r.Signer, r.NewSigner); err != nil {
		return nil, err
	}
	if oci.IsReference(r.Model) {
		if err := refuseBundle(r.Bundle); err != nil {
			return nil, err
		}
		return SignOCI(ctx, SignOCIRequest{Run: r.Run, Ref: r.Model, Registry: r.Registry, Signer: r.Signer, NewSigner: r.NewSigner})
	}
	ctx = r.Run.context(ctx)
	started := r.now()
	dir, err := IsDir(r.Model)
	if err != nil {
		return nil, err
	}
	if r.Bundle == "" {
		r.Bundle = DefaultBundle(r.Model, dir)
	}
	details := evidence.SignatureDetails{Bundle: r.Bundle}
	subject := evidence.Subject{Name: filepath.Base(filepath.Clean(r.Model))}
	var manifest *signing.Manifest
	var digest []byte
	if dir {
		h := r.Hash
		h.IgnorePaths = append(append(signing.DefaultIgnorePaths(), h.IgnorePaths...), signing.BundleInside(r.Model, r.Bundle))
		if manifest, err = signing.HashModel(ctx, r.Model, h); err != nil {
			return nil, err
		}
		digest = manifest.RootDigest()
		details.Format = "model-signing/v1.0"
		subject.Name, subject.Files, subject.Hashing = manifest.Name, ManifestFiles(manifest), hashingOf(manifest)
		details.Files = len(subject.Files)
	} else {
		var size int64
		if digest, size, err = signing.FileDigest(ctx, r.Model); err != nil {
			return nil, fmt.Errorf("model %s: %w", r.Model, err)
		}
		details.Format, details.Files = "sigstore-bundle", 1
		subject.Hashing = &evidence.Hashing{Method: evidence.HashingBlob}
		subject.Files = []evidence.File{{Path: subject.Name, Size: size, Digest: map[string]string{"sha256": hex.EncodeToString(digest)}}}
	}
	subject.Digest = map[string]string{"sha256": hex.EncodeToString(digest)}
	signer, err := signerOf(ctx, r.Signer, r.NewSigner)
	if err != nil {
		return nil, err
	}
	var signed *signing.Signed
	message := "signed " + r.Model
	if dir {
		signed, err = signer.SignManifest(ctx, manifest)
		message = fmt.Sprintf("signed %d files (%s) of %s as %s", details.Files, humanBytes(totalBytes(manifest)), r.Model, manifest.Method)
	} else {
		signed, err = signer.SignFile(ctx, r.Model, digest)
	}
	if err != nil {
		return nil, err
	}
	if err := sinkOr(r.WriteBundle, "bundle", r.Bundle)(signed.Bundle); err != nil {
		return nil, err
	}
	details.Digest = subject.Digest
	details.Signer, details.Tlog = &signed.Signer, signed.Tlog
	doc := r.start(evidence.KindSignature, subject, started)
	doc.Add(evidence.Check{ID: "signature", Title: "Signed", Status: evidence.StatusPass,
		Message: message + " by " + SignerName(signed.Signer)})
	doc.Details = details
	doc.Summary = fmt.Sprintf("signed %s, bundle %s", subject.Name, r.Bundle)
	return r.finish(doc), nil
}

// signerOf is the ready signer, or the one made now (keyless, after hashing).
func signerOf(ctx context.Context, ready *signing.Signer, make func(context.Context) (*signing.Signer, error)) (*signing.Signer, error) {
	switch {
	case ready != nil:
		return ready, nil
	case make == nil:
		return nil, errors.New("no signer: give a key or sign keyless")
	}
	return make(ctx)
}
