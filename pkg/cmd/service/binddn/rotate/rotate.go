// Package rotate implements `accessctl service binddn rotate` (ITTN-010 §7.3).
package rotate

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/service/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Options are the inputs of `service binddn rotate`.
type Options struct {
	F      *cmdutil.Factory
	Name   string
	Secret shared.Secret
	Plan   cmdutil.PlanFlags
}

// NewCmdRotate builds `service binddn rotate`; runF replaces the run function in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "rotate NAME (--password-file FILE | --show-password)",
		Short: "Give a service bind DN a new random password (the old one stops working)",
		Long: `Replace the password of uid=NAME,cn=sysaccounts,cn=etc,SUFFIX with a new random one. The
old password stops working at once, so the plan asks for confirmation like a removal
(--yes off a terminal). The password goes only to --password-file (written before the
change) or stdout (--show-password). After the change accessctl binds as the DN to prove
the new one works. --emit ldif writes the ldapmodify change, new password included, to
--password-file or stdout instead of applying it.`,
		Example: `  accessctl service binddn rotate foreman --password-file ~/foreman.pw.new --yes
  accessctl service binddn rotate foreman --emit ldif --password-file foreman-rotate.ldif`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := shared.Validate(cmd, o.Name, &o.Plan); err != nil {
				return err
			}
			if err := shared.ValidateSecret(&o.Secret, &o.Plan); err != nil {
				return err
			}
			if o.Plan.Emit == string(plan.Update) {
				return cmdutil.FlagErrorf("--emit update is for create only")
			}
			if err := cmdutil.RequireYesOffTerminal(f, &o.Plan); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRotate(cmd.Context(), o)
		},
	}
	shared.AddSecretFlags(cmd, &o.Secret)
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.ServiceBindDNs(f), nil)
	return cmd
}

// runRotate plans and applies the new password.
func runRotate(ctx context.Context, o *Options) error {
	f := o.F
	dir, dn, cur, err := shared.Existing(ctx, f, o.Name)
	if err != nil {
		return err
	}
	pw, err := shared.Password(f)
	if err != nil {
		return err
	}
	p := sysaccounts.PlanRotate(o.Name, cur)
	if shared.SecretEmit(&o.Plan) {
		return shared.EmitSecret(f, &o.Secret, &o.Plan, p, cur.DN, o.Name, pw)
	}
	applied, err := shared.ApplyWithSecret(ctx, f, &o.Secret, &o.Plan, dir, dn, pw, p)
	if err != nil || !applied {
		return err
	}
	return shared.ProveBind(ctx, f, dir, dn, pw)
}
