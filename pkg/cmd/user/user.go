// Package user is the `accessctl user` noun: regular users onboarded by convention,
// offboarded by ITTN-010 §8 (disable, never delete, remove every membership), reinstated
// from an offboarding record, and viewed with the access that reaches them.
package user

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmd/user/offboard"
	"github.com/accessctl/accessctl/pkg/cmd/user/reinstate"
	"github.com/accessctl/accessctl/pkg/cmd/user/view"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdUser builds the noun.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user",
		Short:   "Create, offboard, reinstate and inspect regular users",
		GroupID: "access",
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil), offboard.NewCmdOffboard(f, nil), reinstate.NewCmdReinstate(f, nil),
		view.NewCmdShow(f), view.NewCmdList(f))
	return cmd
}
