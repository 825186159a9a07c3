package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/signing"
)

// Planner is a request that names the files it reads and writes on an
// output plan, so that one check (outfile.Plan.Check), before any work,
// refuses a write that would replace an input or a non-regular file. A
// caller declares its own outputs (the evidence) on the same plan. Plan
// also expands data arguments (globs, folders, tables, object URLs; see
// Remote.Files) into the files the step reads.
type Planner interface {
	Plan(ctx context.Context, p *outfile.Plan) error
}

var (
	_ Planner = (*ValidateRequest)(nil)
	_ Planner = (*ValidateMergeRequest)(nil)
	_ Planner = (*InferRequest)(nil)
	_ Planner = (*ConvertRequest)(nil)
	_ Planner = (*DiffRequest)(nil)
	_ Planner = (*ProfileRequest)(nil)
	_ Planner = (*MergeRequest)(nil)
	_ Planner = (*DriftRequest)(nil)
	_ Planner = (*GateRequest)(nil)
	_ Planner = (*PolicyEvalRequest)(nil)
	_ Planner = (*SignRequest)(nil)
	_ Planner = (*VerifyRequest)(nil)
	_ Planner = (*AttestRequest)(nil)
	_ Planner = (*ReportRequest)(nil)
)

func (r *ValidateRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	p.Input("contract", r.Contract)
	return r.Remote.plan(ctx, p, "data file", &r.Data)
}

func (r *ValidateMergeRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	p.Input("contract", r.Contract)
	return r.Remote.plan(ctx, p, "shard evidence", &r.Shards)
}

func (r *InferRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	return r.Remote.plan(ctx, p, "data file", &r.Data)
}

// plan expands data arguments in place (see Files) and declares the files.
func (r *Remote) plan(ctx context.Context, p *outfile.Plan, what string, args *[]string) (err error) {
	if *args, err = r.Files(ctx, *args); err == nil {
		p.Input(what, *args...)
	}
	return err
}

func (r *ConvertRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	p.Input("contract", strings.SplitN(r.Contract, "#", 2)[0])
	return nil
}

func (r *DiffRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	p.Input("contract", r.Old, r.New)
	return nil
}

// Plan declares the data and the profile file (replaced only with
// Overwrite); the profile is then written through the plan.
func (r *ProfileRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	r.WriteProfile = planProfile(p, r.Out, r.Overwrite, r.AfterWrite)
	return r.Remote.plan(ctx, p, "input", &r.Data)
}

func (r *MergeRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	r.WriteProfile = planProfile(p, r.Out, r.Overwrite, r.AfterWrite)
	return r.Remote.plan(ctx, p, "input", &r.Profiles)
}

// planProfile declares the profile output and returns its writer; then runs
// after the profile is written to a file.
func planProfile(p *outfile.Plan, path string, overwrite bool, then Sink) Sink {
	o := p.Output("profile", path)
	o.Protected, o.Overwrite = true, overwrite
	if !o.Set() {
		return nil
	}
	return func(data []byte) error {
		if err := o.Write(data); err != nil {
			return fmt.Errorf("writing the profile: %w", err)
		}
		if o.IsStdout() || then == nil {
			return nil
		}
		return then(data)
	}
}

func (r *DriftRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	if len(r.Reference) == 0 {
		return errors.New("the reference is empty")
	}
	p.Input("drift config", r.Config)
	if err := r.Remote.plan(ctx, p, "reference", &r.Reference); err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	return r.Remote.plan(ctx, p, "current data", &r.Current)
}

func (r *PolicyInputs) plan(p *outfile.Plan) {
	p.Input("gate file", r.Config)
	p.Input("metrics", r.Metrics...)
	p.Input("baseline", r.Baseline...)
	p.Input("evidence", r.Evidence...)
	p.Input("model card", r.ModelCard)
	p.Input("model", r.Model)
}

// Plan: no output may be a file or lie in a folder the gate reads
// (policies, the model).
func (r *GateRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	r.PolicyInputs.plan(p)
	p.Input("policy", local(r.Policies.Paths)...)
	p.Input("policy data", r.Policies.Data...)
	p.Input("dataset", r.Datasets...)
	p.Input("contract", r.Contracts...)
	sarif, junit := p.Output("sarif", r.SARIF), p.Output("junit", r.JUnit)
	r.WriteSARIF, r.WriteJUnit = sarif.Write, junit.Write
	return nil
}

func (r *PolicyEvalRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	r.PolicyInputs.plan(p)
	p.Input("policy", r.Policies.Paths...)
	p.Input("policy data", r.Policies.Data...)
	p.Input("input", r.InputFile)
	return nil
}

// errRegistryBundle: a registry artifact's signatures and attestations are
// referrers there, never bundle files.
var errRegistryBundle = errors.New("bundle: a registry artifact's signatures and attestations are stored in the registry, as referrers")

// Plan declares the model, the key and token files, and the bundle (see
// planBundle).
func (r *SignRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	r.Signing.plan(p)
	var err error
	r.WriteBundle, err = planSigned(p, r.Model, &r.Bundle, r.Overwrite, DefaultBundle)
	return err
}

func (r *VerifyRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	var refs signing.TrustRefs
	if r.Refs != nil {
		refs = *r.Refs
	}
	p.Input("key", keyFile(refs.Key))
	p.Input("trusted root", refs.TrustedRoot)
	if oci.IsReference(r.Model) {
		return refuseBundle(r.Bundle)
	}
	p.Input("certificate chain", refs.CertificateChain)
	dir, err := IsDir(r.Model)
	if err != nil {
		return err
	}
	if r.Bundle == "" {
		if r.Attestation {
			return errors.New("verifying an attestation needs its bundle")
		}
		r.Bundle = DefaultBundle(r.Model, dir)
	}
	p.Input("model", r.Model)
	p.Input("bundle", r.Bundle)
	return nil
}

func (r *AttestRequest) Plan(ctx context.Context, p *outfile.Plan) error {
	p.Input("decision", r.Decision)
	r.Signing.plan(p)
	p.Input("dataset", r.Datasets...)
	p.Input("metrics", r.Metrics...)
	p.Input("policy", local(r.Policies)...)
	var err error
	r.WriteBundle, err = planSigned(p, r.Model, &r.Bundle, r.Overwrite, func(model string, _ bool) string { return DefaultAttestation(model) })
	return err
}

// planSigned declares a model and the bundle its signature goes to (at
// def's path when none is given; see planBundle), or refuses a bundle for a
// model in a registry, whose signatures are referrers there.
func planSigned(p *outfile.Plan, model string, bundle *string, overwrite bool, def func(string, bool) string) (Sink, error) {
	if oci.IsReference(model) {
		return nil, refuseBundle(*bundle)
	}
	dir, err := IsDir(model)
	if err != nil {
		return nil, err
	}
	if *bundle == "" {
		*bundle = def(model, dir)
	}
	p.Input("model", model)
	return planBundle(p, *bundle, overwrite, model, dir), nil
}

func (r *ReportRequest) Plan(ctx context.Context, p *outfile.Plan) (err error) {
	if r.Evidence, err = Globs(r.Evidence); err != nil {
		return err
	}
	p.Input("evidence", r.Evidence...)
	return nil
}

// local leaves out policies in a registry (oci://).
func local(paths []string) []string {
	return slices.DeleteFunc(slices.Clone(paths), oci.IsReference)
}

func refuseBundle(path string) error {
	if path != "" {
		return errRegistryBundle
	}
	return nil
}

// planBundle declares a bundle output: an existing file is replaced only with
// overwrite, and only when it is a Sigstore bundle, so a signature someone
// made (or a model file) is not lost by accident. A model folder may hold its
// bundle, which hashing leaves out.
func planBundle(p *outfile.Plan, path string, overwrite bool, model string, dir bool) Sink {
	b := p.Output("bundle", path)
	b.Protected, b.Overwrite, b.Replaces = true, overwrite, signing.IsBundleFile
	if dir {
		b.Within = model
	}
	return b.Write
}

// keyFile returns a key reference when it names a file (not env://VAR or a
// KMS URI), so it is declared as an input of the run.
func keyFile(ref string) string {
	if strings.Contains(ref, "://") {
		return ""
	}
	return ref
}

// existingFile returns path when it names an existing file (a value that is
// a file or a literal, like an identity token), else "".
func existingFile(path string) string {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return path
	}
	return ""
}
