package accessctl

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/configcmd"
	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmd/helptopics"
	"github.com/accessctl/accessctl/pkg/cmd/root"
	"github.com/accessctl/accessctl/pkg/cmd/sandboxcmd"
	"github.com/accessctl/accessctl/pkg/cmd/whoami"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewRootCmd builds the full command tree (also used by the docs and completion
// generators).
func NewRootCmd(f *cmdutil.Factory, flags *factory.Flags) *cobra.Command {
	subs := []*cobra.Command{
		configcmd.NewCmdConfig(f),
		whoami.NewCmdWhoami(f),
		sandboxcmd.NewCmdSandbox(f),
	}
	subs = append(subs, helptopics.Topics(f)...)
	subs = append(subs, extraCommands(f)...)
	return root.NewCmdRoot(f, flags, subs...)
}
