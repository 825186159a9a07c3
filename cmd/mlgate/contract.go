package main

import (
	"cmp"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

func newContractCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Infer data contracts from data and diff them for compatibility",
		Long: `Data contracts (apiVersion: mlgate.dev/v1, kind: DataContract) describe a dataset's
columns, types, nullability, ranges, allowed values, patterns and keys.
'mlgate validate' checks data against one.`,
		Example: `  # write a contract from existing data, then validate new data with it
  mlgate contract infer --out contract.yaml 'data/*.parquet'
  mlgate validate --contract contract.yaml 'new/*.parquet'

  # gate a pull request that edits a contract: exit 1 on a breaking change
  git show origin/main:contract.yaml > /tmp/old.yaml
  mlgate contract diff --out diff.json /tmp/old.yaml contract.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newContractInferCmd(e), newContractDiffCmd(e))
	return cmd
}

type inferOptions struct {
	Out       string
	Name      string
	Overwrite bool
	scan      scanOptions
}

func newContractInferCmd(e *env) *cobra.Command {
	o := &inferOptions{}
	cmd := &cobra.Command{
		Use:   "infer [--out FILE] FILES...",
		Short: "Write a data contract that describes existing Parquet data",
		Long: `Infer a contract from Parquet files (several files form one dataset): each column's
type and nullability, numeric ranges rounded outward, allowed values of
low-cardinality strings, and uniqueness where the data has no duplicates.
The contract validates the data it came from; edit it to say what must hold.`,
		Example: `  # print a contract for one file
  mlgate contract infer data/part-0.parquet

  # write it for a whole folder, with a name
  mlgate contract infer --name transactions --out contract.yaml data/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			defer o.scan.attach(cmd)()
			paths, err := expandData(cmd.Context(), args)
			if err != nil {
				return err
			}
			p := e.plan()
			p.Input("data file", paths...)
			out := p.Output("--out", cmp.Or(o.Out, outfile.Stdout))
			out.Protected, out.Overwrite = true, o.Overwrite
			if err := p.Check(); err != nil {
				return err
			}
			files, err := openData(cmd.Context(), paths)
			if err != nil {
				return err
			}
			defer parquetx.CloseAll(files)
			c, err := contract.Infer(cmd.Context(), o.Name, files, contract.Options{Scan: o.scan.parquetx()})
			if err != nil {
				return err
			}
			if err := out.Write(contract.Marshal(c)); err != nil {
				return err
			}
			if out.IsStdout() {
				return nil
			}
			fmt.Fprintf(e.stderr, "wrote %s: %d columns\n", actions.SafeLog(o.Out), len(c.Columns))
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the contract to `FILE` instead of standard output")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "replace an existing contract file (it may have been edited by hand)")
	cmd.Flags().StringVar(&o.Name, "name", "", "the dataset name to record in metadata.name")
	o.scan.AddFlags(cmd)
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
			if err := output.validate(); err != nil {
				return err
			}
			p := e.plan()
			p.Input("contract", args...)
			output.planAs(p, "--out")
			if err := p.Check(); err != nil {
				return err
			}
			started := e.now()
			old, err := contract.Load(args[0])
			if err != nil {
				return err
			}
			new, err := contract.Load(args[1])
			if err != nil {
				return err
			}
			changes := contract.Diff(old, new)
			doc := evidence.New(evidence.KindContractDiff, evidence.Subject{Name: args[1]}, e.tool(), started)
			details := evidence.ContractDiffDetails{Old: args[0], New: args[1], Changes: []evidence.ContractChange{}}
			breaking := 0
			for _, ch := range changes {
				details.Changes = append(details.Changes, evidence.ContractChange{Path: ch.Path, Change: ch.Kind, Breaking: ch.Breaking, Message: ch.Message})
				st := evidence.StatusPass
				if ch.Breaking {
					st = evidence.StatusFail
					breaking++
				}
				doc.Add(evidence.Check{
					ID: ch.Path + "." + ch.Kind, Status: st, Severity: evidence.SeverityError, Message: ch.Message,
					Source: &evidence.Source{File: ch.File, Line: ch.Pos.Line, Column: ch.Pos.Column},
				})
			}
			doc.Details = details
			switch {
			case len(changes) == 0:
				doc.Summary = "no changes"
			case breaking == 0:
				doc.Summary = fmt.Sprintf("%d compatible %s", len(changes), plural(len(changes), "change"))
			default:
				doc.Summary = fmt.Sprintf("%d breaking of %d %s", breaking, len(changes), plural(len(changes), "change"))
			}
			return e.emit(doc, output, map[string]string{"breaking": fmt.Sprint(breaking)})
		},
	}
	output.AddFlags(cmd)
	return cmd
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
