// Package view implements `accessctl user show` and `accessctl user list`.
package view

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/users"
)

// NewCmdShow builds `user show`.
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	cmd := &cobra.Command{
		Use:   "show LOGIN",
		Short: "Show a user's status, IDs, groups, the rules and hostgroups reaching it, and roles it can become",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			login := args[0]
			if err := names.User(login); err != nil {
				return err
			}
			dir, err := f.Directory(cmd.Context())
			if err != nil {
				return err
			}
			v, err := users.ReadView(cmd.Context(), dir, login)
			if errors.Is(err, users.ErrNotFound) {
				return cmdutil.InputErrorf("user %q not found", login)
			}
			if err != nil {
				return err
			}
			return output.Print(f.IO, out.Value, v, func(w io.Writer) error { return text(w, v) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), nil)
	return cmd
}

func list(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ", ")
}

func text(w io.Writer, v *users.View) error {
	fmt.Fprintf(w, "User:           %s (%s)\n", v.Login, v.Name)
	fmt.Fprintf(w, "Status:         %s\n", v.Status)
	fmt.Fprintf(w, "UID/GID:        %s/%s\n", v.UIDNumber, v.GIDNumber)
	if v.Mail != "" {
		fmt.Fprintf(w, "Mail:           %s\n", v.Mail)
	}
	fmt.Fprintf(w, "SSH keys:       %d\n", v.SSHKeys)
	fmt.Fprintf(w, "Groups:         %s\n", list(v.GroupsDirect))
	fmt.Fprintf(w, "Nested groups:  %s\n", list(v.GroupsNested))
	rules := func(title string, rs []users.RuleView) {
		fmt.Fprintf(w, "%s\n", title)
		if len(rs) == 0 {
			fmt.Fprintf(w, "  -\n")
		}
		for _, r := range rs {
			hosts := r.Hostgroups
			if r.AllHosts {
				hosts = append([]string{"all hosts"}, hosts...)
			}
			hosts = append(hosts, r.Hosts...)
			dis := ""
			if !r.Enabled {
				dis = " (disabled)"
			}
			fmt.Fprintf(w, "  %s%s  via %s  → %s", r.Name, dis, r.Via, list(hosts))
			if len(r.RunAs) > 0 {
				fmt.Fprintf(w, "  as %s", list(r.RunAs))
			}
			fmt.Fprintln(w)
		}
	}
	rules("HBAC rules:", v.HBACRules)
	rules("Sudo rules:", v.SudoRules)
	fmt.Fprintf(w, "Can become:     %s\n", list(v.CanBecome))
	fmt.Fprintf(w, "Roles:          %s\n", list(v.Roles))
	fmt.Fprintf(w, "Manages:        %s\n", list(v.Manages))
	return nil
}

// NewCmdList builds `user list`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	var o users.ListOptions
	cmd := &cobra.Command{
		Use:   "list [--disabled] [--with-memberships]",
		Short: "List users; --disabled --with-memberships is the offboarding audit",
		Example: `  accessctl user list
  accessctl user list --disabled --with-memberships   # offboarded users still holding memberships`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			dir, err := f.Directory(cmd.Context())
			if err != nil {
				return err
			}
			items, err := users.List(cmd.Context(), dir, o)
			if err != nil {
				return err
			}
			return output.Print(f.IO, out.Value, items, func(w io.Writer) error {
				t := output.Table{Headers: []string{"login", "name", "uid", "gid", "status", "memberships"}}
				for _, it := range items {
					m := fmt.Sprint(len(it.Memberships))
					if o.WithMemberships {
						m = strings.Join(it.Memberships, ", ")
					}
					t.AddRow(it.Login, it.Name, it.UIDNumber, it.GIDNumber, it.Status, m)
				}
				return t.Render(f.IO, w)
			})
		},
	}
	cmd.Flags().BoolVar(&o.Disabled, "disabled", false, "only disabled users")
	cmd.Flags().BoolVar(&o.WithMemberships, "with-memberships", false, "only users that still hold memberships, and list them")
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}
