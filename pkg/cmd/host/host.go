// Package host is the `accessctl host` noun.
package host

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/host/list"
	"github.com/accessctl/accessctl/pkg/cmd/host/rename"
	"github.com/accessctl/accessctl/pkg/cmd/host/show"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdHost builds the noun with list and show; extra adds further verbs (rename) with
// one argument each.
func NewCmdHost(f *cmdutil.Factory, extra ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "host",
		Short:   "List and show hosts with their hostgroups and the automember conditions behind them",
		GroupID: "access",
	}
	cmd.AddCommand(list.NewCmdList(f, nil), show.NewCmdShow(f, nil))
	cmd.AddCommand(rename.NewCmdRename(f, nil))
	cmd.AddCommand(extra...)
	return cmd
}
