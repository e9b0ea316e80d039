// Package access implements `accessctl access explain|who|where`: who may log in to and
// sudo on which host, evaluated from one read of the directory (or an LDIF snapshot).
package access

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmd/audit"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// NewCmdAccess builds the `access` noun.
func NewCmdAccess(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "access",
		Short:   "Explain who may log in to and sudo on which host",
		GroupID: "access",
	}
	cmd.AddCommand(NewCmdExplain(f, nil), NewCmdWho(f, nil), NewCmdWhere(f, nil))
	return cmd
}

// Options are the flags shared by the access verbs.
type Options struct {
	Factory *cmdutil.Factory
	Out     cmdutil.OutputFlag
	From    string
	User    string
	Host    string
}

func common(cmd *cobra.Command, o *Options) {
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.Flags().StringVar(&o.From, "from", "", "evaluate this LDIF snapshot instead of the directory")
}

func validate(o *Options, user, host bool) error {
	if err := o.Out.Validate(); err != nil {
		return err
	}
	if user {
		if err := names.User(o.User); err != nil {
			return err
		}
	}
	if host {
		h, err := names.Host(o.Host)
		if err != nil {
			return err
		}
		o.Host = h
	}
	return nil
}

func findUser(s *access.Snapshot, uid string) (*access.User, error) {
	if u := s.User(uid); u != nil {
		return u, nil
	}
	return nil, cmdutil.InputErrorf("user %q not found", uid)
}

func findHost(s *access.Snapshot, fqdn string) (*access.Host, error) {
	if h := s.Host(fqdn); h != nil {
		return h, nil
	}
	return nil, cmdutil.InputErrorf("host %q not found", fqdn)
}

// NewCmdExplain builds `access explain USER HOST`.
func NewCmdExplain(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "explain USER HOST",
		Short: "May USER log in to HOST, and what may USER run there with sudo? Which rules and groups say so",
		Example: `  accessctl access explain jdoe amor01.cp.lsst.org
  accessctl access explain jdoe amor01.cp.lsst.org -o json | jq '.login, .sudo'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User, o.Host = args[0], args[1]
			if err := validate(o, true, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return explainRun(cmd.Context(), o)
		},
	}
	common(cmd, o)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), completion.Hosts(f), nil)
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

func explainRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.Factory, o.From)
	if err != nil {
		return err
	}
	u, err := findUser(s, o.User)
	if err != nil {
		return err
	}
	h, err := findHost(s, o.Host)
	if err != nil {
		return err
	}
	ex := s.Explain(u, h)
	return output.Print(o.Factory.IO, o.Out.Value, ex, func(w io.Writer) error { return printExplain(w, ex) })
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func via(v string, path []string) string {
	if len(path) > 0 {
		return v + " " + strings.Join(path, " > ")
	}
	return v
}

func printExplain(w io.Writer, ex *access.Explanation) error {
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

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ", ")
}

// NewCmdWho builds `access who HOST`.
func NewCmdWho(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "who HOST",
		Short: "List the users who may log in to and sudo on HOST, grouped by rule and group path",
		Example: `  accessctl access who amor01.cp.lsst.org
  accessctl access who amor01.cp.lsst.org --from site.ldif -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Host = args[0]
			if err := validate(o, false, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return whoRun(cmd.Context(), o)
		},
	}
	common(cmd, o)
	cmd.ValidArgsFunction = completion.Positional(completion.Hosts(f), nil)
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

func whoRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.Factory, o.From)
	if err != nil {
		return err
	}
	h, err := findHost(s, o.Host)
	if err != nil {
		return err
	}
	res := s.Who(h)
	return output.Print(o.Factory.IO, o.Out.Value, res, func(w io.Writer) error {
		t := &output.Table{Headers: []string{"access", "rule", "user path", "host path", "users"}}
		add := func(kind string, ps []access.Path) {
			for _, p := range ps {
				t.AddRow(kind, p.Rule, via(p.UserVia, p.UserPath), via(p.HostVia, p.HostPath), strings.Join(p.Users, " "))
			}
		}
		add("login", res.Login)
		add("sudo", res.Sudo)
		if len(t.Rows) == 0 {
			_, err := fmt.Fprintf(w, "nobody may log in to or sudo on %s\n", res.Host)
			return err
		}
		return t.Render(o.Factory.IO, w)
	})
}

// NewCmdWhere builds `access where USER`.
func NewCmdWhere(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "where USER",
		Short: "List the hosts and hostgroups USER may log in to and sudo on",
		Example: `  accessctl access where jdoe
  accessctl access where jdoe -o json | jq -r '.sudo_hosts[]'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			if err := validate(o, true, false); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return whereRun(cmd.Context(), o)
		},
	}
	common(cmd, o)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), nil)
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

func whereRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.Factory, o.From)
	if err != nil {
		return err
	}
	u, err := findUser(s, o.User)
	if err != nil {
		return err
	}
	res := s.Where(u)
	return output.Print(o.Factory.IO, o.Out.Value, res, func(w io.Writer) error {
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
				t.AddRow(kind, r.Rule, via(r.UserVia, r.UserPath), list(r.Hostgroups), hosts)
			}
		}
		add("login", res.Login)
		add("sudo", res.Sudo)
		if len(t.Rows) == 0 {
			_, err := fmt.Fprintf(w, "user %s may log in nowhere\n", res.User)
			return err
		}
		return t.Render(o.Factory.IO, w)
	})
}
