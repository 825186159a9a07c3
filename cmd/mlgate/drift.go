package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/steps"
)

// driftOptions are drift's own flags, bound into the request.
type driftOptions struct {
	steps.DriftRequest
	FailOnDrift bool
}

func (o *driftOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.Reference, "reference", "r", nil, "the reference: a profile or Parquet files, a `PATH` or a quoted glob (repeatable)")
	cmd.Flags().StringVarP(&o.Config, "config", "c", "", "YAML `FILE` overriding the dataset rule and each column's method, threshold, severity, or excluding columns")
	cmd.Flags().BoolVar(&o.FailOnDrift, "fail-on-drift", true, "exit 1 when the dataset drifted; false only warns (exit 0)")
	cmd.Flags().BoolVar(&o.Digest, "digest", false, "record the sha256 of each Parquet file read (reads every byte); profiles carry theirs (profile --digest)")
	_ = cmd.MarkFlagRequired("reference")
	names(cmd, "config", "drift config")
}

func newDriftCmd(e *env) *cobra.Command {
	var (
		opts  driftOptions
		scan  scanOptions
		out   outputOptions
		trust evidenceTrustOptions
	)
	cmd := &cobra.Command{
		Use:   "drift --reference REF [--config FILE] [--out FILE] FILES...",
		Short: "Check whether current data drifted from a reference profile",
		Long: `Drift compares current data (Parquet files, or a profile) with a reference (a
profile written by 'mlgate profile', or Parquet files) column by column.

Samples of at most 1000 values are tested with Kolmogorov-Smirnov (numbers) or
chi-square (categories) at p < 0.05; larger ones are judged by effect size: normed
Wasserstein (numbers, 0.1) and Jensen-Shannon distance (categories, 0.1). PSI (0.2)
is available per column. Null rates and unseen categories are judged separately,
and the dataset drifts when at least half of the compared columns drifted.

In GitHub Actions the step outputs drifted=true|false and drifted-columns (comma-
separated; commas, percent signs and newlines in names are percent-encoded).`,
		Example: `  # Current data against a reference profile kept in the repository
  mlgate drift --reference reference.profile.json 'data/*.parquet'

  # Reference and current as Parquet files, evidence for the gate and the report
  mlgate drift --reference 'train/*.parquet' --out drift.json 'serving/*.parquet'

  # Two stored profiles (fast: no data is read)
  mlgate drift --reference reference.profile.json current.profile.json

  # Per-column methods and thresholds, excluded columns, a stricter dataset rule
  mlgate drift --reference reference.profile.json --config drift.yaml 'data/*.parquet'

  # Only warn, and let the workflow decide with the drifted output
  mlgate drift --reference reference.profile.json --fail-on-drift=false 'data/*.parquet'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := opts.DriftRequest
			var err error
			if r.Verifier, err = trust.verifier(cmd.Context()); err != nil {
				return err
			}
			remote := scan.remote()
			defer remote.Close()
			r.Run, r.Current, r.WarnOnly, r.Scan = e.runWith(remote), args, !opts.FailOnDrift, scan.parquetx()
			return step(cmd, e, &out, &r, steps.Drift)
		},
	}
	opts.AddFlags(cmd)
	scan.AddFlags(cmd)
	out.AddFlags(cmd)
	trust.AddFlags(cmd)
	return cmd
}
