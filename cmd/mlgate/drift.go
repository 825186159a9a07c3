package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/drift"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/profile"
)

// driftOptions are drift's own flags.
type driftOptions struct {
	Reference   []string
	Config      string
	FailOnDrift bool
}

func (o *driftOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.Reference, "reference", "r", nil, "the reference: a profile or Parquet files, a `PATH` or a quoted glob (repeatable)")
	cmd.Flags().StringVarP(&o.Config, "config", "c", "", "YAML `FILE` overriding the dataset rule and each column's method, threshold, severity, or excluding columns")
	cmd.Flags().BoolVar(&o.FailOnDrift, "fail-on-drift", true, "exit 1 when the dataset drifted; false only warns (exit 0)")
	_ = cmd.MarkFlagRequired("reference")
}

func newDriftCmd(e *env) *cobra.Command {
	var (
		opts driftOptions
		scan scanOptions
		out  outputOptions
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
			if err := out.validate(); err != nil {
				return err
			}
			if len(opts.Reference) == 0 {
				return errors.New("--reference is empty")
			}
			defer scan.attach(cmd)()
			refPaths, err := expandData(cmd.Context(), opts.Reference)
			if err != nil {
				return fmt.Errorf("--reference: %w", err)
			}
			curPaths, err := expandData(cmd.Context(), args)
			if err != nil {
				return err
			}
			if err := refuseBothSides(refPaths, curPaths); err != nil {
				return err
			}
			p := e.plan()
			p.Input("--config", opts.Config)
			p.Input("--reference", refPaths...)
			p.Input("current data", curPaths...)
			out.planAs(p, "--out")
			if err := p.Check(); err != nil {
				return err
			}
			started := e.now()
			cfg := drift.DefaultConfig()
			if opts.Config != "" {
				if cfg, err = drift.ReadConfig(opts.Config); err != nil {
					return err
				}
			}
			// Columns the config excludes are not even read.
			read := profile.ScanOptions{Exclude: cfg.Excluded(), Parquet: scan.parquetx()}
			ref, err := loadSource(cmd.Context(), refPaths, read)
			if err != nil {
				return err
			}
			cur, err := loadSource(cmd.Context(), curPaths, read)
			if err != nil {
				return err
			}
			rep := drift.Compare(ref.profile, cur.profile, cfg)
			rep.Details.Reference = strings.Join(refPaths, ",")

			doc := evidence.New(evidence.KindDriftReport, cur.subject(), e.tool(), started)
			for _, c := range append(append(ref.checks, cur.checks...), rep.Checks...) {
				if c.ID == "drift.dataset" && !opts.FailOnDrift && c.Status == evidence.StatusFail {
					c.Status, c.Severity = evidence.StatusWarn, evidence.SeverityWarn
				}
				doc.Add(c)
			}
			doc.Details = rep.Details
			doc.Summary = fmt.Sprintf("%s (reference: %s; current: %s)", rep.Summary, fileList(refPaths), fileList(curPaths))
			return e.emit(doc, out, map[string]string{
				"drifted":         strconv.FormatBool(rep.Details.Drifted),
				"drifted-columns": joinOutputList(rep.DriftedColumns()),
			})
		},
	}
	opts.AddFlags(cmd)
	scan.AddFlags(cmd)
	out.AddFlags(cmd)
	return cmd
}

// refuseBothSides refuses a file given as reference and as current data: an
// unquoted glob after --reference (--reference train/*.parquet cur.parquet)
// is expanded by the shell, and all but its first file become current data.
func refuseBothSides(refPaths, curPaths []string) error {
	for _, c := range curPaths {
		for _, r := range refPaths {
			if outfile.SameFile(c, r) {
				return fmt.Errorf("%s is given both as reference (--reference %s) and as current data: quote a --reference glob so the shell does not expand it", c, r)
			}
		}
	}
	return nil
}

// fileList names the files of one side for the summary, the first few when
// there are many.
func fileList(paths []string) string {
	const show = 5
	if len(paths) <= show {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:show-1], ", "), len(paths)-show+1)
}

// outputListEscaper percent-encodes what would break a comma-separated step
// output: the separator itself, the escape character and line breaks.
var outputListEscaper = strings.NewReplacer("%", "%25", ",", "%2C", "\r", "%0D", "\n", "%0A")

func joinOutputList(items []string) string {
	escaped := make([]string, len(items))
	for i, s := range items {
		escaped[i] = outputListEscaper.Replace(s)
	}
	return strings.Join(escaped, ",")
}
