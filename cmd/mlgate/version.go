package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(e *env) *cobra.Command {
	var format resultFormat
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the mlgate version",
		Example: "  mlgate version\n  mlgate --version\n  mlgate version --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return format.print(e.stdout, versionLine(), "`"+versionLine()+"`", map[string]string{
				"version": toolVersion(), "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
		},
	}
	format.AddFlags(cmd, "text")
	return cmd
}

// versionLine is what version and --version print.
func versionLine() string {
	return fmt.Sprintf("mlgate %s (%s, %s/%s)", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
