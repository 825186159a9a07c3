package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// profileOutputOptions is where profile and profile merge write: the profile
// itself (--out) and, separately, the evidence of the step (--evidence).
type profileOutputOptions struct {
	Out       string
	Evidence  string
	Format    string
	Overwrite bool
	// profile and evidence are the planned outputs (see inputs).
	profile  *outfile.Output
	evidence outputOptions
}

func (o *profileOutputOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the profile (JSON, kind ColumnProfile) to `FILE` (- for standard output)")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing profile file")
	cmd.Flags().StringVar(&o.Evidence, "evidence", "", "write the evidence document (kind Profile) to `FILE`")
	cmd.Flags().StringVar(&o.Format, "format", "text", "how to print the summary: text, json or markdown")
}

// inputs checks the flags, expands the input paths and plans the outputs,
// refusing one that would overwrite an input or the other output.
func (o *profileOutputOptions) inputs(ctx context.Context, e *env, args []string) ([]string, error) {
	if err := (&outputOptions{Format: o.Format}).validate(); err != nil {
		return nil, err
	}
	paths, err := expandData(ctx, args)
	if err != nil {
		return nil, err
	}
	p := e.plan()
	p.Input("input", paths...)
	o.profile = p.Output("--out", o.Out)
	o.profile.Protected, o.profile.Overwrite = true, o.Overwrite
	o.evidence = outputOptions{Out: o.Evidence, Format: o.Format}
	o.evidence.planAs(p, "--evidence")
	return paths, p.Check()
}

func newProfileCmd(e *env) *cobra.Command {
	var (
		out     profileOutputOptions
		scan    scanOptions
		shard   string
		columns []string
	)
	cmd := &cobra.Command{
		Use:   "profile [--out FILE] [--shard I/N] FILES...",
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
  mlgate profile --out reference.profile.json 'data/*.parquet'

  # One shard of four, e.g. in a matrix job (strategy.job-index / job-total)
  mlgate profile --shard 2/4 --out shard-2.profile.json 'data/*.parquet'

  # Combine the shards: the same profile as profiling everything at once
  mlgate profile merge --out reference.profile.json 'shard-*.profile.json'

  # Also keep the step's evidence for the gate and the report
  mlgate profile --out current.profile.json --evidence profile.evidence.json 'data/*.parquet'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := parseShard(shard)
			if err != nil {
				return err
			}
			defer scan.attach(cmd)()
			paths, err := out.inputs(cmd.Context(), e, args)
			if err != nil {
				return err
			}
			started := e.now()
			src, err := loadParquet(cmd.Context(), paths, profile.ScanOptions{Shard: sh, Columns: columns, Parquet: scan.parquetx()})
			if err != nil {
				return err
			}
			return e.emitProfile(src, out, started)
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
		Use:   "merge --out FILE PROFILES...",
		Short: "Merge the profiles of parts of a dataset (shards, files) into one",
		Long: `Merge combines profiles of disjoint parts of one dataset. Counts, moments (kept as
exact sums), the quantile and distinct-count sketches and exact values come out
exactly as if everything had been profiled at once; top-k counts of columns with
more than 256 distinct values within their stated error. Profiles with different
columns, or sharing a row group, are refused.`,
		Example: `  # The last job of a sharded matrix
  mlgate profile merge --out reference.profile.json 'shards/*.profile.json'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out.Out == "" {
				return errors.New("profile merge needs --out FILE for the merged profile")
			}
			paths, err := out.inputs(cmd.Context(), e, args)
			if err != nil {
				return err
			}
			started := e.now()
			src, err := loadProfiles(paths)
			if err != nil {
				return err
			}
			return e.emitProfile(src, out, started)
		},
	}
	out.AddFlags(cmd)
	return cmd
}

// emitProfile writes the profile and finishes the step with its evidence.
func (e *env) emitProfile(src *profileSource, out profileOutputOptions, started time.Time) error {
	if out.profile.Set() {
		data, err := profile.Marshal(src.profile)
		if err != nil {
			return err
		}
		if err := out.profile.Write(data); err != nil {
			return fmt.Errorf("writing the profile: %w", err)
		}
	}
	doc := evidence.New(evidence.KindProfile, src.subject(), e.tool(), started)
	for _, c := range src.checks {
		doc.Add(c)
	}
	doc.Details = profileDetailsOf(src.profile, out.Out)
	p := src.profile
	doc.Summary = fmt.Sprintf("profiled %d %s of %d %s in %d %s", len(p.Columns), plural(len(p.Columns), "column"),
		p.Rows, plural(int(p.Rows), "row"), len(p.Sources), plural(len(p.Sources), "file"))
	if p.Shard != nil {
		doc.Summary += fmt.Sprintf(" (shard %d/%d)", p.Shard.Index, p.Shard.Count)
	}
	extra := map[string]string{}
	if out.Out != "" {
		extra["profile"] = out.Out
	}
	return e.emit(doc, out.evidence, extra)
}

// profileDetails is the details of a Profile evidence document: where the
// profile went, and a line per column that policies and reports can read.
type profileDetails struct {
	Profile string          `json:"profile,omitempty"`
	Rows    int64           `json:"rows"`
	Shard   *profile.Shard  `json:"shard,omitempty"`
	Columns []columnSummary `json:"columns"`
}

type columnSummary struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Type     string   `json:"type"`
	Count    int64    `json:"count"`
	NullRate float64  `json:"nullRate"`
	Distinct int64    `json:"distinct"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	StdDev   *float64 `json:"stddev,omitempty"`
	Exact    bool     `json:"exact"`
}

func profileDetailsOf(p *profile.Profile, path string) profileDetails {
	d := profileDetails{Profile: path, Rows: p.Rows, Shard: p.Shard, Columns: []columnSummary{}}
	for _, c := range p.Columns {
		s := columnSummary{Name: c.Name, Kind: string(c.Kind), Type: c.Type, Count: c.Count,
			NullRate: c.NullRate(), Distinct: c.Distinct.Estimate(), Exact: c.IsExact()}
		if m := c.Moments; m != nil && m.N > 0 {
			sd := m.StdDev()
			s.Min, s.Max, s.Mean, s.StdDev = &m.Min, &m.Max, &m.Mean, &sd
		}
		d.Columns = append(d.Columns, s)
	}
	return d
}

// profileSource is a profile and what it was built from.
type profileSource struct {
	profile *profile.Profile
	files   []evidence.File
	checks  []evidence.Check
	name    string
}

func (s *profileSource) subject() evidence.Subject {
	return evidence.Subject{Name: s.name, Files: s.files}
}

// loadSource reads paths as Parquet files (profiled) or as profiles (merged
// when several), whichever they are; mixing both is refused.
func loadSource(ctx context.Context, paths []string, opts profile.ScanOptions) (*profileSource, error) {
	var parquetFiles, profiles int
	for _, p := range paths {
		isParquet, err := looksLikeParquet(p)
		if err != nil {
			return nil, err
		}
		if isParquet {
			parquetFiles++
		} else {
			profiles++
		}
	}
	switch {
	case parquetFiles > 0 && profiles > 0:
		return nil, fmt.Errorf("%s: give either Parquet files or profiles, not both", strings.Join(paths, ", "))
	case parquetFiles > 0:
		return loadParquet(ctx, paths, opts)
	}
	return loadProfiles(paths)
}

func looksLikeParquet(path string) (bool, error) {
	if objstore.IsURL(path) {
		return true, nil // remote data is Parquet; profiles are local files
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return false, nil // too short for Parquet: reading it as a profile says what is wrong
	}
	return string(head) == "PAR1", nil
}

func loadParquet(ctx context.Context, paths []string, opts profile.ScanOptions) (*profileSource, error) {
	src := &profileSource{name: datasetName(paths)}
	files, err := openData(ctx, paths)
	if err != nil {
		return nil, err
	}
	defer parquetx.CloseAll(files)
	for i, f := range files {
		p := paths[i]
		src.files = append(src.files, evidence.File{Path: p, Size: f.Size})
		for _, w := range f.Warnings {
			src.checks = append(src.checks, evidence.Check{ID: "profile.file", Status: evidence.StatusWarn,
				Severity: evidence.SeverityWarn, Message: w, Location: &evidence.Location{File: p}})
		}
	}
	prof, skipped, err := profile.Scan(ctx, files, opts)
	if err != nil {
		return nil, err
	}
	recordIO(ctx, src.files)
	for _, s := range skipped {
		src.checks = append(src.checks, evidence.Check{ID: "profile.column." + s.Column, Status: evidence.StatusWarn,
			Severity: evidence.SeverityWarn, Message: "not profiled: " + s.Reason, Location: &evidence.Location{Column: s.Column}})
	}
	src.profile = prof
	return src, nil
}

func loadProfiles(paths []string) (*profileSource, error) {
	src := &profileSource{name: datasetName(paths)}
	var parts []*profile.Profile
	for _, p := range paths {
		prof, err := profile.Read(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, prof)
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		src.files = append(src.files, evidence.File{Path: p, Size: st.Size()})
	}
	if len(parts) == 1 {
		src.profile = parts[0]
		return src, nil
	}
	merged, err := profile.Merge(parts...)
	if err != nil {
		return nil, fmt.Errorf("merging %s: %w", strings.Join(paths, ", "), err)
	}
	src.profile = merged
	return src, nil
}

// datasetName names a set of inputs for the evidence subject.
func datasetName(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%s and %d more", paths[0], len(paths)-1)
}

// parseShard reads "I/N" (0 <= I < N); "" means the whole dataset.
func parseShard(s string) (*profile.Shard, error) {
	if s == "" {
		return nil, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, e.g. 0/4 for the first of four shards", s)
	}
	return &profile.Shard{Index: i, Count: n}, nil
}
