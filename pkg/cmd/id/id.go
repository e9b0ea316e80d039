// Package id implements `accessctl id ranges|next|check` (ITTN-010 §6).
package id

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/id/check"
	"github.com/accessctl/accessctl/pkg/cmd/id/next"
	"github.com/accessctl/accessctl/pkg/cmd/id/ranges"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdID is the `id` noun.
func NewCmdID(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "id",
		Short: "UID/GID ranges, allocation and checks (ITTN-010 §6)",
		Long: `UIDs and GIDs by the conventions (ITTN-010 §6): every central ID is >= 60001, UID ==
GID, each range has its purpose, and a reserved ID goes only to its named account.
An ID is free only when no entry uses it as a uidNumber or a gidNumber (users, groups,
private groups, staged and preserved users) and it is not reserved.`,
		GroupID: "access",
	}
	cmd.AddCommand(ranges.NewCmdRanges(f, nil), next.NewCmdNext(f, nil), check.NewCmdCheck(f, nil))
	return cmd
}
