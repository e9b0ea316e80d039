package automember

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/plan"
)

// EditOptions are the inputs of `automember add` and `automember remove`.
type EditOptions struct {
	F         *cmdutil.Factory
	Hostgroup string
	Edit      hostgroups.Edit
	Plan      cmdutil.PlanFlags
	title     string
}

// NewCmdAdd builds `automember add`; runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *EditOptions) error) *cobra.Command {
	o := &EditOptions{F: f}
	cmd := &cobra.Command{
		Use:   "add HOSTGROUP --regex RE... [--exclude RE...]",
		Short: "Add fqdn conditions to a hostgroup's automember rule (creating the rule) and enforce it",
		Long: `Add inclusive (--regex) and exclusive (--exclude) fqdn conditions to the hostgroup's
automember rule, creating the rule when it is missing. The plan shows the hosts that join
and those evicted; after it is applied the hostgroup holds exactly the hosts the rule
matches (all or nothing), which is then verified.`,
		Example: `  accessctl automember add auxtel --regex '^ts-csc-generic-01\.cp\.lsst\.org$'
  accessctl automember add hvac --regex '^eas-hvac-[0-9]+\.cp\.lsst\.org$' --exclude '-test\.' --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			var err error
			if o.Hostgroup, err = hostgroupArg(args[0]); err != nil {
				return err
			}
			if len(o.Edit.AddInclusive)+len(o.Edit.AddExclusive) == 0 {
				return cmdutil.FlagErrorf("at least one --regex or --exclude is required")
			}
			if err := validateRegexes(o.Edit.AddInclusive, o.Edit.AddExclusive); err != nil {
				return err
			}
			o.title = "add automember conditions to " + o.Hostgroup
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunEdit(cmd.Context(), o)
		},
	}
	cmd.Flags().StringArrayVar(&o.Edit.AddInclusive, "regex", nil, "inclusive fqdn regex (repeatable)")
	cmd.Flags().StringArrayVar(&o.Edit.AddExclusive, "exclude", nil, "exclusive fqdn regex (repeatable)")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// NewCmdRemove builds `automember remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *EditOptions) error) *cobra.Command {
	o := &EditOptions{F: f}
	cmd := &cobra.Command{
		Use:   "remove HOSTGROUP --regex RE... [--exclude RE...]",
		Short: "Remove fqdn conditions from a hostgroup's automember rule and enforce it",
		Long: `Remove inclusive (--regex) and exclusive (--exclude) conditions from the hostgroup's
automember rule. Hosts no condition matches any more are evicted: such a plan is a removing
plan and needs --yes off a terminal.`,
		Example: `  accessctl automember remove auxtel --regex '^atsdaq.*' --dry-run
  accessctl automember remove auxtel --regex '^atsdaq.*' --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			var err error
			if o.Hostgroup, err = hostgroupArg(args[0]); err != nil {
				return err
			}
			if len(o.Edit.RemoveInclusive)+len(o.Edit.RemoveExclusive) == 0 {
				return cmdutil.FlagErrorf("at least one --regex or --exclude is required")
			}
			if err := validateRegexes(o.Edit.RemoveInclusive, o.Edit.RemoveExclusive); err != nil {
				return err
			}
			o.title = "remove automember conditions from " + o.Hostgroup
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunEdit(cmd.Context(), o)
		},
	}
	cmd.Flags().StringArrayVar(&o.Edit.RemoveInclusive, "regex", nil, "inclusive fqdn regex to remove (repeatable)")
	cmd.Flags().StringArrayVar(&o.Edit.RemoveExclusive, "exclude", nil, "exclusive fqdn regex to remove (repeatable)")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// RunEdit reads the state (three searches), plans the rule change with its joins and
// evictions, runs the plan, then verifies the hostgroup.
func RunEdit(ctx context.Context, o *EditOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	rule, err := st.ApplyEdit(o.Hostgroup, conv.Automember.Key, o.Edit)
	if err != nil {
		return domainErr(err)
	}
	p, _, err := st.RulePlan(o.title, rule)
	if err != nil {
		return domainErr(err)
	}
	applied, err := cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	if err != nil || !applied {
		return err
	}
	return verify(ctx, f, dir, []string{o.Hostgroup})
}
