package automember

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/output"
)

// PreviewOptions are the inputs of `automember preview`.
type PreviewOptions struct {
	F         *cmdutil.Factory
	Hostgroup string
	Edit      hostgroups.Edit
	Output    cmdutil.OutputFlag
}

// NewCmdPreview builds `automember preview`.
func NewCmdPreview(f *cmdutil.Factory, runF func(context.Context, *PreviewOptions) error) *cobra.Command {
	o := &PreviewOptions{F: f}
	cmd := &cobra.Command{
		Use:   "preview HOSTGROUP [--regex RE]... [--remove-regex RE]...",
		Short: "Show the hosts that would join a hostgroup and those that would be evicted",
		Long: `Compute, from the live host list, what the hostgroup's rule (changed by the given
conditions, or as it stands) does to its members: the hosts that join and those evicted.
Changes nothing.`,
		Example: `  accessctl automember preview auxtel --regex '^atcam.*'
  accessctl automember preview auxtel --remove-regex '^at-.*' -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			var err error
			if o.Hostgroup, err = hostgroupArg(args[0]); err != nil {
				return err
			}
			if err := validateRegexes(o.Edit.AddInclusive, o.Edit.AddExclusive, o.Edit.RemoveInclusive, o.Edit.RemoveExclusive); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunPreview(cmd.Context(), o)
		},
	}
	cmd.Flags().StringArrayVar(&o.Edit.AddInclusive, "regex", nil, "inclusive fqdn regex to add (repeatable)")
	cmd.Flags().StringArrayVar(&o.Edit.AddExclusive, "exclude", nil, "exclusive fqdn regex to add (repeatable)")
	cmd.Flags().StringArrayVar(&o.Edit.RemoveInclusive, "remove-regex", nil, "inclusive fqdn regex to remove (repeatable)")
	cmd.Flags().StringArrayVar(&o.Edit.RemoveExclusive, "remove-exclude", nil, "exclusive fqdn regex to remove (repeatable)")
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// RunPreview reads the state and prints the preview.
func RunPreview(ctx context.Context, o *PreviewOptions) error {
	conv, err := o.F.Conventions()
	if err != nil {
		return err
	}
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	if st.Hostgroups[o.Hostgroup] == nil {
		return cmdutil.InputErrorf("hostgroup %s does not exist", o.Hostgroup)
	}
	rule, err := st.ApplyEdit(o.Hostgroup, conv.Automember.Key, o.Edit)
	if err != nil {
		return domainErr(err)
	}
	pv, err := st.Preview(rule)
	if err != nil {
		return domainErr(err)
	}
	return output.Print(o.F.IO, o.Output.Value, pv, func(w io.Writer) error {
		for _, h := range pv.Join {
			fmt.Fprintf(w, "+ %s  (joins via %s)\n", h, pv.By[h])
		}
		for _, h := range pv.Evict {
			fmt.Fprintf(w, "- %s  (evicted: no condition matches)\n", h)
		}
		fmt.Fprintf(w, "hostgroup %s: %d join, %d evicted, %d stay\n", pv.Hostgroup, len(pv.Join), len(pv.Evict), pv.Stay)
		return nil
	})
}
