package main

import (
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

type signOptions struct {
	signer    signerOptions
	model     modelOptions
	output    outputOptions
	Bundle    string
	Overwrite bool
}

func newSignCmd(e *env) *cobra.Command {
	o := &signOptions{}
	var reg registryOptions
	cmd := &cobra.Command{
		Use:   "sign [--key REF | --keyless] [--bundle OUT] PATH",
		Short: "Sign a model file or a model folder with Sigstore",
		Long: `Sign a model file or a model folder with Sigstore.

A single file gets a standard Sigstore bundle (v0.3, message signature over its
SHA-256) that 'cosign verify-blob --bundle' accepts. A folder gets an OpenSSF
Model Signing v1.0 signature: an in-toto statement listing every file's sha256
(or every shard's, with --method shards) under one subject digest, signed as
DSSE in a Sigstore bundle, which model_signing verifiers accept. .git and the
bundle itself are left out and recorded as ignored; symlinks are refused unless
--allow-symlinks.

Files are hashed in parallel and streamed: a model is never loaded into memory.`,
		Example: `  # sign a model folder with a cosign key (writes model/model.sig)
  COSIGN_PASSWORD=... mlgate sign --key cosign.key model/

  # sign one file; cosign verify-blob accepts the bundle
  mlgate sign --key cosign.key --bundle model.onnx.sigstore.json model.onnx

  # keyless in GitHub Actions (needs permissions: id-token: write)
  mlgate sign --keyless --out signature.json model/

  # a key from an environment variable or a KMS
  mlgate sign --key env://SIGNING_KEY model/
  mlgate sign --key hashivault://model-signing model/

  # hash large files in 1 GB shards across all cores, leave out a cache folder
  mlgate sign --key cosign.key --method shards --ignore-paths cache model/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if oci.IsReference(args[0]) {
				return runSignOCI(cmd, e, o, &reg, args[0])
			}
			return runSign(cmd, e, o, args[0])
		},
	}
	reg.AddFlags(cmd)
	o.signer.AddFlags(cmd)
	o.model.AddFlags(cmd, true)
	o.output.sign.shared = &o.signer
	o.output.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "write the Sigstore bundle to `FILE` (default: PATH/model.sig for a folder, PATH.sigstore.json for a file)")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing bundle file")
	return cmd
}

// defaultBundle is where the bundle goes when --bundle is not given; verify
// looks in the same place.
func defaultBundle(path string, dir bool) string {
	if dir {
		return filepath.Join(path, "model.sig")
	}
	return path + ".sigstore.json"
}

func runSign(cmd *cobra.Command, e *env, o *signOptions, path string) error {
	dir, err := modelArg(o.output, path)
	if err != nil {
		return err
	}
	if o.model.ShardSize <= 0 {
		return fmt.Errorf("--shard-size %d: a shard must be at least one byte", o.model.ShardSize)
	}
	ctx := cmd.Context()
	started := e.now()
	if o.Bundle == "" {
		o.Bundle = defaultBundle(path, dir)
	}
	p := e.plan()
	p.Input("model", path)
	p.Input("--key", keyFile(o.signer.Key))
	p.Input("--identity-token", existingFile(o.signer.IDToken))
	bundle := planBundle(p, o.Bundle, o.Overwrite, path, dir)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	// A key is loaded and unlocked before hashing, so that a wrong password
	// fails at once, not after hours of hashing.
	signer, err := o.signer.keySigner(ctx, e)
	if err != nil {
		return err
	}
	details := evidence.SignatureDetails{Bundle: o.Bundle}
	subject := evidence.Subject{Name: filepath.Base(filepath.Clean(path))}
	var manifest *signing.Manifest
	var digest []byte
	if dir {
		manifest, err = signing.HashModel(ctx, path, o.model.hashOptions(signing.BundleInside(path, o.Bundle)))
		if err != nil {
			return err
		}
		digest = manifest.RootDigest()
		details.Format, details.Files = "model-signing/v1.0", countFiles(manifest)
		subject.Name, subject.Files, subject.Hashing = manifest.Name, manifestFiles(manifest), hashingOf(manifest)
	} else {
		var size int64
		digest, size, err = signing.FileDigest(ctx, path)
		if err != nil {
			return fmt.Errorf("model %s: %w", path, err)
		}
		details.Format, details.Files = "sigstore-bundle", 1
		subject.Hashing = &evidence.Hashing{Method: evidence.HashingBlob}
		subject.Files = []evidence.File{{Path: subject.Name, Size: size, Digest: map[string]string{"sha256": hex.EncodeToString(digest)}}}
	}
	subject.Digest = map[string]string{"sha256": hex.EncodeToString(digest)}
	if signer == nil {
		if signer, err = o.signer.signer(ctx, e); err != nil {
			return err
		}
	}
	var signed *signing.Signed
	message := "signed " + path
	if dir {
		signed, err = signer.SignManifest(ctx, manifest)
		message = fmt.Sprintf("signed %d files (%s) of %s as %s", details.Files, humanBytes(totalBytes(manifest)), path, manifest.Method)
	} else {
		signed, err = signer.SignFile(ctx, path, digest)
	}
	if err != nil {
		return err
	}
	if err := bundle.Write(signed.Bundle); err != nil {
		return err
	}
	details.Digest = subject.Digest
	details.Signer, details.Tlog = &signed.Signer, signed.Tlog
	doc := evidence.New(evidence.KindSignature, subject, e.tool(), started)
	doc.Add(evidence.Check{ID: "signature", Title: "Signed", Status: evidence.StatusPass,
		Message: message + " by " + signerName(signed.Signer)})
	doc.Details = details
	doc.Summary = fmt.Sprintf("signed %s, bundle %s", subject.Name, o.Bundle)
	return e.emit(doc, o.output, map[string]string{"bundle": o.Bundle, "digest": "sha256:" + subject.Digest["sha256"]})
}

// signerName says who signed in one phrase.
func signerName(s evidence.Signer) string {
	if s.Identity != "" {
		return fmt.Sprintf("%s (issuer %s)", s.Identity, s.Issuer)
	}
	return "key " + s.Key
}

// manifestFiles lists a manifest's files for the evidence subject, with their
// digests when each file has one (the files method).
func manifestFiles(m *signing.Manifest) []evidence.File {
	var files []evidence.File
	index := map[string]int{}
	for _, r := range m.Resources {
		i, ok := index[r.Path]
		if !ok {
			i = len(files)
			index[r.Path] = i
			files = append(files, evidence.File{Path: r.Path})
		}
		files[i].Size += r.Size
		if m.Method == signing.MethodFiles {
			files[i].Digest = map[string]string{"sha256": hex.EncodeToString(r.Digest)}
		}
	}
	return files
}

func countFiles(m *signing.Manifest) int { return len(manifestFiles(m)) }

func totalBytes(m *signing.Manifest) int64 {
	var n int64
	for _, r := range m.Resources {
		n += r.Size
	}
	return n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
