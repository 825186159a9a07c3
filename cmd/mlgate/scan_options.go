package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// scanOptions is the option group of commands that read Parquet data.
type scanOptions struct {
	Workers     int
	MaxPageSize int64
}

func (o *scanOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.Workers, "workers", 0, "column chunks read in parallel (default: the number of CPUs)")
	cmd.Flags().Int64Var(&o.MaxPageSize, "max-page-size", parquetx.DefaultMaxPageSize>>20, "refuse Parquet pages larger than this many `MiB` uncompressed")
	checkFlags(cmd, func() error {
		if o.MaxPageSize < 1 || o.MaxPageSize > maxPageMiB {
			return fmt.Errorf("--max-page-size %d: want 1 to %d MiB", o.MaxPageSize, maxPageMiB)
		}
		return checkWorkers(cmd, o.Workers)
	})
}

// pageLimitHint names the flag that lifts the page size limit when the limit
// is what stopped a read: the file may be valid.
func pageLimitHint(err error) error {
	var pe *parquetx.PageLimitError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w (the file may be valid: --max-page-size %d reads this page)", err, pe.NeededMiB())
	}
	return err
}

// maxPageMiB bounds --max-page-size (1 TiB): no page is larger, and the size
// in bytes stays far from overflowing.
const maxPageMiB = 1 << 20

func (o *scanOptions) parquetx() parquetx.ScanOptions {
	return parquetx.ScanOptions{Workers: o.Workers, MaxPageSize: o.MaxPageSize << 20}
}
