// Package create implements `accessctl service binddn create` (ITTN-010 §7.3).
package create

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/service/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Options are the inputs of `service binddn create`.
type Options struct {
	F      *cmdutil.Factory
	Name   string
	Secret shared.Secret
	Plan   cmdutil.PlanFlags
}

// NewCmdCreate builds `service binddn create`; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create NAME (--password-file FILE | --show-password)",
		Short: "Create a service bind DN with a random password",
		Long: `Create uid=NAME,cn=sysaccounts,cn=etc,SUFFIX with a random password of at least 32
characters. Added directly when your bind has the rights; the password file is written
first, and after the add accessctl binds as the new DN to prove it works.

With --emit update it writes instead an ipa-ldap-updater file (ITTN-010 §7.3's format;
run it on an IPA server with "sudo ipa-ldap-updater FILE"), with --emit ldif an LDIF add
for ldapadd. Both hold the real password, as what applies them needs it, so they go where
the password would: to --password-file (a new 0600 file) or, with --show-password, to stdout.`,
		Example: `  accessctl service binddn create foreman --password-file ~/foreman.pw
  accessctl service binddn create dex --emit update --password-file dex.update
  accessctl service binddn create dex --emit ldif --password-file dex.ldif`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := shared.Validate(cmd, o.Name, &o.Plan); err != nil {
				return err
			}
			if err := shared.ValidateSecret(&o.Secret, &o.Plan); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runCreate(cmd.Context(), o)
		},
	}
	shared.AddSecretFlags(cmd, &o.Secret)
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF, plan.Update)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// runCreate plans, applies and proves the bind.
func runCreate(ctx context.Context, o *Options) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	dn := conv.BindDN(directory.EscapeDNValue(o.Name), dir.Suffix())
	if err := sysaccounts.CheckDN(dn, dir.Suffix()); err != nil {
		return cmdutil.InputError(err)
	}
	cur, err := sysaccounts.Get(ctx, dir, dn)
	if err != nil {
		return err
	}
	if cur != nil {
		if err := sysaccounts.CheckEntry(cur, dir.Suffix()); err != nil {
			return cmdutil.InputError(err)
		}
	}
	p := sysaccounts.PlanCreate(dn, o.Name, cur)
	if shared.SecretEmit(&o.Plan) {
		if cur != nil {
			return cmdutil.InputErrorf("%s already exists: use accessctl service binddn rotate %s", dn, o.Name)
		}
		pw, err := shared.Password(f)
		if err != nil {
			return err
		}
		return shared.EmitSecret(f, &o.Secret, &o.Plan, p, dn, o.Name, pw)
	}
	if p.Empty() {
		_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
		return err
	}
	pw, err := shared.Password(f)
	if err != nil {
		return err
	}
	applied, err := shared.ApplyWithSecret(ctx, f, &o.Secret, &o.Plan, dir, dn, pw, p)
	if err != nil || !applied {
		return err
	}
	return shared.ProveBind(ctx, f, dir, dn, pw)
}
