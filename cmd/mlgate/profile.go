package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner of this command): replace this placeholder with the real command.
func newProfileCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "profile",
		Short:  "not built yet",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("mlgate profile is not built yet")
		},
	}
}
