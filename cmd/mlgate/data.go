package main

import (
	"cmp"
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/profile"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
)

// The commands about data: validate, contract, profile and drift.

func newValidateCmd(e *env) *cobra.Command {
	r := steps.ValidateRequest{Run: e.run()}
	var shard string
	scan := &scanOptions{scan: &r.Scan}
	cmd := &cobra.Command{
		Use:   "validate --contract FILE [flags] FILES...",
		Short: "Validate Parquet data against a data contract",
		Args:  cobra.ArbitraryArgs, // none: the data an ODCS contract's server names
	}
	f := cmd.Flags()
	f.StringVarP(&r.Contract, "contract", "c", "", "the data contract (YAML) to validate against (required)")
	f.BoolVar(&r.Digest, "digest", false, "record each file's sha256 in the evidence (reads every byte)")
	f.BoolVar(&r.VerifyAll, "verify-all", false, "decode every page of every column to verify checksums and counts, even where metadata decides every check")
	f.StringVar(&shard, "shard", "", "validate only shard `I/N` (0 <= I < N); 'mlgate validate merge' combines the shards' evidence")
	f.StringVar(&r.Where, "where", "", "check only the rows matching this row filter `EXPR` (as a contract's where)")
	_ = cmd.MarkFlagRequired("contract")
	cmd.AddCommand(newValidateMergeCmd(e))
	return evidenceCmd(e, cmd, &r, steps.Validate, func(args []string) error {
		sh, err := steps.ParseShard(shard)
		if sh != nil {
			r.Shard = &evidence.Shard{Index: sh.Index, Count: sh.Count}
		}
		r.Remote, r.Data, r.Hint, r.AsOf = scan.remote(e), args, pageLimitHint, scan.Table.AsOf
		return err
	}, &outputOptions{}, scan)
}

func newValidateMergeCmd(e *env) *cobra.Command {
	r := steps.ValidateMergeRequest{Run: e.run()}
	cmd := &cobra.Command{
		Use:   "merge --contract FILE [--out FILE] SHARDS...",
		Short: "Merge the evidence of every shard of a sharded validation",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVarP(&r.Contract, "contract", "c", "", "the data contract (YAML) the shards were validated against (required)")
	_ = cmd.MarkFlagRequired("contract")
	return evidenceCmd(e, cmd, &r, steps.ValidateMerge, func(args []string) error { r.Shards = args; return nil }, &outputOptions{})
}

func newContractCmd(e *env) *cobra.Command {
	return group(&cobra.Command{Use: "contract", Short: "Infer data contracts from data and diff them for compatibility"},
		newContractInferCmd(e), newContractDiffCmd(e), newContractConvertCmd(e))
}

// contractOutput is where infer and convert write the contract (standard
// output unless --contract-out) and how they print their summary beside it.
type contractOutput struct {
	fileOut
	path, format string
}

func (o *contractOutput) AddFlags(cmd *cobra.Command) {
	o.flag, o.Protected = "--contract-out", true
	cmd.Flags().StringVar(&o.path, "contract-out", "", "write the contract to `FILE` instead of standard output")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing contract file (it may have been edited by hand)")
	formatFlag(cmd, &o.format, "text", "result")
}

func (o *contractOutput) Plan(ctx context.Context, p *outfile.Plan) error {
	o.Path = cmp.Or(o.path, outfile.Stdout)
	return o.fileOut.Plan(ctx, p)
}

// where names the contract's file in the summary.
func (o *contractOutput) where() string { return cmp.Or(o.path, "standard output") }

// write writes the contract, then the summary unless quiet, when a text
// summary would say nothing the contract does not. The summary never goes
// into standard output when the contract took it; text, for people, goes to
// standard error.
func (o *contractOutput) write(e *env, text []byte, summary report.Result, quiet bool) error {
	if err := o.Write(text); err != nil || (quiet && o.format == "text") {
		return err
	}
	w := e.stdout
	if o.IsStdout() || o.format == "text" {
		w = e.stderr
	}
	return summary.Print(w, o.format)
}

func newContractInferCmd(e *env) *cobra.Command {
	var r steps.InferRequest
	var out contractOutput
	format := contract.FormatMlgate
	scan := &scanOptions{scan: &r.Scan}
	cmd := &cobra.Command{
		Use:   "infer [--contract-out FILE] FILES...",
		Short: "Write a data contract that describes existing Parquet data",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Remote, r.Data = scan.remote(e), args
			if err := e.start(cmd, &r, &out); err != nil {
				return err
			}
			c, err := steps.Infer(cmd.Context(), r)
			if err != nil {
				return err
			}
			text, _, err := contract.Write(c, format)
			if err != nil {
				return err
			}
			return out.write(e, text, steps.Inferred(out.where(), format, c), out.IsStdout())
		},
	}
	// infer writes no evidence: --out was its contract before the
	// convention (--out is the evidence document).
	deprecatedAlias(cmd, "out", "contract-out", &out.path)
	cmd.Flags().StringVar(&r.Name, "name", "", "the dataset name to record in metadata.name")
	cmd.Flags().StringVar(&format, "contract-format", format, "write the contract as `mlgate|odcs` (Open Data Contract Standard v3.1.0)")
	return withFlags(cmd, &out, scan)
}

func newContractConvertCmd(e *env) *cobra.Command {
	var r steps.ConvertRequest
	var out contractOutput
	cmd := &cobra.Command{
		Use:   "convert --to mlgate|odcs [--contract-out FILE] CONTRACT",
		Short: "Translate a contract between mlgate's format and ODCS v3",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Contract = args[0]
			if err := e.start(cmd, &r, &out); err != nil {
				return err
			}
			text, lost, err := steps.Convert(cmd.Context(), r)
			if err != nil {
				return err
			}
			return out.write(e, text, steps.Converted(out.where(), r.Format, lost), len(lost) == 0)
		},
	}
	cmd.Flags().StringVar(&r.Format, "to", "", "the format to write: `mlgate|odcs` (required)")
	_ = cmd.MarkFlagRequired("to")
	return withFlags(cmd, &out)
}

func newContractDiffCmd(e *env) *cobra.Command {
	r := steps.DiffRequest{Run: e.run()}
	return evidenceCmd(e, &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Classify the changes between two contracts as breaking or compatible",
		Args:  cobra.ExactArgs(2),
	}, &r, steps.Diff, func(args []string) error { r.Old, r.New = args[0], args[1]; return nil }, &outputOptions{})
}

// profileOutputOptions is where profile and profile merge write: the profile
// itself (--profile-out, bound to the request) and, as every command, the
// evidence of the step (--out).
type profileOutputOptions struct {
	outputOptions
	Profile           *string
	Overwrite, Digest *bool
}

func (o *profileOutputOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(o.Profile, "profile-out", "", "write the profile (JSON, kind ColumnProfile) to `FILE` (- for standard output)")
	names(cmd, "profile-out", "profile")
	f.BoolVar(o.Overwrite, "overwrite", false, "replace an existing profile file")
	f.StringVarP(&o.Out, "out", "o", "", "write the evidence document (kind Profile) to `FILE` (- for standard output)")
	deprecatedAlias(cmd, "evidence", "out", &o.Out)
	formatFlag(cmd, &o.Format, "text", "summary")
	f.BoolVar(o.Digest, "digest", false, "record each data file's sha256 in the profile (reads every byte), so drift evidence names the data it is about")
	o.sign.AddFlags(cmd)
	checkFlags(cmd, func() error {
		if o.sign.Sign && (*o.Profile == "" || *o.Profile == "-") {
			return errors.New("--sign-evidence signs the profile file: give --profile-out FILE")
		}
		return nil
	})
}

// afterWrite signs the profile file with --sign-evidence: a profile is
// evidence drift reads.
func (o *profileOutputOptions) afterWrite(e *env) steps.Sink {
	return func([]byte) error { return o.sign.signDocument(e, *o.Profile, profile.Subjects) }
}

func newProfileCmd(e *env) *cobra.Command {
	r := steps.ProfileRequest{Run: e.run()}
	out := &profileOutputOptions{Profile: &r.Out, Overwrite: &r.Overwrite, Digest: &r.Digest}
	r.AfterWrite = out.afterWrite(e)
	scan := &scanOptions{scan: &r.Scan}
	var shard string
	cmd := &cobra.Command{
		Use:   "profile [--profile-out FILE] [--out FILE] [--shard I/N] FILES...",
		Short: "Profile Parquet files into a small, mergeable reference for drift checks",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&shard, "shard", "", "profile only shard `I/N` of the row groups (0 <= I < N)")
	cmd.Flags().StringSliceVar(&r.Columns, "columns", nil, "profile only these `COLUMNS` (dotted paths, comma-separated); default all")
	cmd.AddCommand(newProfileMergeCmd(e))
	return evidenceCmd(e, cmd, &r, steps.Profile, func(args []string) (err error) {
		r.Shard, err = steps.ParseShard(shard)
		r.Remote, r.Data = scan.remote(e), args
		return err
	}, out, scan)
}

func newProfileMergeCmd(e *env) *cobra.Command {
	r := steps.MergeRequest{Run: e.run()}
	var digest bool // accepted, as profile's: merged profiles keep their files' digests
	out := &profileOutputOptions{Profile: &r.Out, Overwrite: &r.Overwrite, Digest: &digest}
	r.AfterWrite = out.afterWrite(e)
	return evidenceCmd(e, &cobra.Command{
		Use:   "merge --profile-out FILE [--out FILE] PROFILES...",
		Short: "Merge the profiles of parts of a dataset (shards, files) into one",
		Args:  cobra.MinimumNArgs(1),
	}, &r, steps.Merge, func(args []string) error {
		if r.Out == "" {
			return errors.New("profile merge needs --profile-out FILE for the merged profile")
		}
		r.Profiles = args
		return nil
	}, out)
}

func newDriftCmd(e *env) *cobra.Command {
	r := steps.DriftRequest{Run: e.run()}
	trust := &trustOptions{prefix: "evidence-"}
	scan := &scanOptions{scan: &r.Scan}
	cmd := &cobra.Command{
		Use:   "drift --reference REF [--config FILE] [--out FILE] FILES...",
		Short: "Check whether current data drifted from a reference profile",
		Args:  cobra.MinimumNArgs(1),
	}
	var failOnDrift bool
	f := cmd.Flags()
	f.StringArrayVarP(&r.Reference, "reference", "r", nil, "the reference: a profile or Parquet files, a `PATH` or a quoted glob (repeatable)")
	f.StringVarP(&r.Config, "config", "c", "", "YAML `FILE` overriding the dataset rule and each column's method, threshold, severity, or excluding columns")
	f.BoolVar(&failOnDrift, "fail-on-drift", true, "exit 1 when the dataset drifted; false only warns (exit 0)")
	f.BoolVar(&r.Digest, "digest", false, "record the sha256 of each Parquet file read (reads every byte); profiles carry theirs (profile --digest)")
	_ = cmd.MarkFlagRequired("reference")
	names(cmd, "config", "drift config")
	return evidenceCmd(e, cmd, &r, steps.Drift, func(args []string) (err error) {
		r.Verifier, err = trust.verifier(cmd.Context())
		r.Remote, r.Current, r.WarnOnly = scan.remote(e), args, !failOnDrift
		return err
	}, &outputOptions{}, scan, trust)
}
