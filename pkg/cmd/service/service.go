// Package service implements `accessctl service binddn create|list|rotate|delete`
// (ITTN-010 §7.3).
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sidefile"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// NewCmdService is the `service` noun.
func NewCmdService(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "service",
		Short:   "Service accounts that bind to the directory (ITTN-010 §7.3)",
		GroupID: "access",
	}
	bind := &cobra.Command{
		Use:   "binddn",
		Short: "LDAP bind DNs for services such as Foreman and Dex",
		Long: `Some services bind to the directory with a DN and password and cannot use a normal IPA
user (ITTN-010 §7.3). Their bind DNs live at uid=NAME,cn=sysaccounts,cn=etc,SUFFIX with
object classes account and simplesecurityobject (FreeIPA 4.13's sysaccount shape), a
password that never expires (passwordExpirationTime 20380119031407Z) and no idle timeout.

Passwords are generated with crypto/rand and written only to a new 0600 file
(--password-file) or to stdout with --show-password: never to argv, logs or plans (plans
show "<hidden>"). The password file is created and synced before the account is created or
rotated: when it cannot be written, nothing changes. Only entries of that shape are acted
on, whatever the conventions' bind_dn template says.`,
	}
	bind.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdRotate(f, nil), NewCmdDelete(f, nil))
	cmd.AddCommand(bind)
	return cmd
}

// Options are the inputs of create/rotate/delete.
type Options struct {
	F            *cmdutil.Factory
	Name         string
	PasswordFile string
	ShowPassword bool
	Plan         cmdutil.PlanFlags
}

func validate(cmd *cobra.Command, o *Options, secret bool) error {
	if err := o.Plan.Validate(cmd); err != nil {
		return err
	}
	if err := sysaccounts.ValidateName(o.Name); err != nil {
		return cmdutil.InputError(err)
	}
	if !secret {
		return nil
	}
	if o.PasswordFile != "" && o.ShowPassword {
		return cmdutil.FlagErrorf("--password-file and --show-password cannot be used together")
	}
	if secretEmit(o) && o.Plan.Output != "text" {
		return cmdutil.FlagErrorf("--emit %s writes the file itself: drop -o", o.Plan.Emit)
	}
	if secretEmit(o) && o.PasswordFile == "" && !o.ShowPassword {
		return cmdutil.FlagErrorf("--emit %s carries the new password, so it needs a destination: --password-file FILE (created 0600) or --show-password (stdout)", o.Plan.Emit)
	}
	if !o.Plan.DryRun && o.PasswordFile == "" && !o.ShowPassword {
		return cmdutil.FlagErrorf("the new password needs a destination: --password-file FILE (created 0600) or --show-password (stdout)")
	}
	if o.ShowPassword && !secretEmit(o) && o.Plan.Output != "text" {
		return cmdutil.FlagErrorf("--show-password prints the password on stdout: use it without -o json/yaml, or use --password-file")
	}
	if o.PasswordFile != "" {
		if _, err := os.Lstat(o.PasswordFile); err == nil {
			return cmdutil.InputErrorf("password file %s already exists: choose a new path (it is created with mode 0600)", o.PasswordFile)
		}
	}
	return nil
}

// secretEmit reports an --emit rendering that must carry the real password to be of any
// use (ldif, update): it goes where the password would, never with a placeholder.
func secretEmit(o *Options) bool {
	return o.Plan.Emit == string(plan.LDIF) || o.Plan.Emit == string(plan.Update)
}

func addSecretFlags(cmd *cobra.Command, o *Options) {
	cmd.Flags().StringVar(&o.PasswordFile, "password-file", "", "write the password (or the --emit file) to this new file, mode 0600")
	cmd.Flags().BoolVar(&o.ShowPassword, "show-password", false, "print the password (or the --emit file) on stdout")
}

// writeSecret sends the password (or a file holding it) to its destination: a new
// 0600 file, created exclusively and synced, or stdout.
func writeSecret(f *cmdutil.Factory, o *Options, text string) error {
	if o.PasswordFile != "" {
		if err := sidefile.Create(o.PasswordFile, []byte(text)); err != nil {
			var ce *sidefile.CreateError
			if errors.As(err, &ce) {
				return cmdutil.InputErrorf("password file: %w", err)
			}
			return fmt.Errorf("password file: %w", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "accessctl: wrote %s (mode 0600)\n", o.PasswordFile)
		return nil
	}
	_, err := io.WriteString(f.IO.Out, text)
	return err
}

// applyWithSecret applies p with the real password in place of the placeholder, the
// password reaching its destination (writeSecret) first: when it cannot be written, the
// directory is not changed. A password file is removed again when the directory
// certainly did not take the password.
func applyWithSecret(ctx context.Context, o *Options, dir directory.Client, dn, pw string, p *plan.Plan) (bool, error) {
	f := o.F
	w := plan.BeforeWrites(&sysaccounts.Secret{Client: dir, DN: dn, Password: pw}, func() error {
		return writeSecret(f, o, pw+"\n")
	})
	applied, err := cmdutil.RunPlan(ctx, f, w, p, &o.Plan)
	if err == nil {
		return applied, nil
	}
	var pe *plan.PrepareError
	if errors.As(err, &pe) {
		return false, fmt.Errorf("%w; nothing was changed in the directory", pe.Err)
	}
	if o.PasswordFile != "" {
		if plan.NothingChanged(err) {
			os.Remove(o.PasswordFile)
		} else {
			err = fmt.Errorf("%w; %s holds the password that was being set", err, o.PasswordFile)
		}
	}
	return false, err
}

// emitSecret renders p with the real password for --emit ldif to the password's
// destination; --emit update uses ITTN-010 §7.3's updater format.
func emitSecret(o *Options, p *plan.Plan, dn, name, pw string) error {
	if o.Plan.Emit == string(plan.Update) {
		return writeSecret(o.F, o, sysaccounts.UpdateFile(dn, name, pw))
	}
	var b strings.Builder
	if err := plan.Render(&b, sysaccounts.Reveal(p, dn, pw), plan.LDIF); err != nil {
		return err
	}
	return writeSecret(o.F, o, b.String())
}

// NewCmdCreate builds `service binddn create`.
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
			if err := validate(cmd, o, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunCreate(cmd.Context(), o)
		},
	}
	addSecretFlags(cmd, o)
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF, plan.Update)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.MarkFlagFilename("password-file")
	return cmd
}

func password(f *cmdutil.Factory) (string, error) {
	n := sysaccounts.MinPasswordLength
	if conv, err := f.Conventions(); err == nil && conv.Service.PasswordLength > n {
		n = conv.Service.PasswordLength
	}
	return sysaccounts.GeneratePassword(n)
}

// RunCreate plans, applies and proves the bind.
func RunCreate(ctx context.Context, o *Options) error {
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
	if secretEmit(o) {
		if cur != nil {
			return cmdutil.InputErrorf("%s already exists: use accessctl service binddn rotate %s", dn, o.Name)
		}
		pw, err := password(f)
		if err != nil {
			return err
		}
		return emitSecret(o, p, dn, o.Name, pw)
	}
	if p.Empty() {
		_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
		return err
	}
	pw, err := password(f)
	if err != nil {
		return err
	}
	applied, err := applyWithSecret(ctx, o, dir, dn, pw, p)
	if err != nil || !applied {
		return err
	}
	return proveBind(ctx, f, dir, dn, pw)
}

// proveBind binds as dn with pw on the server the command used (LDAP backends only).
func proveBind(ctx context.Context, f *cmdutil.Factory, dir directory.Client, dn, pw string) error {
	server, ok := ldapServer(dir)
	if !ok {
		fmt.Fprintf(f.IO.ErrOut, "accessctl: note: bind test skipped on the %s\n", dir.Describe())
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	opts := bindOptions(cfg, server, dn, pw)
	// With --insecure the command's own connection may be plain ldap:// (a GSSAPI bind
	// seals it), but a simple bind there would send the new password in clear: prove it
	// over StartTLS, or not at all.
	forced := false
	if strings.HasPrefix(strings.ToLower(server), "ldap://") && !opts.StartTLS {
		opts.StartTLS, opts.Insecure, forced = true, false, true
	}
	c, err := ldapdir.Dial(ctx, opts)
	if err != nil && forced && !directory.IsAuth(err) && ctx.Err() == nil {
		fmt.Fprintf(f.IO.ErrOut, "accessctl: note: bind test skipped: StartTLS to %s failed (%v), and the new password is never sent in clear\n", server, err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("bind as %s on %s failed: %w", dn, server, err)
	}
	defer c.Close()
	who, err := c.WhoAmI(ctx)
	if err != nil {
		return fmt.Errorf("bind as %s on %s: who am i: %w", dn, server, err)
	}
	fmt.Fprintf(f.IO.ErrOut, "✓ Bound as %s on %s\n", strings.TrimPrefix(who, "dn:"), server)
	return nil
}

func bindOptions(cfg *config.Config, server, dn, pw string) ldapdir.Options {
	opts := ldapdir.Options{Servers: []string{server}, StartTLS: cfg.Bool("starttls"), Insecure: cfg.Bool("insecure"),
		ConnectTimeout: cfg.Duration("connect-timeout"), Timeout: cfg.Duration("timeout"), Suffix: cfg.Get("suffix"),
		Bind: ldapdir.Simple{DN: dn, Password: pw}}
	opts.CAFile = cfg.Get("ca-file") // as the main connection: the IPA CA, or "system"
	return opts
}

func ldapServer(dir directory.Client) (string, bool) {
	for {
		switch w := dir.(type) {
		case *directory.Counting:
			dir = w.Client
			continue
		case *directory.Faulty:
			dir = w.Client
			continue
		case *ldapdir.Client:
			return w.Server(), true
		}
		return "", false
	}
}

// NewCmdRotate builds `service binddn rotate`.
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
			if err := validate(cmd, o, true); err != nil {
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
			return RunRotate(cmd.Context(), o)
		},
	}
	addSecretFlags(cmd, o)
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.ServiceBindDNs(f), nil)
	_ = cmd.MarkFlagFilename("password-file")
	return cmd
}

// existing reads the bind DN NAME names, refusing anything that is not a sysaccount
// (even when the conventions' bind_dn template points elsewhere).
func existing(ctx context.Context, f *cmdutil.Factory, o *Options) (directory.Client, string, *directory.Entry, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	dn := conv.BindDN(directory.EscapeDNValue(o.Name), dir.Suffix())
	if err := sysaccounts.CheckDN(dn, dir.Suffix()); err != nil {
		return nil, "", nil, cmdutil.InputError(err)
	}
	cur, err := sysaccounts.Get(ctx, dir, dn)
	if err != nil {
		return nil, "", nil, err
	}
	if cur == nil {
		return nil, "", nil, cmdutil.InputErrorf("no service bind dn %s (%s)", o.Name, dn)
	}
	if err := sysaccounts.CheckEntry(cur, dir.Suffix()); err != nil {
		return nil, "", nil, cmdutil.InputError(err)
	}
	return dir, dn, cur, nil
}

// RunRotate plans and applies the new password.
func RunRotate(ctx context.Context, o *Options) error {
	f := o.F
	dir, dn, cur, err := existing(ctx, f, o)
	if err != nil {
		return err
	}
	pw, err := password(f)
	if err != nil {
		return err
	}
	p := sysaccounts.PlanRotate(o.Name, cur)
	if secretEmit(o) {
		return emitSecret(o, p, cur.DN, o.Name, pw)
	}
	applied, err := applyWithSecret(ctx, o, dir, dn, pw, p)
	if err != nil || !applied {
		return err
	}
	return proveBind(ctx, f, dir, dn, pw)
}

// NewCmdDelete builds `service binddn delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a service bind DN (services binding as it lose access)",
		Example: "  accessctl service binddn delete foreman --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := validate(cmd, o, false); err != nil {
				return err
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
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.LDIF, plan.Update)
	cmd.ValidArgsFunction = completion.Positional(completion.ServiceBindDNs(f), nil)
	return cmd
}

// RunDelete plans and applies the removal.
func RunDelete(ctx context.Context, o *Options) error {
	f := o.F
	dir, _, cur, err := existing(ctx, f, o)
	if err != nil {
		return err
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, sysaccounts.PlanDelete(o.Name, cur), &o.Plan)
	return err
}

// ListOptions are the inputs of `service binddn list`.
type ListOptions struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// NewCmdList builds `service binddn list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List service bind DNs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunList(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// RunList prints the bind DNs.
func RunList(ctx context.Context, o *ListOptions) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	list, err := sysaccounts.List(ctx, dir)
	if err != nil {
		return err
	}
	return output.Print(f.IO, o.Out.Value, list, func(w io.Writer) error {
		if len(list) == 0 {
			fmt.Fprintln(w, "no service bind dns")
			return nil
		}
		t := output.Table{Headers: []string{"name", "dn", "password expires", "idle timeout", "locked"}}
		for _, a := range list {
			locked := "no"
			if a.Locked {
				locked = "yes"
			}
			t.AddRow(a.Name, a.DN, a.Expires, a.IdleTimeout, locked)
		}
		return t.Render(f.IO, w)
	})
}
