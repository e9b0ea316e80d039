// Package cluster is the `accessctl cluster` noun: a cluster is ITTN-010 §3.3's five
// objects (user group, sudo group, hostgroup, HBAC rule, sudo rule) made and kept together.
package cluster

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/view"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdCluster builds the noun.
func NewCmdCluster(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cluster",
		Short:   "Create, inspect and repair clusters (group, sudo group, hostgroup, HBAC and sudo rules)",
		GroupID: "access",
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil))
	cmd.AddCommand(view.NewCmdShow(f), view.NewCmdList(f), view.NewCmdCheck(f))
	cmd.AddCommand(members.NewCmdAddUser(f), members.NewCmdRemoveUser(f), members.NewCmdMemberManager(f), members.NewCmdDelete(f))
	return cmd
}
