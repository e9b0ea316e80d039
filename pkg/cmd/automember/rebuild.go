package automember

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/plan"
)

// RebuildOptions are the inputs of `automember rebuild`.
type RebuildOptions struct {
	F         *cmdutil.Factory
	Hostgroup string
	Plan      cmdutil.PlanFlags
	// Poll is the task polling interval (1s; tests shorten it).
	Poll time.Duration
}

// NewCmdRebuild builds `automember rebuild`.
func NewCmdRebuild(f *cmdutil.Factory, runF func(context.Context, *RebuildOptions) error) *cobra.Command {
	o := &RebuildOptions{F: f, Poll: time.Second}
	cmd := &cobra.Command{
		Use:   "rebuild [--hostgroup HG]",
		Short: "Make hostgroup members exactly what their rules match, with the server's rebuild task",
		Long: `Compute every hostgroup's expected members from its rule and the live host list,
show the joins and evictions before/after as a plan (evictions make it a removing plan:
--yes off a terminal), apply them all or nothing, then run the server's automember rebuild
task with cleanup: yes (389-ds issue #5547: without cleanup a rebuild only adds) and wait
for it, and finally re-read and verify every hostgroup.

With --hostgroup only that hostgroup is enforced, by explicit member changes: the
server's task cannot be limited to one rule.`,
		Example: `  accessctl automember rebuild --dry-run
  accessctl automember rebuild --yes
  accessctl automember rebuild --hostgroup auxtel`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if o.Hostgroup != "" {
				var err error
				if o.Hostgroup, err = hostgroupArg(o.Hostgroup); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunRebuild(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hostgroup, "hostgroup", "", "enforce only this hostgroup's rule")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("hostgroup", completion.Hostgroups(f))
	return cmd
}

// RunRebuild plans, applies, runs the task and verifies.
func RunRebuild(ctx context.Context, o *RebuildOptions) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	var only []string
	if o.Hostgroup != "" {
		only = []string{o.Hostgroup}
	}
	p, pvs, err := st.EnforcePlan("rebuild automember membership", only)
	if err != nil {
		return domainErr(err)
	}
	if _, err := cmdutil.RunPlan(ctx, f, dir, p, &o.Plan); err != nil {
		return err
	}
	if o.Plan.DryRun || o.Plan.Emit != "" {
		return nil
	}
	switch {
	case o.Hostgroup != "":
		fmt.Fprintln(f.IO.ErrOut, "rebuild task: not run (--hostgroup: enforced by explicit member changes)")
	case len(p.Warnings) > 0:
		fmt.Fprintln(f.IO.ErrOut, "rebuild task: not run (some rules were skipped; the server would apply them unpreviewed)")
	default:
		stop := f.IO.Progress("running the automember rebuild task")
		res, err := hostgroups.RunRebuild(ctx, dir, o.Poll)
		stop()
		switch {
		case err != nil && (directory.IsCode(err, directory.CodeInsufficientAccess) || directory.IsCode(err, directory.CodeUnwillingToPerform)):
			fmt.Fprintf(f.IO.ErrOut, "accessctl: warning: the server refused the rebuild task (%v); membership was enforced by explicit member changes\n", err)
		case err != nil:
			return err
		default:
			fmt.Fprintf(f.IO.ErrOut, "rebuild task: %s (processed %d host(s))\n", res.Status, res.Processed)
		}
	}
	for _, pv := range pvs {
		if pv.Changes() {
			before := pv.Stay + len(pv.Evict)
			fmt.Fprintf(f.IO.ErrOut, "%s: %d -> %d host(s) (+%d -%d)\n", pv.Hostgroup, before, len(pv.Expected), len(pv.Join), len(pv.Evict))
		}
	}
	return verify(ctx, f, dir, only)
}
