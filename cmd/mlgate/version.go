package main

import (
	"fmt"
	"runtime"

	"github.com/mlgate/mlgate/pkg/report"
	"github.com/spf13/cobra"
)

func newVersionCmd(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the mlgate version",
		Example: "  mlgate version\n  mlgate --version\n  mlgate version --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return report.Result{Text: versionLine(), Markdown: "`" + versionLine() + "`", JSON: map[string]string{
				"version": toolVersion(), "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}}.Print(e.stdout, format)
		},
	}
	formatFlag(cmd, &format, "text")
	return cmd
}

// versionLine is what version and --version print.
func versionLine() string {
	return fmt.Sprintf("mlgate %s (%s, %s/%s)", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
