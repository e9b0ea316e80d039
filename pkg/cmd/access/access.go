// Package access builds `accessctl access explain|who|where`: who may log in to and
// sudo on which host, evaluated from one read of the directory (or an LDIF snapshot).
package access

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/access/explain"
	"github.com/accessctl/accessctl/pkg/cmd/access/where"
	"github.com/accessctl/accessctl/pkg/cmd/access/who"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdAccess builds the `access` noun.
func NewCmdAccess(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "access",
		Short:   "Explain who may log in to and sudo on which host",
		GroupID: "access",
	}
	cmd.AddCommand(explain.NewCmdExplain(f, nil), who.NewCmdWho(f, nil), where.NewCmdWhere(f, nil))
	return cmd
}
