package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/signing"
)

type validateOptions struct {
	Contract  string
	Digest    bool
	VerifyAll bool
	output    outputOptions
	scan      scanOptions
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

  # bound memory on files with very large values
  mlgate validate --contract contract.yaml --max-page-size 64 --workers 2 data/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, e, args)
		},
	}
	cmd.Flags().StringVarP(&o.Contract, "contract", "c", "", "the data contract (YAML) to validate against (required)")
	cmd.Flags().BoolVar(&o.Digest, "digest", false, "record each file's sha256 in the evidence (reads every byte)")
	cmd.Flags().BoolVar(&o.VerifyAll, "verify-all", false, "decode every page of every column to verify checksums and counts, even where metadata decides every check")
	_ = cmd.MarkFlagRequired("contract")
	o.output.AddFlags(cmd)
	o.scan.AddFlags(cmd)
	return cmd
}

func (o *validateOptions) run(cmd *cobra.Command, e *env, args []string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	defer o.scan.attach(cmd)()
	paths, err := expandData(cmd.Context(), args)
	if err != nil {
		return err
	}
	p := e.plan()
	p.Input("--contract", o.Contract)
	p.Input("data file", paths...)
	o.output.planAs(p, "--out")
	if err := p.Check(); err != nil {
		return err
	}
	started := e.now()
	c, err := contract.Load(o.Contract)
	if err != nil {
		return err
	}
	plan, err := contract.Compile(c)
	if err != nil {
		return err
	}
	subject := evidence.Subject{Name: c.Name}
	if subject.Name == "" {
		subject.Name = strings.Join(paths, ", ")
	}
	doc := evidence.New(evidence.KindDataValidation, subject, e.tool(), started)
	details := evidence.ValidationDetails{Contract: o.Contract}
	files, err := o.open(cmd.Context(), paths, doc)
	defer parquetx.CloseAll(files)
	if err == nil {
		var res *contract.Result
		res, err = plan.Run(cmd.Context(), files, contract.Options{Scan: o.scan.parquetx(), VerifyAll: o.VerifyAll})
		if err == nil {
			for _, c := range res.Checks {
				doc.Add(c)
			}
			details = res.Details
		}
	}
	if err != nil {
		err = pageLimitHint(err)
		doc.Add(integrityCheck(err))
		doc.Summary = "could not validate: " + err.Error()
	}
	doc.Details = details
	recordIO(cmd.Context(), doc.Subject.Files)
	return e.emit(doc, o.output, map[string]string{"rows": strconv.FormatInt(details.Rows, 10)})
}

// open opens every file, recording each in the subject; it stops at the
// first that cannot be read.
func (o *validateOptions) open(ctx context.Context, paths []string, doc *evidence.Document) ([]*parquetx.File, error) {
	var files []*parquetx.File
	for _, p := range paths {
		ef := evidence.File{Path: p}
		if st, err := os.Stat(p); err == nil {
			ef.Size = st.Size()
		}
		if o.Digest && !isLocalData(p) {
			return files, fmt.Errorf("%s: --digest hashes local files only; the evidence records a remote object's version instead", p)
		}
		if o.Digest {
			sum, _, err := signing.FileDigest(ctx, p)
			if err != nil {
				return files, err
			}
			ef.Digest = map[string]string{"sha256": hex.EncodeToString(sum)}
		}
		doc.Subject.Files = append(doc.Subject.Files, ef)
		f, err := openDataFile(ctx, p)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}

// integrityCheck reports data that could not be read or contradicts its
// metadata: status error, so the command exits 2.
func integrityCheck(err error) evidence.Check {
	c := evidence.Check{ID: "file.integrity", Status: evidence.StatusError, Severity: evidence.SeverityError, Message: err.Error()}
	var ce *parquetx.CorruptError
	if errors.As(err, &ce) {
		c.Location = &evidence.Location{File: ce.File, Column: ce.Column}
		if ce.RowGroup >= 0 {
			rg := ce.RowGroup
			c.Location.RowGroup = &rg
		}
	}
	return c
}
