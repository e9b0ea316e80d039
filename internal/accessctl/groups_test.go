package accessctl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/accessctl"
	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// Every command group, the root and `help` included, refuses an unknown subcommand
// as a usage error (exit 2) instead of printing its help and exiting 0; a group
// called bare still shows its help. The tree is walked, so a new group is covered.
func TestUnknownSubcommandIsUsageError(t *testing.T) {
	var groups [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.HasSubCommands() {
			groups = append(groups, path)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(newRoot(t, nil), nil)
	if len(groups) < 10 {
		t.Fatalf("found %d command groups, want the whole tree", len(groups))
	}
	for _, path := range append(groups, []string{"help"}) {
		name := "accessctl " + strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			root := newRoot(t, &out)
			root.SetArgs(append(append([]string{}, path...), "nosuchverb"))
			_, err := root.ExecuteC()
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Fatalf("%s nosuchverb: err %v (exit %d), want a usage error", name, err, cmdutil.ExitCode(err))
			}
			if !strings.Contains(err.Error(), `"nosuchverb"`) || out.Len() != 0 {
				t.Errorf("%s nosuchverb: error %q, stdout %q", name, err, out.String())
			}
			if len(path) > 0 && path[0] == "help" {
				return
			}
			out.Reset()
			root = newRoot(t, &out)
			root.SetArgs(append([]string{}, path...)) // never nil: cobra would read os.Args
			if _, err := root.ExecuteC(); err != nil || !strings.Contains(out.String(), "Usage:") {
				t.Errorf("%s bare: err %v, stdout %q, want its help", name, err, out.String())
			}
		})
	}
}

func newRoot(t *testing.T, out *strings.Builder) *cobra.Command {
	f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
	root := accessctl.NewRootCmd(f, &factory.Flags{Set: map[string]string{}})
	if out != nil {
		root.SetOut(out)
		root.SetErr(out)
	}
	return root
}
