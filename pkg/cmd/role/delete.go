package role

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/roles"
)

// DeleteOptions are the inputs of `role delete`.
type DeleteOptions struct {
	F         *cmdutil.Factory
	Role      string
	Hostgroup string
	Plan      cmdutil.PlanFlags
}

// NewCmdDelete builds `role delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	o := &DeleteOptions{F: f}
	cmd := &cobra.Command{
		Use:   "delete ROLE --hostgroup HG",
		Short: "Delete the sudo rule and group to become a role on a hostgroup (the user stays)",
		Long: `Delete, as one all-or-nothing plan, what 'role create ROLE --hostgroup HG' made for HG: the
sudo rule HG-sudoto-ROLE first (nobody may become ROLE on HG's hosts any more), then the
group HG-sudoto-ROLE. The role user, its ID, its membership of the user group HG (a
cluster membership: 'cluster remove-user') and its rules on other hostgroups stay.
A sudo rule that is not in the shape role create makes is refused (exit 2): it is not this
role's to delete. It removes access: --yes is required off a terminal. 'apply -f' uses the
same plan for a hostgroup a listed role no longer has, and '--prune' for unlisted roles.`,
		Example: `  accessctl role delete atadbot --hostgroup auxtel --dry-run
  accessctl role delete atadbot --hostgroup auxtel --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Role = args[0]
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if err := names.Role(o.Role); err != nil {
				return err
			}
			if o.Hostgroup == "" {
				return cmdutil.FlagErrorf("--hostgroup is required")
			}
			if err := names.Hostgroup(o.Hostgroup); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunDelete(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hostgroup, "hostgroup", "", "hostgroup the role is no longer used on")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("hostgroup", completion.Hostgroups(f))
	return cmd
}

// RunDelete reads, plans and applies.
func RunDelete(ctx context.Context, o *DeleteOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	s, err := roles.Read(ctx, dir, conv, o.Role, o.Hostgroup)
	if err != nil {
		return err
	}
	p, err := roles.PlanDelete(s, conv)
	if err != nil {
		return inputErr(err)
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	return err
}
