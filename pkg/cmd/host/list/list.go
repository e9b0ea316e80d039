// Package list implements `accessctl host list`.
package list

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `host list`.
type Options struct {
	F          *cmdutil.Factory
	Hostgroup  string
	Unassigned bool
	Output     cmdutil.OutputFlag
}

// Row is one host in the output.
type Row struct {
	FQDN       string   `json:"fqdn" yaml:"fqdn"`
	Hostgroups []string `json:"hostgroups" yaml:"hostgroups"`
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "list [--hostgroup HG] [--unassigned]",
		Short: "List hosts with their hostgroups",
		Example: `  accessctl host list
  accessctl host list --hostgroup auxtel
  accessctl host list --unassigned -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			if o.Hostgroup != "" && o.Unassigned {
				return cmdutil.FlagErrorf("--hostgroup and --unassigned cannot be used together")
			}
			if o.Hostgroup != "" {
				if err := names.Hostgroup(o.Hostgroup); err != nil {
					return err
				}
				o.Hostgroup = strings.ToLower(o.Hostgroup)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hostgroup, "hostgroup", "", "only the hosts of this hostgroup")
	cmd.Flags().BoolVar(&o.Unassigned, "unassigned", false, "only the hosts in no hostgroup")
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("hostgroup", completion.Hostgroups(f))
	return cmd
}

// Run reads the hosts and hostgroups and prints the list.
func Run(ctx context.Context, o *Options) error {
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	if o.Hostgroup != "" && st.Hostgroups[o.Hostgroup] == nil {
		return cmdutil.InputErrorf("hostgroup %s does not exist", o.Hostgroup)
	}
	rows := []Row{}
	for _, h := range st.Hosts {
		groups := append([]string{}, h.MemberOf...)
		switch {
		case o.Unassigned && len(groups) > 0:
			continue
		case o.Hostgroup != "" && !contains(groups, o.Hostgroup):
			continue
		}
		rows = append(rows, Row{FQDN: h.FQDN, Hostgroups: groups})
	}
	return output.Print(o.F.IO, o.Output.Value, rows, func(w io.Writer) error {
		t := output.Table{Headers: []string{"fqdn", "hostgroups"}}
		for _, r := range rows {
			g := strings.Join(r.Hostgroups, ",")
			if g == "" {
				g = "-"
			}
			t.AddRow(r.FQDN, g)
		}
		return t.Render(o.F.IO, w)
	})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
