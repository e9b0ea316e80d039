// Package shared holds what the `service binddn` verbs share: the checks of a bind DN's
// name and of where its new password goes, the password's generation and delivery, the
// lookup of an existing bind DN, and the bind that proves a new password works.
package shared

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sidefile"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Secret is where a new password goes: a new 0600 file or stdout.
type Secret struct {
	PasswordFile string
	ShowPassword bool
}

// AddSecretFlags adds --password-file and --show-password.
func AddSecretFlags(cmd *cobra.Command, s *Secret) {
	cmd.Flags().StringVar(&s.PasswordFile, "password-file", "", "write the password (or the --emit file) to this new file, mode 0600")
	cmd.Flags().BoolVar(&s.ShowPassword, "show-password", false, "print the password (or the --emit file) on stdout")
	_ = cmd.MarkFlagFilename("password-file")
}

// Validate checks the plan flags and the bind DN's name (create, rotate, delete).
func Validate(cmd *cobra.Command, name string, pf *cmdutil.PlanFlags) error {
	if err := pf.Validate(cmd); err != nil {
		return err
	}
	if err := sysaccounts.ValidateName(name); err != nil {
		return cmdutil.InputError(err)
	}
	return nil
}

// ValidateSecret checks that a new password has exactly one destination that suits
// the plan flags, and that a password file does not exist yet.
func ValidateSecret(s *Secret, pf *cmdutil.PlanFlags) error {
	if s.PasswordFile != "" && s.ShowPassword {
		return cmdutil.FlagErrorf("--password-file and --show-password cannot be used together")
	}
	if SecretEmit(pf) && pf.Output != "text" {
		return cmdutil.FlagErrorf("--emit %s writes the file itself: drop -o", pf.Emit)
	}
	if SecretEmit(pf) && s.PasswordFile == "" && !s.ShowPassword {
		return cmdutil.FlagErrorf("--emit %s carries the new password, so it needs a destination: --password-file FILE (created 0600) or --show-password (stdout)", pf.Emit)
	}
	if !pf.DryRun && s.PasswordFile == "" && !s.ShowPassword {
		return cmdutil.FlagErrorf("the new password needs a destination: --password-file FILE (created 0600) or --show-password (stdout)")
	}
	if s.ShowPassword && !SecretEmit(pf) && pf.Output != "text" {
		return cmdutil.FlagErrorf("--show-password prints the password on stdout: use it without -o json/yaml, or use --password-file")
	}
	if s.PasswordFile != "" {
		if _, err := os.Lstat(s.PasswordFile); err == nil {
			return cmdutil.InputErrorf("password file %s already exists: choose a new path (it is created with mode 0600)", s.PasswordFile)
		}
	}
	return nil
}

// SecretEmit reports an --emit rendering that must carry the real password to be of any
// use (ldif, update): it goes where the password would, never with a placeholder.
func SecretEmit(pf *cmdutil.PlanFlags) bool {
	return pf.Emit == string(plan.LDIF) || pf.Emit == string(plan.Update)
}

// writeSecret sends the password (or a file holding it) to its destination: a new
// 0600 file, created exclusively and synced, or stdout.
func writeSecret(f *cmdutil.Factory, s *Secret, text string) error {
	if s.PasswordFile != "" {
		if err := sidefile.Create(s.PasswordFile, []byte(text)); err != nil {
			var ce *sidefile.CreateError
			if errors.As(err, &ce) {
				return cmdutil.InputErrorf("password file: %w", err)
			}
			return fmt.Errorf("password file: %w", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "accessctl: wrote %s (mode 0600)\n", s.PasswordFile)
		return nil
	}
	_, err := io.WriteString(f.IO.Out, text)
	return err
}

// ApplyWithSecret applies p with the real password in place of the placeholder, the
// password reaching its destination (writeSecret) first: when it cannot be written, the
// directory is not changed. A password file is removed again when the directory
// certainly did not take the password.
func ApplyWithSecret(ctx context.Context, f *cmdutil.Factory, s *Secret, pf *cmdutil.PlanFlags, dir directory.Client, dn, pw string, p *plan.Plan) (bool, error) {
	w := plan.BeforeWrites(&sysaccounts.Secret{Client: dir, DN: dn, Password: pw}, func() error {
		return writeSecret(f, s, pw+"\n")
	})
	applied, err := cmdutil.RunPlan(ctx, f, w, p, pf)
	if err == nil {
		return applied, nil
	}
	var pe *plan.PrepareError
	if errors.As(err, &pe) {
		return false, fmt.Errorf("%w; nothing was changed in the directory", pe.Err)
	}
	if s.PasswordFile != "" {
		if plan.NothingChanged(err) {
			os.Remove(s.PasswordFile)
		} else {
			err = fmt.Errorf("%w; %s holds the password that was being set", err, s.PasswordFile)
		}
	}
	return false, err
}

// EmitSecret renders p with the real password for --emit ldif to the password's
// destination; --emit update uses ITTN-010 §7.3's updater format.
func EmitSecret(f *cmdutil.Factory, s *Secret, pf *cmdutil.PlanFlags, p *plan.Plan, dn, name, pw string) error {
	if pf.Emit == string(plan.Update) {
		return writeSecret(f, s, sysaccounts.UpdateFile(dn, name, pw))
	}
	var b strings.Builder
	if err := plan.Render(&b, sysaccounts.Reveal(p, dn, pw), plan.LDIF); err != nil {
		return err
	}
	return writeSecret(f, s, b.String())
}

// Password generates a new password of the conventions' length (at least
// sysaccounts.MinPasswordLength).
func Password(f *cmdutil.Factory) (string, error) {
	n := sysaccounts.MinPasswordLength
	if conv, err := f.Conventions(); err == nil && conv.Service.PasswordLength > n {
		n = conv.Service.PasswordLength
	}
	return sysaccounts.GeneratePassword(n)
}

// Existing reads the bind DN name names, refusing anything that is not a sysaccount
// (even when the conventions' bind_dn template points elsewhere).
func Existing(ctx context.Context, f *cmdutil.Factory, name string) (directory.Client, string, *directory.Entry, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	dn := conv.BindDN(directory.EscapeDNValue(name), dir.Suffix())
	if err := sysaccounts.CheckDN(dn, dir.Suffix()); err != nil {
		return nil, "", nil, cmdutil.InputError(err)
	}
	cur, err := sysaccounts.Get(ctx, dir, dn)
	if err != nil {
		return nil, "", nil, err
	}
	if cur == nil {
		return nil, "", nil, cmdutil.InputErrorf("no service bind dn %s (%s)", name, dn)
	}
	if err := sysaccounts.CheckEntry(cur, dir.Suffix()); err != nil {
		return nil, "", nil, cmdutil.InputError(err)
	}
	return dir, dn, cur, nil
}

// ProveBind binds as dn with pw on the server the command used (LDAP backends only).
func ProveBind(ctx context.Context, f *cmdutil.Factory, dir directory.Client, dn, pw string) error {
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
