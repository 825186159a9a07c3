package main

import (
	"cmp"
	"context"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
)

func newContractCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Infer data contracts from data and diff them for compatibility",
		Long: `Data contracts (apiVersion: mlgate.dev/v1, kind: DataContract) describe a dataset's
columns, types, nullability, ranges, allowed values, patterns and keys.
'mlgate validate' checks data against one.`,
		Example: `  # write a contract from existing data, then validate new data with it
  mlgate contract infer --contract-out contract.yaml 'data/*.parquet'
  mlgate validate --contract contract.yaml 'new/*.parquet'

  # gate a pull request that edits a contract: exit 1 on a breaking change
  git show origin/main:contract.yaml > /tmp/old.yaml
  mlgate contract diff --out diff.json /tmp/old.yaml contract.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newContractInferCmd(e), newContractDiffCmd(e), newContractConvertCmd(e))
	return cmd
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
	formatFlag(cmd, &o.format, "text")
}

func (o *contractOutput) Plan(ctx context.Context, p *outfile.Plan) error {
	o.Path = cmp.Or(o.path, outfile.Stdout)
	return o.fileOut.Plan(ctx, p)
}

// where names the contract's file in the summary.
func (o *contractOutput) where() string { return cmp.Or(o.path, "standard output") }

// write writes the contract, then the summary unless quiet, when a text
// summary would say nothing the contract does not.
func (o *contractOutput) write(e *env, text []byte, summary report.Result, quiet bool) error {
	if err := o.Write(text); err != nil {
		return err
	}
	if quiet && o.format == "text" {
		return nil
	}
	// Never into standard output when the contract took it; text, for
	// people, on standard error.
	w := e.stdout
	if o.IsStdout() || o.format == "text" {
		w = e.stderr
	}
	return summary.Print(w, o.format)
}

func newContractInferCmd(e *env) *cobra.Command {
	var (
		r      steps.InferRequest
		out    contractOutput
		format string
		scan   scanOptions
	)
	cmd := &cobra.Command{
		Use:   "infer [--contract-out FILE] FILES...",
		Short: "Write a data contract that describes existing Parquet data",
		Long: `Infer a contract from Parquet files (several files form one dataset): each column's
type and nullability, numeric ranges rounded outward, allowed values of
low-cardinality strings, and uniqueness where the data has no duplicates.
The contract validates the data it came from; edit it to say what must hold.`,
		Example: `  # print a contract for one file
  mlgate contract infer data/part-0.parquet

  # write it for a whole folder, with a name
  mlgate contract infer --name transactions --contract-out contract.yaml data/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Remote = scan.remote()
			defer r.Remote.Close()
			r.Data, r.Scan = args, scan.parquetx()
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
	out.AddFlags(cmd)
	// infer writes no evidence: --out was its contract before the
	// convention (--out is the evidence document).
	deprecatedAlias(cmd, "out", "contract-out", &out.path)
	cmd.Flags().StringVar(&r.Name, "name", "", "the dataset name to record in metadata.name")
	cmd.Flags().StringVar(&format, "contract-format", contract.FormatMlgate, "write the contract as `mlgate|odcs` (Open Data Contract Standard v3.1.0)")
	scan.AddFlags(cmd)
	return cmd
}

func newContractConvertCmd(e *env) *cobra.Command {
	var (
		r   steps.ConvertRequest
		out contractOutput
	)
	cmd := &cobra.Command{
		Use:   "convert --to mlgate|odcs [--contract-out FILE] CONTRACT",
		Short: "Translate a contract between mlgate's format and ODCS v3",
		Long: `Write a contract in the other format: mlgate's (apiVersion: mlgate.dev/v1) or the Open
Data Contract Standard (ODCS v3.1.0). A rule the target format cannot say (ODCS has no
strict column set; its bounds carry no severity) is named on standard error, never
dropped in silence. An ODCS contract with several schema objects takes one as FILE#OBJECT.`,
		Example: `  mlgate contract convert --to odcs --contract-out orders.odcs.yaml contract.yaml
  mlgate contract convert --to mlgate shop.odcs.yaml#orders`,
		Args: cobra.ExactArgs(1),
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
	out.AddFlags(cmd)
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func newContractDiffCmd(e *env) *cobra.Command {
	var output outputOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Classify the changes between two contracts as breaking or compatible",
		Long: `Compare two versions of a contract from the consumers' side, the way schema
registries judge compatibility: a change is breaking when data valid under NEW
may violate a guarantee OLD gave (a column removed or renamed, a type changed,
nulls newly allowed, a range or value list widened, a rule removed or weakened).
Tightening a rule is compatible.

Exit status: 0 no breaking change, 1 a breaking change, 2 a contract could not be read.`,
		Example: `  # compare the contract on main with the one in the pull request
  mlgate contract diff old/contract.yaml contract.yaml

  # write evidence for the report and print markdown
  mlgate contract diff --out contract-diff.json --format markdown old.yaml new.yaml`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return step(cmd, e, &output, &steps.DiffRequest{Run: e.run(), Old: args[0], New: args[1]}, steps.Diff)
		},
	}
	output.AddFlags(cmd)
	return cmd
}
