package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/steps"
	"os"
	"slices"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/signing"
)

// registryOptions say how to reach a registry named by an oci:// argument.
type registryOptions struct {
	Insecure bool
}

func (o *registryOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Insecure, "insecure-registry", false, "speak plain HTTP to a registry that is not on loopback (loopback registries always are)")
}

// client opens the repository an oci:// argument names, counting the bytes
// it moves.
func (o *registryOptions) client(e *env, arg string, requireDigest bool) (*oci.Client, *oci.Transfer, error) {
	ref, err := oci.ParseReference(arg)
	if err != nil {
		return nil, nil, err
	}
	if requireDigest && !ref.HasDigest() {
		return nil, nil, fmt.Errorf("%s: name the artifact by digest (@sha256:...), a tag can move", arg)
	}
	tr := &oci.Transfer{}
	c, err := oci.NewClient(ref, oci.Options{Insecure: o.Insecure, Transfer: tr, Getenv: e.getenv})
	return c, tr, err
}

func newPushCmd(e *env) *cobra.Command {
	var reg registryOptions
	cmd := &cobra.Command{
		Use:   "push MODEL_DIR oci://REGISTRY/REPO:TAG",
		Short: "Push a model folder to an OCI registry as a CNCF ModelPack artifact",
		Long: `Push a model folder to an OCI registry as a CNCF ModelPack artifact.

Each file is one uncompressed layer, so every layer digest is the file's
sha256 and the model's OpenSSF model signature can be computed (and verified)
from the manifest alone. Files are streamed from disk; .git metadata is left
out, symlinks are refused. Prints the manifest digest.

Logins come from the docker config and its credential helpers (docker login,
oras login), GITHUB_TOKEN for ghcr.io, else anonymous.`,
		Example: `  mlgate push model/ oci://ghcr.io/acme/models/churn:v3
  mlgate push model/ oci://localhost:5000/churn:dev`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, tr, err := reg.client(e, args[1], false)
			if err != nil {
				return err
			}
			if c.Ref.HasDigest() {
				return fmt.Errorf("%s: push to a tag (or a repository), not a digest", args[1])
			}
			started := time.Now()
			p, err := oci.Push(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			secs := time.Since(started).Seconds()
			ref := c.Ref
			ref.Reference.Reference = p.Manifest.Digest.String()
			fmt.Fprintf(e.stderr, "pushed %d files (%s, %s sent, %.1f MiB/s) of %s\n", p.Files, numfmt.Bytes(p.Bytes), numfmt.Bytes(tr.Sent.Load()), float64(tr.Sent.Load())/(1<<20)/max(secs, 1e-9), args[0])
			fmt.Fprintln(e.stdout, ref.String())
			return nil
		},
	}
	reg.AddFlags(cmd)
	return cmd
}

func newPullCmd(e *env) *cobra.Command {
	var reg registryOptions
	cmd := &cobra.Command{
		Use:   "pull oci://REGISTRY/REPO@sha256:DIGEST DIR",
		Short: "Pull a ModelPack model from an OCI registry into a new folder, checking every layer",
		Long: `Pull a ModelPack model from an OCI registry into a new (or empty) folder.

Every layer is streamed to its file and checked against its digest; a layer
that does not match fails naming its file. File paths that would leave the
folder are refused. Name the model by digest; a tag is accepted only with
--allow-tag, since a tag can move.`,
		Example: `  mlgate pull oci://ghcr.io/acme/models/churn@sha256:3b1f... model/`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			allowTag, _ := cmd.Flags().GetBool("allow-tag")
			c, tr, err := reg.client(e, args[0], !allowTag)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			desc, err := oci.Resolve(ctx, c)
			if err != nil {
				return err
			}
			m, err := oci.Pull(ctx, c, desc, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "pulled %d files (%s received) of %s@%s into %s\n", len(m.Manifest.Layers), numfmt.Bytes(tr.Received.Load()), c.Ref.Repository, desc.Digest, args[1])
			return nil
		},
	}
	cmd.Flags().Bool("allow-tag", false, "accept a tag instead of a digest")
	reg.AddFlags(cmd)
	return cmd
}

// runSignOCI signs an artifact in a registry as cosign sign
// --new-bundle-format does; a ModelPack model also gets its model signature.
func runSignOCI(cmd *cobra.Command, e *env, o *signOptions, reg *registryOptions, arg string) error {
	ctx := cmd.Context()
	started := e.now()
	if o.Bundle != "" {
		return errors.New("--bundle: a registry artifact's signature is stored in the registry, as a referrer")
	}
	if err := o.output.validate(); err != nil {
		return err
	}
	c, tr, err := reg.client(e, arg, false)
	if err != nil {
		return err
	}
	p := e.plan()
	p.Input("--key", keyFile(o.signer.Key))
	p.Input("--identity-token", existingFile(o.signer.IDToken))
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	desc, err := oci.Resolve(ctx, c)
	if err != nil {
		return err
	}
	signer, err := o.signer.keySigner(ctx, e)
	if err != nil {
		return err
	}
	if signer == nil {
		if signer, err = o.signer.signer(ctx, e); err != nil {
			return err
		}
	}
	signed, err := oci.Sign(ctx, c, desc, signer)
	if err != nil {
		return err
	}
	subject := ociSubject(c, desc)
	doc := evidence.New(evidence.KindSignature, subject, e.tool(), started)
	doc.Add(evidence.Check{ID: "signature", Title: "Signed", Status: evidence.StatusPass,
		Message: fmt.Sprintf("signed %s (%d signatures stored as referrers) by %s", subject.Name, len(signed), steps.SignerName(signed[0].Signer))})
	details := evidence.SignatureDetails{Registry: transferOf(c, desc, tr)}
	details.Format, details.Bundle, details.Digest = "sigstore-bundle/oci-referrer", "", subject.Digest
	details.Signer, details.Tlog = &signed[0].Signer, signed[0].Tlog
	doc.Details = details
	doc.Summary = fmt.Sprintf("signed %s in the registry", subject.Name)
	return e.emit(doc, o.output, map[string]string{"digest": desc.Digest.String()})
}

// runVerifyOCI verifies an artifact from its manifest and referrers only.
func runVerifyOCI(cmd *cobra.Command, e *env, o *verifyOptions, reg *registryOptions, arg string) error {
	ctx := cmd.Context()
	started := e.now()
	if o.Bundle != "" {
		return errors.New("--bundle: a registry artifact's signatures are read from the registry")
	}
	if err := o.output.validate(); err != nil {
		return err
	}
	c, tr, err := reg.client(e, arg, true)
	if err != nil {
		return err
	}
	p := e.plan()
	p.Input("--key", keyFile(o.trust.Key))
	p.Input("--trusted-root", o.trust.TrustedRoot)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	trust, err := o.trust.trust(ctx)
	if err != nil {
		return err
	}
	desc, err := oci.Resolve(ctx, c)
	if err != nil {
		return err
	}
	if desc.Digest.String() != c.Ref.Reference.Reference {
		return fmt.Errorf("%s: the registry answered with %s", arg, desc.Digest)
	}
	attType := ""
	if o.Attestation {
		attType = signing.VSAPredicateType
	}
	subject := ociSubject(c, desc)
	doc := evidence.New(evidence.KindVerification, subject, e.tool(), started)
	v, err := oci.Verify(ctx, c, desc, trust, attType)
	// Everything verify read from the registry: manifest, referrers, bundles.
	details := evidence.SignatureDetails{Registry: transferOf(c, desc, tr)}
	details.Format, details.Digest = "sigstore-bundle/oci-referrer", subject.Digest
	var failed *signing.FailedError
	switch {
	case errors.As(err, &failed):
		doc.Add(evidence.Check{ID: "signature", Title: "Signature", Status: evidence.StatusFail, Severity: evidence.SeverityError,
			Message: "signature rejected: " + failed.Error()})
	case err != nil:
		return err
	default:
		details.Signer, details.Tlog = &v.Signature.Signer, v.Signature.Tlog
		doc.Add(steps.SignatureCheck(v.Signature))
		if v.Model != nil {
			doc.Add(evidence.Check{ID: "model-signature", Title: "Model signature", Status: evidence.StatusPass,
				Message: "OpenSSF model signature verified against the layer digests, signed by " + steps.SignerName(v.Model.Signer)})
		}
		for _, a := range v.Attestations {
			sum, err := signing.ParsePromotion(a.Payload)
			if err != nil {
				doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusFail, Severity: evidence.SeverityError,
					Message: "a signed attestation in the registry is not a promotion mlgate reads: " + err.Error()})
				continue
			}
			st, msg := evidence.StatusPass, "promotion attestation verified: "+sum.Result
			if sum.Result != signing.ResultPassed || !slices.Contains(sum.Levels, signing.PromotedLevel) {
				st, msg = evidence.StatusFail, "promotion attestation says the model did not pass the gate: "+sum.Result
			}
			doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: st, Severity: evidence.SeverityError, Message: msg})
			details.PredicateType = signing.VSAPredicateType
		}
	}
	doc.Details = details
	if !doc.Status.Failed() {
		doc.Summary = fmt.Sprintf("%s verified in the registry (%s received)", subject.Name, numfmt.Bytes(details.Registry.BytesReceived))
	}
	return e.emit(doc, o.output, nil)
}

func ociSubject(c *oci.Client, desc ocispec.Descriptor) evidence.Subject {
	return evidence.Subject{
		Name:   c.Ref.Registry + "/" + c.Ref.Repository + "@" + desc.Digest.String(),
		Digest: map[string]string{string(desc.Digest.Algorithm()): desc.Digest.Encoded()},
	}
}

func transferOf(c *oci.Client, desc ocispec.Descriptor, tr *oci.Transfer) *evidence.RegistryTransfer {
	return &evidence.RegistryTransfer{Reference: c.Ref.String(), Digest: desc.Digest.String(),
		BytesReceived: tr.Received.Load(), BytesSent: tr.Sent.Load()}
}

// runAttestOCI attaches the promotion attestation to a ModelPack model in a
// registry, as a referrer over its manifest digest (cosign verify-attestation
// reads it). The gate decided a folder; the model in the registry is bound to
// it by its layers: the OpenSSF model manifest computed from the layer digests
// must be the decision's subject, file for file.
func runAttestOCI(cmd *cobra.Command, e *env, o *attestOptions, reg *registryOptions, arg string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	if o.Bundle != "" {
		return errors.New("--bundle: a registry model's attestation is stored in the registry, as a referrer")
	}
	ctx := cmd.Context()
	started := e.now()
	c, _, err := reg.client(e, arg, true)
	if err != nil {
		return err
	}
	p := e.plan()
	p.Input("--decision", o.Decision)
	p.Input("--key", keyFile(o.signer.Key))
	p.Input("--identity-token", existingFile(o.signer.IDToken))
	p.Input("--dataset", o.Datasets...)
	p.Input("--metrics", o.Metrics...)
	p.Input("--policy", o.Policies...)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	signer, err := o.signer.keySigner(ctx, e)
	if err != nil {
		return err
	}
	decision, decisionDigest, err := evidence.ReadDigest(o.Decision)
	if err != nil {
		return err
	}
	pd, err := steps.Attestable(decision, o.Decision)
	if err != nil {
		return err
	}
	desc, err := oci.Resolve(ctx, c)
	if err != nil {
		return err
	}
	model, err := oci.FetchModel(ctx, c, desc)
	if err != nil {
		return err
	}
	sm, err := model.SigningManifest()
	if err != nil {
		return err
	}
	// The root digest covers the file digests only, so the same files give
	// the same digest whatever else the gate's hashing ignored.
	if h := decision.Subject.Hashing; h.Method != signing.MethodFiles {
		return fmt.Errorf("decision %s hashed the model with method %q; a registry model is bound by its file digests: run the gate with --method files", o.Decision, h.Method)
	}
	if want, got := decision.Subject.Digest["sha256"], hex.EncodeToString(sm.RootDigest()); want != got {
		return fmt.Errorf("decision %s is about another model: it decided sha256:%s, %s has sha256:%s", o.Decision, steps.ShortDigest(want), arg, steps.ShortDigest(got))
	}
	if diff := steps.FileDiff(decision.Subject.Files, steps.ManifestFiles(sm)); diff != "" {
		return fmt.Errorf("decision %s does not list exactly the files of %s: %s", o.Decision, arg, diff)
	}
	req := steps.AttestRequest{Run: e.run(), Decision: o.Decision, Datasets: o.Datasets, Metrics: o.Metrics, Policies: o.Policies,
		Repository: o.Repository, Commit: o.Commit, GitHub: e.github()}
	lineage, inputs, err := req.Lineage(ctx, pd, decisionDigest)
	if err != nil {
		return err
	}
	subject := ociSubject(c, desc)
	digest, err := hex.DecodeString(desc.Digest.Encoded())
	if err != nil {
		return err
	}
	ref := c.Ref
	ref.Reference.Reference = desc.Digest.String()
	statement, err := signing.Promotion{
		ModelName: subject.Name, ModelDigest: digest, ResourceURI: ref.String(),
		Policy:   signing.Ref{URI: steps.ArtifactURI(e.github(), pd.Config.Path), Digest: pd.Config.Digest},
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
	if _, err := oci.Attach(ctx, c, desc, signed.Bundle, signing.VSAPredicateType); err != nil {
		return err
	}
	doc := evidence.New(evidence.KindAttestation, subject, e.tool(), started)
	doc.Add(evidence.Check{ID: "attestation", Title: "Promotion attestation", Status: evidence.StatusPass,
		Message: fmt.Sprintf("attested that %s passed the gate (%s), signed by %s, stored as a referrer", subject.Name, decision.Summary, steps.SignerName(signed.Signer))})
	doc.Details = evidence.SignatureDetails{
		Format: "in-toto/dsse", Digest: subject.Digest,
		Signer: &signed.Signer, Tlog: signed.Tlog, PredicateType: signing.VSAPredicateType,
	}
	doc.Summary = fmt.Sprintf("promotion attestation (%s) for %s, stored in the registry", signing.ResultPassed, subject.Name)
	return e.emit(doc, o.output, map[string]string{"digest": desc.Digest.String()})
}

// pullRegistryPolicies replaces each oci://...@sha256: policy (as conftest
// push stores them) by a temporary folder holding its files, each checked
// against its digest, and returns the references for the decision. cleanup
// removes the folders.
func pullRegistryPolicies(ctx context.Context, e *env, policies []string) (bundles []evidence.FileRef, cleanup func(), err error) {
	var dirs []string
	cleanup = func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	for i, arg := range policies {
		if !oci.IsReference(arg) {
			continue
		}
		var reg registryOptions
		c, _, err := reg.client(e, arg, true)
		if err != nil {
			return nil, cleanup, fmt.Errorf("--policy: %w", err)
		}
		desc, err := oci.Resolve(ctx, c)
		if err != nil {
			return nil, cleanup, fmt.Errorf("--policy: %w", err)
		}
		dir, err := os.MkdirTemp("", "mlgate-policy-")
		if err != nil {
			return nil, cleanup, err
		}
		dirs = append(dirs, dir)
		if _, err := oci.PullPolicy(ctx, c, desc, dir); err != nil {
			return nil, cleanup, fmt.Errorf("--policy %s: %w", arg, err)
		}
		policies[i] = dir
		bundles = append(bundles, evidence.FileRef{Path: arg, Digest: map[string]string{string(desc.Digest.Algorithm()): desc.Digest.Encoded()}})
	}
	return bundles, cleanup, nil
}
