package accessctl

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/user"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
)

// extraCommands lists the command groups of the later issues; each engineer adds theirs
// here (one line each) to keep merges trivial.
func extraCommands(f *cmdutil.Factory) []*cobra.Command {
	return []*cobra.Command{
		cluster.NewCmdCluster(f),
		completion.NewCmdRefreshCache(f),
		user.NewCmdUser(f),
	}
}
