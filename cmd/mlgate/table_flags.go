package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/table"
)

// tableFlags choose the version of data arguments that are lakehouse
// tables (a Delta folder, an Iceberg metadata file or table folder). An
// argument may also pin itself: TABLE@VERSION.
type tableFlags struct {
	Version int64
	AsOf    string
	Since   int64
}

func (f *tableFlags) add(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.Version, "table-version", -1, "read table arguments at this Delta `version` or Iceberg snapshot id (-1: the current one)")
	cmd.Flags().StringVar(&f.AsOf, "as-of", "", "read table arguments as of this `time` (RFC 3339 or YYYY-MM-DD, UTC): the last version committed then")
	cmd.Flags().Int64Var(&f.Since, "since", -1, "incremental: check only the data table arguments added after this Delta `version` or Iceberg snapshot id (row bounds and uniqueness still see the whole table)")
	checkFlags(cmd, func() error {
		_, err := f.options()
		return err
	})
}

func (f *tableFlags) options() (table.Options, error) {
	o := table.Options{Version: f.Version}
	if f.Since >= 0 {
		o.Since = &f.Since
	}
	if f.AsOf != "" {
		if f.Version >= 0 {
			return o, fmt.Errorf("--as-of and --table-version: choose one")
		}
		t, err := time.Parse(time.RFC3339Nano, f.AsOf)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, f.AsOf); err != nil {
				return o, fmt.Errorf("--as-of %q: want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD", f.AsOf)
			}
			t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
		}
		o.AsOf = t
	}
	return o, nil
}
