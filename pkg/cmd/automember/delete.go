package automember

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// DeleteOptions are the inputs of `automember delete`.
type DeleteOptions struct {
	F           *cmdutil.Factory
	Hostgroup   string
	KeepMembers bool
	Plan        cmdutil.PlanFlags
}

// NewCmdDelete builds `automember delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	o := &DeleteOptions{F: f}
	cmd := &cobra.Command{
		Use:   "delete HOSTGROUP",
		Short: "Delete a hostgroup's automember rule and evict the hosts it admitted",
		Long: `Delete the hostgroup's automember rule. Hosts join hostgroups only through rules, so
the hostgroup's host members are evicted too, unless --keep-members. Always a removing
plan: --yes is required off a terminal.`,
		Example: `  accessctl automember delete hvac --dry-run
  accessctl automember delete hvac --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			var err error
			if o.Hostgroup, err = hostgroupArg(args[0]); err != nil {
				return err
			}
			if err := ipa.CheckManageable(ipa.KindHostgroup, o.Hostgroup, nil); err != nil {
				return err // the real reason before --yes is asked for
			}
			if err := cmdutil.RequireYesOffTerminal(f, &o.Plan); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunDelete(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.KeepMembers, "keep-members", false, "leave the hostgroup's members in place")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// RunDelete plans the rule's deletion (and the evictions) and runs it.
func RunDelete(ctx context.Context, o *DeleteOptions) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	p, err := st.DeletePlan(o.Hostgroup, o.KeepMembers)
	if err != nil {
		return domainErr(err)
	}
	applied, err := cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	if err != nil || !applied {
		return err
	}
	if !o.KeepMembers {
		after, err := hostgroups.Read(ctx, dir)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if g := after.Hostgroups[o.Hostgroup]; g != nil && len(g.Members) > 0 {
			return fmt.Errorf("verify: hostgroup %s still has %d host member(s)", o.Hostgroup, len(g.Members))
		}
		fmt.Fprintf(f.IO.ErrOut, "verified: hostgroup %s has no host members\n", o.Hostgroup)
	}
	return nil
}
