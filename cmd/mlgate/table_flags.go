package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/table"
)

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
