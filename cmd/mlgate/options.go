package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/oci"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/policy"
	"github.com/mlgate/mlgate/pkg/signing"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// options is an option group: flags several commands share, defined once and
// bound straight into a step request's fields (as cosign's options are).
type options interface {
	AddFlags(cmd *cobra.Command)
}

var (
	_ options = (*outputOptions)(nil)
	_ options = (*scanOptions)(nil)
	_ options = (*tableOptions)(nil)
	_ options = (*signerOptions)(nil)
	_ options = (*modelOptions)(nil)
	_ options = (*trustOptions)(nil)
	_ options = (*registryOptions)(nil)
	_ options = (*evidenceSignOptions)(nil)
	_ options = (*policyInputOptions)(nil)
	_ options = (*profileOutputOptions)(nil)
	_ options = (*contractOutput)(nil)
	_ options = (*githubOptions)(nil)
)

func withFlags(cmd *cobra.Command, groups ...options) *cobra.Command {
	for _, g := range groups {
		g.AddFlags(cmd)
	}
	return cmd
}

// checkFlags adds a check of flag values that runs before the command does
// any work (cobra's PreRunE), after the checks added before it.
func checkFlags(cmd *cobra.Command, check func() error) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(c, args); err != nil {
				return err
			}
		}
		return check()
	}
}

// maxWorkers bounds --workers: more goroutines than this only cost memory.
const maxWorkers = 1024

// workersFlag adds --workers, range-checked when given (0: one per CPU).
func workersFlag(cmd *cobra.Command, p *int, usage string) {
	cmd.Flags().IntVar(p, "workers", 0, usage)
	checkFlags(cmd, func() error {
		if cmd.Flags().Changed("workers") && (*p < 1 || *p > maxWorkers) {
			return fmt.Errorf("--workers %d: want 1 to %d", *p, maxWorkers)
		}
		return nil
	})
}

// formatFlag adds --format, how to print what: text for people, json for
// scripts, markdown for a job summary or a comment.
func formatFlag(cmd *cobra.Command, p *string, def, what string) {
	cmd.Flags().StringVar(p, "format", def, "how to print the "+what+": text, json or markdown")
	checkFlags(cmd, func() error {
		switch *p {
		case "text", "json", "markdown":
			return nil
		}
		return fmt.Errorf("--format %q: want text, json or markdown", *p)
	})
}

// deprecatedAlias keeps a renamed string flag's old name working for older
// workflows: hidden, warning on standard error (cobra's own notice goes to
// standard output, which may carry the output).
func deprecatedAlias(cmd *cobra.Command, old, renamed string, p *string) {
	cmd.Flags().StringVar(p, old, "", "the old name of --"+renamed)
	_ = cmd.Flags().MarkHidden(old)
	checkFlags(cmd, func() error {
		if cmd.Flags().Changed(old) {
			fmt.Fprintf(cmd.ErrOrStderr(), "mlgate: warning: --%s is deprecated: use --%s\n", old, renamed)
		}
		return nil
	})
}

// outputOptions is the group of every evidence-writing command: the evidence
// file, the summary's format and the evidence's signature.
type outputOptions struct {
	Out, Format string
	sign        evidenceSignOptions
	file        *outfile.Output // once planned: emit writes only that
}

func (o *outputOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the evidence document (JSON) to `FILE` (- for standard output)")
	formatFlag(cmd, &o.Format, "text", "summary")
	o.sign.AddFlags(cmd)
	checkFlags(cmd, func() error {
		if o.sign.Sign && o.Out == "" {
			return errors.New("--sign-evidence signs the evidence file: give --out FILE")
		}
		return nil
	})
}

// scanOptions is the group of commands that read Parquet data: the scan's
// bounds, and how remote data and tables are reached (see remote).
type scanOptions struct {
	scan                *parquetx.ScanOptions
	maxPageSize, memory int64 // MiB
	Endpoint            string
	NoSignRequest       bool
	Table               tableOptions
}

// outsideHeap is what a run holds beside the Go heap: the binary's
// resident pages and the runtime's own.
const outsideHeap = 48 << 20

// maxPageMiB bounds the sizes in MiB (1 TiB): no page is larger, and the
// size in bytes stays far from overflowing.
const maxPageMiB = 1 << 20

func (o *scanOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	workersFlag(cmd, &o.scan.Workers, "column chunks read in parallel (default: the number of CPUs)")
	f.Int64Var(&o.maxPageSize, "max-page-size", parquetx.DefaultMaxPageSize>>20, "refuse Parquet pages larger than this many `MiB` uncompressed")
	f.Int64Var(&o.memory, "memory", parquetx.DefaultMemory>>20, "memory budget in `MiB`: the pages being read share it (a page larger than it is read alone) and the Go heap is kept near it")
	f.StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible server for s3:// data (default: AWS, or AWS_ENDPOINT_URL_S3)")
	f.BoolVar(&o.NoSignRequest, "no-sign-request", false, "read s3://, gs:// and az:// data anonymously (public buckets)")
	o.Table.AddFlags(cmd)
	checkFlags(cmd, func() error {
		if o.memory < 16 || o.memory > maxPageMiB {
			return fmt.Errorf("--memory %d: want 16 to %d MiB", o.memory, maxPageMiB)
		}
		if o.maxPageSize < 1 || o.maxPageSize > maxPageMiB {
			return fmt.Errorf("--max-page-size %d: want 1 to %d MiB", o.maxPageSize, maxPageMiB)
		}
		o.scan.MaxPageSize, o.scan.Memory = o.maxPageSize<<20, o.memory<<20
		// The heap's soft limit too, so garbage does not pile up beyond it:
		// less what the process holds outside the Go heap, mostly the
		// binary's own pages (about 50 MiB resident).
		debug.SetMemoryLimit(max(o.scan.Memory-outsideHeap, o.scan.Memory/2))
		return nil
	})
}

// remote is the run's client for object URLs (s3://, gs://, az://,
// https://) and tables, closed when the run ends.
func (o *scanOptions) remote(e *env) *steps.Remote {
	e.remote = steps.NewRemote(objstore.Options{Endpoint: o.Endpoint, Anonymous: o.NoSignRequest})
	e.remote.Table = &o.Table.Options
	return e.remote
}

// tableOptions choose the version of data arguments that are lakehouse
// tables (Delta, Iceberg), unless an argument pins its own: TABLE@VERSION.
type tableOptions struct {
	table.Options
	asOf  string
	since int64
}

func (f *tableOptions) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Int64Var(&f.Version, "table-version", 0, "read table arguments at this Delta `version` or Iceberg snapshot id (default: the current one)")
	fs.StringVar(&f.asOf, "as-of", "", "read table arguments as of this `time` (RFC 3339 or YYYY-MM-DD, UTC): the last version committed then")
	fs.Int64Var(&f.since, "since", 0, "incremental: check only the data table arguments added after this Delta `version` or Iceberg snapshot id (row bounds and uniqueness still see the whole table)")
	checkFlags(cmd, func() error {
		if !fs.Changed("table-version") {
			f.Version = -1 // the current one
		}
		if fs.Changed("since") && f.since >= 0 {
			f.Since = &f.since
		}
		if f.asOf == "" {
			return nil
		} else if f.Version >= 0 {
			return fmt.Errorf("--as-of and --table-version: choose one")
		}
		t, err := time.Parse(time.RFC3339Nano, f.asOf)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, f.asOf); err != nil {
				return fmt.Errorf("--as-of %q: want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD", f.asOf)
			}
			t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
		}
		f.AsOf = t
		return nil
	})
}

// signerOptions is the group of sign and attest: a cosign key reference, or
// keyless signing with Fulcio and Rekor.
type signerOptions struct{ steps.Signing }

// newSigner reads COSIGN_PASSWORD and SIGSTORE_ID_TOKEN from the run's
// environment and masks tokens in its log.
func newSigner(e *env) *signerOptions {
	return &signerOptions{steps.Signing{Getenv: e.getenv, Actions: e.actions}}
}

func (o *signerOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Key, "key", "", "sign with the key `REF`: a cosign key file (password in COSIGN_PASSWORD), env://VAR, a KMS key (awskms://, gcpkms://, azurekms://, hashivault://), or any other scheme through a sigstore-kms-SCHEME plugin on PATH")
	f.BoolVar(&o.Keyless, "keyless", false, "sign keyless: an OIDC token (from GitHub Actions, or --identity-token), a Fulcio certificate and a Rekor entry")
	o.keylessFlags(cmd, "")
	cmd.MarkFlagsMutuallyExclusive("key", "keyless")
}

// keylessFlags add the token and Sigstore instances of keyless what-signing.
func (o *signerOptions) keylessFlags(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.StringVar(&o.IDToken, "identity-token", "", "OIDC token, or a file holding it, for keyless "+what+"signing (default: $SIGSTORE_ID_TOKEN, else the GitHub Actions ID token)")
	f.StringVar(&o.FulcioURL, "fulcio-url", signing.DefaultFulcioURL, "Fulcio instance for keyless "+what+"signing")
	f.StringVar(&o.RekorURL, "rekor-url", signing.DefaultRekorURL, "Rekor instance for keyless "+what+"signing")
}

// modelOptions is the group of commands that hash a model; sign also binds
// the hashing method.
type modelOptions struct {
	IgnorePaths   *[]string
	AllowSymlinks *bool
	Workers       *int
	Method        *string
	ShardSize     *int64
}

func (o *modelOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	if o.Method != nil {
		f.StringVar(o.Method, "method", "files", "how to hash a model folder: files (one digest per file) or shards (one per --shard-size bytes, parallel within large files)")
		f.Int64Var(o.ShardSize, "shard-size", 1_000_000_000, "shard size in bytes for --method shards")
		checkFlags(cmd, func() error {
			if *o.Method != signing.MethodFiles && *o.Method != signing.MethodShards {
				return fmt.Errorf("--method %q: want %s or %s", *o.Method, signing.MethodFiles, signing.MethodShards)
			}
			if *o.ShardSize <= 0 {
				return fmt.Errorf("--shard-size %d: want a size in bytes, 1 or more", *o.ShardSize)
			}
			return nil
		})
	}
	f.StringSliceVar(o.IgnorePaths, "ignore-paths", nil, "model-relative `PATHS` to leave out (.git, .gitattributes, .github, .gitignore and the bundle itself are always left out, as model_signing does)")
	f.BoolVar(o.AllowSymlinks, "allow-symlinks", false, "follow symlinks inside the model instead of refusing them")
	workersFlag(cmd, o.Workers, "files or shards hashed at once (default: one per CPU)")
}

// trustOptions say whose signatures a command accepts. One group under
// three sets of names: verify's own (--key, --certificate-identity, ...),
// --evidence-* for signed evidence and --policy-* for the gate's oci://
// policies.
type trustOptions struct {
	signing.TrustRefs
	prefix string // "", "evidence-" or "policy-"
}

func (o *trustOptions) AddFlags(cmd *cobra.Command) {
	f, p := cmd.Flags(), o.prefix
	what := map[string]string{"": "signatures", "evidence-": "evidence signatures", "policy-": "oci:// policy signatures"}[p]
	identity, issuer := p+"certificate-identity", p+"certificate-oidc-issuer"
	if p == "evidence-" { // the names signed evidence was given first
		identity, issuer = p+"identity", p+"issuer"
	}
	f.StringVar(&o.Key, p+"key", "", "accept only "+what+" made with the public key `REF`: a PEM file, env://VAR or a KMS URI")
	f.StringVar(&o.Identity, identity, "", "keyless: accept only "+what+" by this identity (certificate SAN), e.g. https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main")
	f.StringVar(&o.IdentityRegexp, identity+"-regexp", "", "keyless: a regular expression the signer identity must match")
	f.StringVar(&o.Issuer, issuer, "", "keyless: the OIDC issuer to require, e.g. https://token.actions.githubusercontent.com")
	f.StringVar(&o.IssuerRegexp, issuer+"-regexp", "", "keyless: a regular expression the OIDC issuer must match")
	f.StringVar(&o.TrustedRoot, p+"trusted-root", "", "Sigstore trusted root `FILE` (JSON) for keyless signatures (default: fetched from Sigstore's TUF repository)")
	if p == "" {
		f.StringVar(&o.CertificateChain, "certificate-chain", "", "CA certificates (PEM `FILE`) for model_signing signatures that carry their own certificate chain")
	}
	cmd.MarkFlagsMutuallyExclusive(p+"key", identity, identity+"-regexp")
	cmd.MarkFlagsMutuallyExclusive(issuer, issuer+"-regexp")
}

// verifier says how evidence is read (see steps.EvidenceVerifier).
func (o *trustOptions) verifier(ctx context.Context) (evidence.Verifier, error) {
	return steps.EvidenceVerifier(ctx, o.TrustRefs)
}

// registryOptions say how to reach a registry named by an oci:// argument.
type registryOptions struct{ *oci.Options }

// newRegistry binds to o, with logins from the run's environment.
func newRegistry(e *env, o *oci.Options) *registryOptions {
	o.Getenv = e.getenv
	return &registryOptions{o}
}

func (o *registryOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Insecure, "insecure-registry", false, "speak plain HTTP to a registry that is not on loopback (loopback registries always are)")
}

// evidenceSignOptions sign a command's evidence as an in-toto attestation
// beside it (OUT.sigstore.json), so it can cross jobs and forks.
type evidenceSignOptions struct {
	Sign bool
	// shared is sign's and attest's signer (their evidence is signed as
	// their model is); own, other commands': --sign-evidence-key or keyless.
	shared *signerOptions
	own    signerOptions
}

func (o *evidenceSignOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	if o.shared != nil {
		f.BoolVar(&o.Sign, "sign-evidence", false, "also sign the evidence (--out) as an in-toto attestation, with --key or --keyless, into OUT.sigstore.json")
		return
	}
	f.BoolVar(&o.Sign, "sign-evidence", false, "also sign the evidence (--out) as an in-toto attestation into OUT.sigstore.json: keyless (GitHub Actions OIDC, Fulcio, Rekor), or with --sign-evidence-key")
	f.StringVar(&o.own.Key, "sign-evidence-key", "", "sign the evidence with the key `REF` (a cosign key file, password in COSIGN_PASSWORD; env://VAR; a KMS URI)")
	o.own.keylessFlags(cmd, "evidence ")
}

// signDocument signs the document at path (evidence, a profile) when asked.
// emit has no command context: the clients' own timeouts bound signing.
func (o *evidenceSignOptions) signDocument(e *env, path string, about signing.Subjects) error {
	if !o.Sign {
		return nil
	}
	so := o.shared
	if so == nil {
		so = &o.own
		so.Keyless, so.Getenv, so.Actions = so.Key == "", e.getenv, e.actions
	}
	signed, err := so.SignDocument(context.Background(), path, about)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "mlgate: signed evidence %s (%s) into %s\n", actions.SafeLog(path), actions.SafeLog(steps.SignerName(signed.Signer)), actions.SafeLog(signing.EvidenceBundlePath(path)))
	return nil
}

// policyInputOptions gather what the policies of gate and policy eval judge.
type policyInputOptions struct {
	*steps.PolicyInputs
	*steps.Policies
	trust     *trustOptions
	memoryMiB int64
}

func (o *policyInputOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.Config, "config", "c", "", "gate `FILE` (kind PromotionGate) with the metric rules")
	f.StringArrayVarP(&o.Metrics, "metrics", "m", nil, "candidate metrics `FILE` (JSON, YAML, CSV, DVC, MLflow runs/get); repeatable")
	f.StringArrayVarP(&o.Baseline, "baseline", "b", nil, "baseline metrics `FILE`, same formats; repeatable")
	f.StringArrayVarP(&o.Paths, "policy", "p", nil, "Rego policy `PATH`, a file or a folder (*_test.rego skipped); repeatable")
	f.BoolVar(&o.Sandbox.Library, "library", false, "also apply mlgate's policy library, built into the binary (see policies/README.md)")
	f.StringArrayVarP(&o.Data, "data", "d", nil, "policy data `FILE` (JSON or YAML, e.g. config: settings); repeatable")
	f.StringArrayVarP(&o.Evidence, "evidence", "e", nil, "evidence `FILE` of an earlier step (validate, drift, verify, ...); repeatable")
	f.StringVar(&o.ModelCard, "model-card", "", "model card (README.md with YAML front matter) or metadata `FILE` (YAML, JSON)")
	f.StringVar(&o.Model, "model", "", "model file or folder `PATH`, listed for the policies (names, sizes, formats)")
	f.BoolVar(&o.Sandbox.AllowNetwork, "allow-network", false, "let policies use http.send and DNS lookups (denied by default)")
	f.DurationVar(&o.Sandbox.Timeout, "policy-timeout", policy.DefaultTimeout, "time limit for evaluating each policy rule")
	f.Int64Var(&o.memoryMiB, "policy-memory", policy.DefaultMemory>>20, "memory limit in `MiB` a policy rule's evaluation may add")
	names(cmd, "config", "gate file")
	names(cmd, "data", "policy data")
	o.trust.AddFlags(cmd)
	checkFlags(cmd, func() error {
		switch {
		case len(o.Paths) == 0 && !o.Sandbox.Library && len(o.Data) > 0:
			return errors.New("--data is given without --policy or --library: nothing would read it")
		case (len(o.Paths) > 0 || o.Sandbox.Library) && (o.Sandbox.Timeout <= 0 || o.memoryMiB <= 0):
			return fmt.Errorf("--policy-timeout %s and --policy-memory %d: both must be positive", o.Sandbox.Timeout, o.memoryMiB)
		}
		o.Sandbox.Memory = o.memoryMiB << 20
		return nil
	})
}

// hints name the flags that give what a step found missing.
var hints = []struct {
	err  error
	hint string
}{
	{steps.ErrIncompleteTrust, "signed evidence needs --evidence-key, or --evidence-identity[-regexp] with --evidence-issuer[-regexp]"},
	{steps.ErrNoTrust, "say whom to trust: --key REF, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp], or --certificate-chain"},
	{steps.ErrNoSigning, "say how to sign: --key REF or --keyless"},
	{steps.ErrNoIdentityToken, "keyless signing needs an OIDC identity token, and outside GitHub Actions there is none to ask for: " +
		"pass --identity-token (a token or a file holding one, e.g. from 'gcloud auth print-identity-token --audiences=sigstore') " +
		"or set SIGSTORE_ID_TOKEN, or sign with --key"},
	{steps.ErrNoMetrics, "--metrics is required: the candidate's metrics file"},
	{steps.ErrNoGateFile, "--config is required: the gate file with the metric rules"},
	{steps.ErrNoRepository, steps.ErrNoRepository.Error() + ": pass --repo OWNER/NAME"},
	{outfile.ErrExists, "already exists: pass --overwrite to replace it"},
	{steps.ErrGateWithoutModel, "run the gate with --model"},
	{steps.ErrNoPullRequest, steps.ErrNoPullRequest.Error() + ": pass --pr-number"},
}

// pageLimitHint names the flag that lifts a page size limit that stopped a
// read: the file may be valid.
func pageLimitHint(err error) error {
	var pe *parquetx.PageLimitError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w (the file may be valid: --max-page-size %d reads this page)", err, pe.NeededMiB())
	}
	return err
}

// flagHint says which flag gives what a step found missing: the hint
// replaces the step's sentence in the message.
func flagHint(err error) error {
	for _, h := range hints {
		if errors.Is(err, h.err) {
			return &hinted{strings.Replace(err.Error(), h.err.Error(), h.hint, 1), err}
		}
	}
	return err
}

// hinted is an error whose message names flags.
type hinted struct {
	msg string
	err error
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }
