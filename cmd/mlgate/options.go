package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// options is an option group: flags that several commands share, each group
// adding its own to a command (as cosign's options do). Commands compose
// groups; the checks below keep every group to the one interface.
type options interface {
	AddFlags(cmd *cobra.Command)
}

var (
	_ options = (*outputOptions)(nil)
	_ options = (*scanOptions)(nil)
	_ options = (*signerOptions)(nil)
	_ options = (*modelOptions)(nil)
	_ options = (*trustOptions)(nil)
	_ options = (*githubOptions)(nil)
	_ options = (*reportOptions)(nil)
	_ options = (*evidenceSignOptions)(nil)
	_ options = (*evidenceTrustOptions)(nil)
	_ options = (*policyInputOptions)(nil)
	_ options = (*profileOutputOptions)(nil)
	_ options = (*driftOptions)(nil)
	_ options = (*contractOutput)(nil)
)

// checkFlags adds a check of flag values that runs before the command does
// any work (cobra's PreRunE), after the checks added before it.
func checkFlags(cmd *cobra.Command, check func() error) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(c, args); err != nil {
				return err
			}
		}
		return check()
	}
}

// maxWorkers bounds --workers: more goroutines than this only cost memory.
const maxWorkers = 1024

// checkWorkers range-checks a --workers flag given explicitly (its default
// 0 means one per CPU).
func checkWorkers(cmd *cobra.Command, workers int) error {
	if cmd.Flags().Changed("workers") && (workers < 1 || workers > maxWorkers) {
		return fmt.Errorf("--workers %d: want 1 to %d", workers, maxWorkers)
	}
	return nil
}

// deprecatedAlias keeps an old flag name working for a renamed string flag
// (workflows written for an earlier release): hidden from help, both names
// set the same value, and the old one warns on standard error (cobra's own
// deprecation notice goes to standard output, which may carry the output).
func deprecatedAlias(cmd *cobra.Command, old, renamed string, p *string) {
	cmd.Flags().StringVar(p, old, "", "the old name of --"+renamed)
	_ = cmd.Flags().MarkHidden(old)
	checkFlags(cmd, func() error {
		if cmd.Flags().Changed(old) {
			fmt.Fprintf(cmd.ErrOrStderr(), "mlgate: warning: --%s is deprecated: use --%s\n", old, renamed)
		}
		return nil
	})
}
