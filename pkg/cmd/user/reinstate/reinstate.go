// Package reinstate implements `accessctl user reinstate`.
package reinstate

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/users"
)

// Options are the inputs of `user reinstate`.
type Options struct {
	F      *cmdutil.Factory
	Login  string
	From   string
	Plan   cmdutil.PlanFlags
	record *users.Record
}

// NewCmdReinstate builds the command; runF replaces the run function in tests.
func NewCmdReinstate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "reinstate LOGIN --from RECORD",
		Short: "Undo a mistaken offboarding from its record",
		Long: `Re-enable a user and restore exactly the memberships, rule references, SSH keys and OTP
token states that the offboarding record says were removed. References already back are
left alone; an entry that no longer exists makes the whole plan fail and roll back.

A record is evidence of one offboarding, not a script: only restorations of the record's
own user are applied: its lock state, its DN back in a group or role (member), a group's or
hostgroup's memberManager, an HBAC or sudo rule's users (memberUser) or a sudo rule's
run-as users (ipaSudoRunAs), its SSH keys and OTP token states. A membership must also be in
the record's before-state memberof. Anything else (another user, another attribute, an
entry that is not a group, role, hostgroup or rule, such as cn=ipaConfig) refuses the
whole record before any change (exit 2, naming the item).`,
		Example: `  accessctl user reinstate jdoe --from ~/.local/state/accessctl/records/jdoe-20261123T120000Z.json --dry-run`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Login = args[0]
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if err := names.User(o.Login); err != nil {
				return err
			}
			if o.From == "" {
				return cmdutil.FlagErrorf("--from RECORD is required")
			}
			rec, err := users.ReadRecord(o.From)
			if err != nil {
				return cmdutil.InputError(err)
			}
			if rec.Login != o.Login {
				return cmdutil.InputErrorf("record %s is for user %q, not %q", o.From, rec.Login, o.Login)
			}
			o.record = rec
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.From, "from", "", "offboarding record (JSON) written by `user offboard`")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Users(f), nil)
	_ = cmd.MarkFlagFilename("from", "json")
	return cmd
}

// Run reads the user's current references in one search, plans the restoration, applies.
func Run(ctx context.Context, o *Options) error {
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	s, err := users.Read(ctx, dir, o.Login, len(o.record.TokensDisabled) > 0)
	if err != nil {
		return err
	}
	p, err := users.PlanReinstate(s, o.record)
	if errors.Is(err, users.ErrNotFound) {
		return cmdutil.InputErrorf("user %q not found", o.Login)
	}
	var re *users.RecordError
	if errors.As(err, &re) {
		return cmdutil.InputErrorf("offboarding record %s: %w", o.From, err)
	}
	if err != nil {
		return cmdutil.InputError(err)
	}
	_, err = cmdutil.RunPlan(ctx, o.F, dir, p, &o.Plan)
	return err
}
