package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/steps"
)

// validateOptions bind validate's own flags into the request.
type validateOptions struct {
	steps.ValidateRequest
	shard  string
	output outputOptions
	scan   scanOptions
}

func newValidateCmd(e *env) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate --contract FILE [flags] FILES...",
		Short: "Validate Parquet data against a data contract",
		Long: `Validate Parquet files against a data contract. Several files (or globs, or
folders of .parquet files) form one dataset.

Checks are decided by the cheapest means that can prove them: footer statistics,
then dictionary entries, then a parallel scan of only the columns still needed.
Data that contradicts its own metadata (row counts, nulls in a REQUIRED column,
invalid types, checksum mismatches) is reported, never passed.

Exit status: 0 pass or warn, 1 a check failed, 2 the data or contract could not be read.`,
		Example: `  # validate one file and print a summary
  mlgate validate --contract contract.yaml data/part-0.parquet

  # a dataset of several files, evidence written for the gate and the report
  mlgate validate --contract contract.yaml --out validation.json 'data/*.parquet'

  # a folder, with a markdown summary and file digests in the evidence
  mlgate validate --contract contract.yaml --format markdown --digest data/

  # also decode every page of every column to find corruption anywhere
  mlgate validate --contract contract.yaml --verify-all data/

  # only the rows of a day (row groups outside it are skipped by their statistics)
  mlgate validate --contract contract.yaml --where "day = DATE '2026-01-31'" data/

  # bound memory on files with very large values
  mlgate validate --contract contract.yaml --max-page-size 64 --workers 2 data/`,
		Args: cobra.ArbitraryArgs, // none: the data an ODCS contract's server names
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, e, args)
		},
	}
	cmd.Flags().StringVarP(&o.Contract, "contract", "c", "", "the data contract (YAML) to validate against (required)")
	cmd.Flags().BoolVar(&o.Digest, "digest", false, "record each file's sha256 in the evidence (reads every byte)")
	cmd.Flags().BoolVar(&o.VerifyAll, "verify-all", false, "decode every page of every column to verify checksums and counts, even where metadata decides every check")
	cmd.Flags().StringVar(&o.shard, "shard", "", "validate only shard `I/N` (0 <= I < N); 'mlgate validate merge' combines the shards' evidence")
	cmd.Flags().StringVar(&o.Where, "where", "", "check only the rows matching this row filter `EXPR` (as a contract's where)")
	_ = cmd.MarkFlagRequired("contract")
	o.output.AddFlags(cmd)
	o.scan.AddFlags(cmd)
	cmd.AddCommand(newValidateMergeCmd(e))
	return cmd
}

func newValidateMergeCmd(e *env) *cobra.Command {
	var (
		contractPath string
		output       outputOptions
	)
	cmd := &cobra.Command{
		Use:   "merge --contract FILE [--out FILE] SHARDS...",
		Short: "Merge the evidence of every shard of a sharded validation",
		Long: `Merge decides the contract over the whole dataset from the evidence of its shards
(validate --shard I/N): the same checks, counts and examples as one run over all
the data. Value checks are counted over each shard's row groups; uniqueness over
the keys each shard owns by hash, so duplicates across shards are found exactly.
Evidence of another contract, other files or another shard count, a shard given
twice and a missing shard are refused.`,
		Example: `  # The last job of a sharded matrix
  mlgate validate merge --contract contract.yaml --out validation.json 'shards/*.json'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return step(cmd, e, &output, &steps.ValidateMergeRequest{Run: e.run(), Contract: contractPath, Shards: args}, steps.ValidateMerge)
		},
	}
	cmd.Flags().StringVarP(&contractPath, "contract", "c", "", "the data contract (YAML) the shards were validated against (required)")
	_ = cmd.MarkFlagRequired("contract")
	output.AddFlags(cmd)
	return cmd
}

func (o *validateOptions) run(cmd *cobra.Command, e *env, args []string) error {
	sh, err := steps.ParseShard(o.shard)
	if err != nil {
		return err
	}
	r := o.ValidateRequest
	if sh != nil {
		r.Shard = &evidence.Shard{Index: sh.Index, Count: sh.Count}
	}
	remote := o.scan.remote()
	defer remote.Close()
	r.Run, r.Data, r.Scan, r.Hint, r.AsOf = e.runWith(remote), args, o.scan.parquetx(), pageLimitHint, o.scan.Table.AsOf
	return step(cmd, e, &o.output, &r, steps.Validate)
}
