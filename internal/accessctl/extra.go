package accessctl

import (
	"github.com/spf13/cobra"

	accesscmd "github.com/accessctl/accessctl/pkg/cmd/access"
	applycmd "github.com/accessctl/accessctl/pkg/cmd/apply"
	auditcmd "github.com/accessctl/accessctl/pkg/cmd/audit"
	automembercmd "github.com/accessctl/accessctl/pkg/cmd/automember"
	"github.com/accessctl/accessctl/pkg/cmd/cluster"
	diffcmd "github.com/accessctl/accessctl/pkg/cmd/diff"
	exportcmd "github.com/accessctl/accessctl/pkg/cmd/export"
	hostcmd "github.com/accessctl/accessctl/pkg/cmd/host"
	idcmd "github.com/accessctl/accessctl/pkg/cmd/id"
	"github.com/accessctl/accessctl/pkg/cmd/role"
	"github.com/accessctl/accessctl/pkg/cmd/service"
	snapshotcmd "github.com/accessctl/accessctl/pkg/cmd/snapshot"
	"github.com/accessctl/accessctl/pkg/cmd/user"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
)

// extraCommands lists the command groups of the later issues; each engineer adds theirs
// here (one line each) to keep merges trivial.
func extraCommands(f *cmdutil.Factory) []*cobra.Command {
	return []*cobra.Command{
		cluster.NewCmdCluster(f),
		automembercmd.NewCmdAutomember(f), hostcmd.NewCmdHost(f),
		completion.NewCmdRefreshCache(f),
		auditcmd.NewCmdAudit(f, nil), accesscmd.NewCmdAccess(f), snapshotcmd.NewCmdSnapshot(f, nil),
		user.NewCmdUser(f),
		idcmd.NewCmdID(f), role.NewCmdRole(f), service.NewCmdService(f),
		exportcmd.NewCmdExport(f), diffcmd.NewCmdDiff(f), applycmd.NewCmdApply(f),
	}
}
