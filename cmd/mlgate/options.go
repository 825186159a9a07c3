package main

import "github.com/spf13/cobra"

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
