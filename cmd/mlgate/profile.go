package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/profile"
	"github.com/mlgate/mlgate/pkg/steps"
)

// profileOutputOptions is where profile and profile merge write: the profile
// itself (--profile-out) and, as every command, the evidence of the step (--out).
type profileOutputOptions struct {
	Profile   string
	Overwrite bool
	Digest    bool
	evidence  outputOptions
}

func (o *profileOutputOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Profile, "profile-out", "", "write the profile (JSON, kind ColumnProfile) to `FILE` (- for standard output)")
	names(cmd, "profile-out", "profile")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing profile file")
	cmd.Flags().StringVarP(&o.evidence.Out, "out", "o", "", "write the evidence document (kind Profile) to `FILE` (- for standard output)")
	deprecatedAlias(cmd, "evidence", "out", &o.evidence.Out)
	cmd.Flags().StringVar(&o.evidence.Format, "format", "text", "how to print the summary: text, json or markdown")
	cmd.Flags().BoolVar(&o.Digest, "digest", false, "record each data file's sha256 in the profile (reads every byte), so drift evidence names the data it is about")
	o.evidence.sign.AddFlags(cmd)
	checkFlags(cmd, func() error {
		if o.evidence.sign.Sign && (o.Profile == "" || o.Profile == "-") {
			return errors.New("--sign-evidence signs the profile file: give --profile-out FILE")
		}
		return checkFormat(o.evidence.Format)
	})
}

// afterWrite signs the profile file with --sign-evidence: a profile is
// evidence drift reads.
func (o *profileOutputOptions) afterWrite(e *env) steps.Sink {
	return func([]byte) error { return o.evidence.sign.signDocument(e, o.Profile, profile.Subjects) }
}

func newProfileCmd(e *env) *cobra.Command {
	var (
		out     profileOutputOptions
		scan    scanOptions
		shard   string
		columns []string
	)
	cmd := &cobra.Command{
		Use:   "profile [--profile-out FILE] [--out FILE] [--shard I/N] FILES...",
		Short: "Profile Parquet files into a small, mergeable reference for drift checks",
		Long: `Profile writes a column profile of Parquet files: counts, nulls, NaNs, min, max,
mean and variance, a quantile sketch (DDSketch, 1% relative error), a distinct-count
sketch (HyperLogLog++), top-k value frequencies with the mass of "other", and
histogram bin edges from the quantiles. Columns with at most 1000 values keep them
exactly. The same data always gives the same bytes.

--shard I/N profiles only row groups I, I+N, I+2N, ... (0-based, numbered across the
files in path order), so a GitHub Actions matrix can profile a large dataset in
parallel; 'mlgate profile merge' then combines the shards.`,
		Example: `  # Profile a dataset into a reference kept in the repository
  mlgate profile --profile-out reference.profile.json 'data/*.parquet'

  # One shard of four, e.g. in a matrix job (strategy.job-index / job-total)
  mlgate profile --shard 2/4 --profile-out shard-2.profile.json 'data/*.parquet'

  # Combine the shards: the same profile as profiling everything at once
  mlgate profile merge --profile-out reference.profile.json 'shard-*.profile.json'

  # Also keep the step's evidence for the gate and the report
  mlgate profile --profile-out current.profile.json --out profile.evidence.json 'data/*.parquet'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := steps.ParseShard(shard)
			if err != nil {
				return err
			}
			remote := scan.remote()
			defer remote.Close()
			return step(cmd, e, &out.evidence, &steps.ProfileRequest{Run: e.runWith(remote), Data: args, Shard: sh, Columns: columns, Scan: scan.parquetx(),
				Digest: out.Digest, Out: out.Profile, Overwrite: out.Overwrite, AfterWrite: out.afterWrite(e)}, steps.Profile)
		},
	}
	out.AddFlags(cmd)
	scan.AddFlags(cmd)
	cmd.Flags().StringVar(&shard, "shard", "", "profile only shard `I/N` of the row groups (0 <= I < N)")
	cmd.Flags().StringSliceVar(&columns, "columns", nil, "profile only these `COLUMNS` (dotted paths, comma-separated); default all")
	cmd.AddCommand(newProfileMergeCmd(e))
	return cmd
}

func newProfileMergeCmd(e *env) *cobra.Command {
	var out profileOutputOptions
	cmd := &cobra.Command{
		Use:   "merge --profile-out FILE [--out FILE] PROFILES...",
		Short: "Merge the profiles of parts of a dataset (shards, files) into one",
		Long: `Merge combines profiles of disjoint parts of one dataset. Counts, moments (kept as
exact sums), the quantile and distinct-count sketches and exact values come out
exactly as if everything had been profiled at once; top-k counts of columns with
more than 256 distinct values within their stated error. Profiles with different
columns, or sharing a row group, are refused.`,
		Example: `  # The last job of a sharded matrix
  mlgate profile merge --profile-out reference.profile.json 'shards/*.profile.json'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out.Profile == "" {
				return errors.New("profile merge needs --profile-out FILE for the merged profile")
			}
			return step(cmd, e, &out.evidence, &steps.MergeRequest{Run: e.run(), Profiles: args, Out: out.Profile, Overwrite: out.Overwrite,
				AfterWrite: out.afterWrite(e)}, steps.Merge)
		},
	}
	out.AddFlags(cmd)
	return cmd
}
