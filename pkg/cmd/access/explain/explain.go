// Package explain implements `accessctl access explain USER HOST`: may USER log in to
// and sudo on HOST, and which rules and groups say so.
package explain

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmd/access/shared"
	"github.com/accessctl/accessctl/pkg/cmd/audit"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `access explain`.
type Options struct {
	F    *cmdutil.Factory
	Out  cmdutil.OutputFlag
	From string
	User string
	Host string
}

// NewCmdExplain builds `access explain USER HOST`; runF replaces the run function in tests.
func NewCmdExplain(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "explain USER HOST",
		Short: "May USER log in to HOST, and what may USER run there with sudo? Which rules and groups say so",
		Example: `  accessctl access explain jdoe amor01.cp.lsst.org
  accessctl access explain jdoe amor01.cp.lsst.org -o json | jq '.login, .sudo'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User, o.Host = args[0], args[1]
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if err := names.User(o.User); err != nil {
				return err
			}
			h, err := names.Host(o.Host)
			if err != nil {
				return err
			}
			o.Host = h
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return explainRun(cmd.Context(), o)
		},
	}
	shared.AddFlags(cmd, &o.Out, &o.From)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), completion.Hosts(f), nil)
	return cmd
}

func explainRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.F, o.From)
	if err != nil {
		return err
	}
	u, err := shared.FindUser(s, o.User)
	if err != nil {
		return err
	}
	h, err := shared.FindHost(s, o.Host)
	if err != nil {
		return err
	}
	ex := s.Explain(u, h)
	return output.Print(o.F.IO, o.Out.Value, ex, func(w io.Writer) error { return printExplain(w, ex) })
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func printExplain(w io.Writer, ex *access.Explanation) error {
	via, list := shared.Via, shared.List
	fmt.Fprintf(w, "user %s on host %s\n", ex.User, ex.Host)
	if ex.UserDisabled {
		fmt.Fprintln(w, "  user is disabled")
	}
	fmt.Fprintf(w, "  groups: %s\n  hostgroups: %s\n", list(ex.Groups), list(ex.Hostgroups))
	fmt.Fprintf(w, "login: %s\n", yesNo(ex.Login))
	for _, m := range ex.LoginDetail.Rules {
		fmt.Fprintf(w, "  rule %s: user %s; host %s; services %s\n", m.Rule, via(m.UserVia, m.UserPath), via(m.HostVia, m.HostPath), list(m.Services))
	}
	if ex.LoginDetail.Miss != "" {
		fmt.Fprintf(w, "  closest miss: %s\n", ex.LoginDetail.Miss)
	}
	fmt.Fprintf(w, "sudo: %s\n", yesNo(ex.Sudo))
	for _, m := range ex.SudoDetail.Rules {
		fmt.Fprintf(w, "  rule %s: user %s; host %s; commands %s; run as %s (groups %s); options %s\n", m.Rule,
			via(m.UserVia, m.UserPath), via(m.HostVia, m.HostPath), list(m.Commands), list(m.RunAs), list(m.RunAsGrp), list(m.Options))
	}
	if ex.SudoDetail.Miss != "" {
		fmt.Fprintf(w, "  closest miss: %s\n", ex.SudoDetail.Miss)
	}
	return nil
}
