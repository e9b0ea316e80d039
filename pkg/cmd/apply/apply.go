// Package apply implements `accessctl apply -f FILE|DIR`: carry out the plan `diff -f`
// shows, through the one confirmation and apply path every command uses.
package apply

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/diff"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/plan"
)

// NewCmdApply builds `accessctl apply`.
func NewCmdApply(f *cmdutil.Factory) *cobra.Command {
	var file string
	var maxChanges int
	var pf cmdutil.PlanFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR",
		Short: "Make the directory what a Site document says about the objects it lists",
		Long: `Carry out the plan 'accessctl diff -f' shows (see docs/site-as-code.md): the directory is
read right before planning, the plan is printed, and it is applied all or nothing, with the
confirmation rules of every command (a plan that removes access needs --yes off a
terminal).

Authoritative for what the file lists: a listed cluster's members, sudo members, member
managers and host regexes become exactly the file's. Objects the file does not list are
left alone (no --prune yet). What no command can change yet is shown as "differs" and
left alone. New service bind DNs are not created by apply yet (they need a password):
create them with 'accessctl service binddn create' first.

--max-changes N refuses (exit 3, nothing changed) a plan with more than N object changes
(creates + modifies + deletes).`,
		Example: `  accessctl apply -f site/ --dry-run
  accessctl apply -f site/ --max-changes 20 --yes`,
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pf.Validate(cmd); err != nil {
				return err
			}
			if file == "" {
				return cmdutil.FlagErrorf("-f FILE|DIR is required")
			}
			if maxChanges < 0 {
				return cmdutil.FlagErrorf("invalid --max-changes %d: want 0 or more", maxChanges)
			}
			return run(cmd.Context(), f, file, maxChanges, &pf)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the Site document: a file, or a directory of *.yaml files")
	cmd.Flags().IntVar(&maxChanges, "max-changes", 0, "refuse a plan with more than `N` object changes (0: no limit)")
	cmdutil.AddPlanFlags(cmd, &pf, plan.IPA, plan.LDIF)
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, path string, maxChanges int, pf *cmdutil.PlanFlags) error {
	p, cur, err := diff.Build(ctx, f, path)
	if err != nil {
		return err
	}
	for _, c := range p.Pending() {
		if c.Kind == "sysaccount" && c.Action == plan.Create {
			return cmdutil.InputErrorf("service %s does not exist: apply does not create bind DNs yet (they need a password): run accessctl service binddn create %s --password-file FILE first", c.Name, c.Name)
		}
	}
	if n := len(p.Pending()); maxChanges > 0 && n > maxChanges && !pf.DryRun && pf.Emit == "" {
		return &cmdutil.RefusedError{Reason: fmt.Sprintf("the plan has %d object changes, more than --max-changes %d: nothing changed (see accessctl diff -f %s)", n, maxChanges, path)}
	}
	p.Title = "apply " + path
	_, err = cmdutil.RunPlan(ctx, f, cur.Dir, p, pf)
	if err == nil && p.HasDiffers() {
		fmt.Fprintln(f.IO.ErrOut, "accessctl: some differences cannot be applied yet and were left alone (see the notes marked differs)")
	}
	return err
}
