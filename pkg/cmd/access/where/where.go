// Package where implements `accessctl access where USER`: the hosts and hostgroups USER
// may log in to and sudo on.
package where

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmd/access/shared"
	"github.com/accessctl/accessctl/pkg/cmd/audit"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `access where`.
type Options struct {
	F    *cmdutil.Factory
	Out  cmdutil.OutputFlag
	From string
	User string
}

// NewCmdWhere builds `access where USER`; runF replaces the run function in tests.
func NewCmdWhere(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "where USER",
		Short: "List the hosts and hostgroups USER may log in to and sudo on",
		Example: `  accessctl access where jdoe
  accessctl access where jdoe -o json | jq -r '.sudo_hosts[]'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if err := names.User(o.User); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return whereRun(cmd.Context(), o)
		},
	}
	shared.AddFlags(cmd, &o.Out, &o.From)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), nil)
	return cmd
}

func whereRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.F, o.From)
	if err != nil {
		return err
	}
	u, err := shared.FindUser(s, o.User)
	if err != nil {
		return err
	}
	res := s.Where(u)
	return output.Print(o.F.IO, o.Out.Value, res, func(w io.Writer) error {
		if res.Disabled {
			_, err := fmt.Fprintf(w, "user %s is disabled and may log in nowhere\n", res.User)
			return err
		}
		t := &output.Table{Headers: []string{"access", "rule", "user path", "hostgroups", "hosts"}}
		add := func(kind string, rs []access.Reach) {
			for _, r := range rs {
				hosts := strings.Join(r.Hosts, " ")
				if r.AllHosts {
					hosts = "(all hosts)"
				}
				t.AddRow(kind, r.Rule, shared.Via(r.UserVia, r.UserPath), shared.List(r.Hostgroups), hosts)
			}
		}
		add("login", res.Login)
		add("sudo", res.Sudo)
		if len(t.Rows) == 0 {
			_, err := fmt.Fprintf(w, "user %s may log in nowhere\n", res.User)
			return err
		}
		return t.Render(o.F.IO, w)
	})
}
