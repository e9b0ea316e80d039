package accessctl

import (
	"github.com/spf13/cobra"

	accesscmd "github.com/accessctl/accessctl/pkg/cmd/access"
	applycmd "github.com/accessctl/accessctl/pkg/cmd/apply"
	auditcmd "github.com/accessctl/accessctl/pkg/cmd/audit"
	automembercmd "github.com/accessctl/accessctl/pkg/cmd/automember"
	"github.com/accessctl/accessctl/pkg/cmd/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/configcmd"
	diffcmd "github.com/accessctl/accessctl/pkg/cmd/diff"
	exportcmd "github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmd/helptopics"
	hostcmd "github.com/accessctl/accessctl/pkg/cmd/host"
	idcmd "github.com/accessctl/accessctl/pkg/cmd/id"
	"github.com/accessctl/accessctl/pkg/cmd/role"
	"github.com/accessctl/accessctl/pkg/cmd/root"
	"github.com/accessctl/accessctl/pkg/cmd/sandboxcmd"
	"github.com/accessctl/accessctl/pkg/cmd/service"
	snapshotcmd "github.com/accessctl/accessctl/pkg/cmd/snapshot"
	"github.com/accessctl/accessctl/pkg/cmd/user"
	"github.com/accessctl/accessctl/pkg/cmd/whoami"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
)

// NewRootCmd builds the full command tree (also used by the docs and completion
// generators). This is the one list of command groups: a new noun adds one line here.
func NewRootCmd(f *cmdutil.Factory, flags *factory.Flags) *cobra.Command {
	subs := []*cobra.Command{
		// access
		cluster.NewCmdCluster(f),
		automembercmd.NewCmdAutomember(f), hostcmd.NewCmdHost(f),
		user.NewCmdUser(f),
		idcmd.NewCmdID(f), role.NewCmdRole(f), service.NewCmdService(f),
		auditcmd.NewCmdAudit(f, nil), accesscmd.NewCmdAccess(f),
		exportcmd.NewCmdExport(f), diffcmd.NewCmdDiff(f), applycmd.NewCmdApply(f),
		// setup and directory
		configcmd.NewCmdConfig(f), whoami.NewCmdWhoami(f), sandboxcmd.NewCmdSandbox(f),
		snapshotcmd.NewCmdSnapshot(f, nil), completion.NewCmdRefreshCache(f),
	}
	subs = append(subs, helptopics.Topics(f)...)
	return root.NewCmdRoot(f, flags, subs...)
}
