package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// scanOptions is the option group of commands that read Parquet data.
type scanOptions struct {
	Workers     int
	MaxPageSize int64
	Memory      int64 // MiB
	// Endpoint and NoSignRequest reach remote data (remote_data.go).
	Endpoint      string
	NoSignRequest bool
	// Table chooses the version of table arguments (table_flags.go).
	Table tableFlags
}

func (o *scanOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.Workers, "workers", 0, "column chunks read in parallel (default: the number of CPUs)")
	cmd.Flags().Int64Var(&o.MaxPageSize, "max-page-size", parquetx.DefaultMaxPageSize>>20, "refuse Parquet pages larger than this many `MiB` uncompressed")
	cmd.Flags().Int64Var(&o.Memory, "memory", parquetx.DefaultMemory>>20, "memory budget in `MiB`: the pages being read share it (a page larger than it is read alone) and the Go heap is kept near it")
	o.addStoreFlags(cmd)
	checkFlags(cmd, func() error {
		if o.Memory < 16 || o.Memory > maxPageMiB {
			return fmt.Errorf("--memory %d: want 16 to %d MiB", o.Memory, maxPageMiB)
		}
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

// parquetx is the scan's options. It also sets the Go runtime's soft memory
// limit to the budget, so that garbage does not pile up beyond it between
// collections (the pages' own share is enforced by the scan).
func (o *scanOptions) parquetx() parquetx.ScanOptions {
	if o.Memory > 0 {
		debug.SetMemoryLimit(o.Memory << 20)
	}
	return parquetx.ScanOptions{Workers: o.Workers, MaxPageSize: o.MaxPageSize << 20, Memory: o.Memory << 20}
}
