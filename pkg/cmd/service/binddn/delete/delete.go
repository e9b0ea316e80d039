// Package delete implements `accessctl service binddn delete` (ITTN-010 §7.3).
package delete

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/service/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Options are the inputs of `service binddn delete`.
type Options struct {
	F    *cmdutil.Factory
	Name string
	Plan cmdutil.PlanFlags
}

// NewCmdDelete builds `service binddn delete`; runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a service bind DN (services binding as it lose access)",
		Example: "  accessctl service binddn delete foreman --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := shared.Validate(cmd, o.Name, &o.Plan); err != nil {
				return err
			}
			if err := cmdutil.RequireYesOffTerminal(f, &o.Plan); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDelete(cmd.Context(), o)
		},
	}
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF, plan.Update)
	cmd.ValidArgsFunction = completion.Positional(completion.ServiceBindDNs(f), nil)
	return cmd
}

// runDelete plans and applies the removal.
func runDelete(ctx context.Context, o *Options) error {
	f := o.F
	dir, _, cur, err := shared.Existing(ctx, f, o.Name)
	if err != nil {
		return err
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, sysaccounts.PlanDelete(o.Name, cur), &o.Plan)
	return err
}
