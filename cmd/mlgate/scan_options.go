package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// scanOptions is the option group of commands that read Parquet data.
type scanOptions struct {
	Workers     int
	MaxPageSize int64
	Memory      int64 // MiB
	// Endpoint and NoSignRequest reach remote data.
	Endpoint      string
	NoSignRequest bool
	// Table chooses the version of table arguments.
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

// addStoreFlags adds the flags for remote data to a command's scan options.
func (o *scanOptions) addStoreFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible server for s3:// data (default: AWS, or AWS_ENDPOINT_URL_S3)")
	cmd.Flags().BoolVar(&o.NoSignRequest, "no-sign-request", false, "read s3://, gs:// and az:// data anonymously (public buckets)")
	o.Table.add(cmd)
}

// remote is the run's client for data arguments that are object URLs
// (s3://, gs://, az://, https://) and the version of table arguments;
// Close it when the run ends.
func (o *scanOptions) remote() *steps.Remote {
	r := steps.NewRemote(objstore.Options{Endpoint: o.Endpoint, Anonymous: o.NoSignRequest})
	r.Table = &o.Table.Options
	return r
}

// runWith is the run's identity and clock, reaching remote data through r.
func (e *env) runWith(r *steps.Remote) steps.Run {
	run := e.run()
	run.Remote = r
	return run
}

// tableFlags choose the version of data arguments that are lakehouse
// tables (a Delta folder, an Iceberg metadata file or table folder). An
// argument may also pin itself: TABLE@VERSION. The flags bind into the
// steps' table options; --as-of is parsed into them when flags are checked.
type tableFlags struct {
	table.Options
	asOf  string
	since int64
}

func (f *tableFlags) add(cmd *cobra.Command) {
	f.Version, f.since = -1, -1
	cmd.Flags().Var(versionValue{&f.Version}, "table-version", "read table arguments at this Delta `version` or Iceberg snapshot id (default: the current one)")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "read table arguments as of this `time` (RFC 3339 or YYYY-MM-DD, UTC): the last version committed then")
	cmd.Flags().Var(versionValue{&f.since}, "since", "incremental: check only the data table arguments added after this Delta `version` or Iceberg snapshot id (row bounds and uniqueness still see the whole table)")
	checkFlags(cmd, f.check)
}

// check completes the options from --since and --as-of.
func (f *tableFlags) check() error {
	if f.since >= 0 {
		f.Since = &f.since
	}
	if f.asOf == "" {
		return nil
	}
	if f.Version >= 0 {
		return fmt.Errorf("--as-of and --table-version: choose one")
	}
	t, err := time.Parse(time.RFC3339Nano, f.asOf)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, f.asOf); err != nil {
			return fmt.Errorf("--as-of %q: want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD", f.asOf)
		}
		t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
	}
	f.AsOf = t
	return nil
}

// versionValue is a table version flag whose unset value, -1, help does not
// show as a default (an int64 flag would print "(default -1)").
type versionValue struct{ v *int64 }

func (v versionValue) String() string {
	if v.v == nil || *v.v < 0 {
		return ""
	}
	return strconv.FormatInt(*v.v, 10)
}

func (v versionValue) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return err
	}
	*v.v = n
	return nil
}

func (v versionValue) Type() string { return "int64" }
