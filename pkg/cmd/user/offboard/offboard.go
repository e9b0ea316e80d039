// Package offboard implements `accessctl user offboard`.
package offboard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sidefile"
	"github.com/accessctl/accessctl/pkg/users"
)

// Options are the inputs of `user offboard`.
type Options struct {
	F             *cmdutil.Factory
	Logins        []string
	FromFile      string
	RemoveSSHKeys bool
	DisableOTP    bool
	Records       string
	Plan          cmdutil.PlanFlags
	// Now stamps records (tests replace it).
	Now func() time.Time
}

// NewCmdOffboard builds the command; runF replaces the run function in tests.
func NewCmdOffboard(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "offboard LOGIN... [--from-file FILE]",
		Short: "Disable users and remove every membership and rule reference (ITTN-010 §8)",
		Long: `Offboard users as ITTN-010 §8 says: disable the account (nsAccountLock: TRUE), never
delete it (UID, GID and the private group stay), and remove the user from every entry
that names it directly: groups (ipausers, cluster, -sudo and -sudoto- groups included),
HBAC and sudo rules, sudo run-as lists, membership-manager rights and roles. The plan also
lists the indirect access (nested groups, rules reached through groups) that goes with
them. --remove-ssh-keys also removes the stored SSH public keys; --disable-otp disables
the OTP tokens the user owns.

Each user is read in one search and changed all or nothing, one modify per entry. An
offboarding record (JSON: who, when, the before-state and every reference removed) is
written to --records (default: <state dir>/records); ` + "`accessctl user reinstate`" + ` undoes
an offboarding from it. Running it again changes nothing.

The record is written (and synced) before the first change: when it cannot be written,
nothing changes (exit 2 when the records directory cannot hold it).

With several users each is planned and applied on its own; a failed or unknown login is
reported and the rest go on; the exit code is then 6, or, when no user was offboarded,
2 (every login unknown or refused) or 1. The bind identity itself and the last active
member of admins (direct or nested) are refused. Off a terminal --yes is required.`,
		Example: `  accessctl user offboard jdoe --dry-run
  accessctl user offboard jdoe asmith --yes
  accessctl user offboard --from-file leavers.txt --remove-ssh-keys --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			o.Logins = append([]string(nil), args...)
			if o.FromFile != "" {
				more, err := ReadLogins(o.FromFile)
				if err != nil {
					return cmdutil.InputError(err)
				}
				o.Logins = append(o.Logins, more...)
			}
			if len(o.Logins) == 0 {
				return cmdutil.FlagErrorf("give at least one LOGIN or --from-file")
			}
			// A malformed login is bad input: refuse the whole run before any change.
			// An unknown (well-formed) login is a per-user failure of the bulk run.
			for _, l := range o.Logins {
				if err := names.User(l); err != nil {
					return err
				}
			}
			if err := cmdutil.RequireYesOffTerminal(f, &o.Plan); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.FromFile, "from-file", "", "read logins from FILE, one per line (# comments allowed)")
	cmd.Flags().BoolVar(&o.RemoveSSHKeys, "remove-ssh-keys", false, "also remove the user's stored SSH public keys")
	cmd.Flags().BoolVar(&o.DisableOTP, "disable-otp", false, "also disable the OTP tokens the user owns")
	cmd.Flags().StringVar(&o.Records, "records", "", "directory for offboarding records (default: <state dir>/records)")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Users(f)
	_ = cmd.MarkFlagFilename("from-file")
	_ = cmd.MarkFlagDirname("records")
	return cmd
}

// ReadLogins reads one login per line; blank lines and # comments are skipped. A line
// that is not a login is named by its number, never echoed: the file may be a secret
// given by mistake.
func ReadLogins(path string) ([]string, error) {
	fh, err := inputfile.Open(path, inputfile.List)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			if names.User(l) != nil {
				return nil, fmt.Errorf("%s:%d: not a valid login", path, n)
			}
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read --from-file: %w", err)
	}
	return out, nil
}

// RecordsDir returns --records or <state dir>/records.
func RecordsDir(f *cmdutil.Factory, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg.StateDir(), "records"), nil
}

// Run offboards each login in turn: one search, one plan, all or nothing, a record.
func Run(ctx context.Context, o *Options) error {
	f := o.F
	records, err := RecordsDir(f, o.Records)
	if err != nil {
		return err
	}
	preview := o.Plan.DryRun || o.Plan.Emit != ""
	if !preview {
		// A record that cannot be written stops the run before the directory is read.
		if err := users.CheckRecordsDir(records); err != nil {
			return cmdutil.InputErrorf("offboarding records: %w", err)
		}
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	bind := ""
	if id, ok := dir.(directory.Identifier); ok {
		if bind, err = id.WhoAmI(ctx); err != nil {
			return fmt.Errorf("who am i: %w", err)
		}
	}
	var failed int
	var last error
	allBadInput := true
	seen := map[string]bool{}
	for _, login := range o.Logins {
		if seen[strings.ToLower(login)] {
			continue
		}
		seen[strings.ToLower(login)] = true
		err := offboardOne(ctx, o, dir, bind, records, login)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return err
		}
		var re *cmdutil.RefusedError
		if errors.As(err, &re) {
			return err // --yes required: the same for every user
		}
		failed++
		last = err
		allBadInput = allBadInput && cmdutil.ExitCode(err) == cmdutil.ExitUsage
		if len(o.Logins) > 1 {
			fmt.Fprintf(f.IO.ErrOut, "accessctl: offboard %s: %v\n", login, err)
		}
	}
	total := len(seen)
	if failed == 0 {
		return nil
	}
	if total == 1 {
		return last
	}
	if failed == total {
		// Nothing was done: not a partial failure. Unknown or refused logins are bad
		// input (2); anything else is an error (1).
		if allBadInput {
			return cmdutil.InputErrorf("no user offboarded: all %d failed", total)
		}
		return fmt.Errorf("no user offboarded: all %d failed", total)
	}
	return &cmdutil.PartialError{Failed: failed, Total: total}
}

func offboardOne(ctx context.Context, o *Options, dir directory.Client, bind, records, login string) error {
	f := o.F
	if err := names.User(login); err != nil {
		return err
	}
	s, err := users.Read(ctx, dir, login, o.DisableOTP)
	if err != nil {
		return err
	}
	out, err := users.PlanOffboard(s, users.OffboardOptions{RemoveSSHKeys: o.RemoveSSHKeys, DisableOTP: o.DisableOTP, BindDN: bind})
	var re *users.RefusedError
	switch {
	case errors.Is(err, users.ErrNotFound):
		return cmdutil.InputErrorf("user %q not found", login)
	case errors.As(err, &re):
		return cmdutil.InputError(err)
	case err != nil:
		return err
	}
	// The record is written and synced before the first change: an offboarding that
	// cannot be recorded (and so not reinstated) does not happen.
	rec := out.Record
	rec.Time = o.Now().UTC()
	rec.Directory = dir.Describe()
	path := ""
	w := plan.BeforeWrites(dir, func() (err error) {
		path, err = users.WriteRecord(records, rec)
		return err
	})
	applied, err := cmdutil.RunPlan(ctx, f, w, out.Plan, &o.Plan)
	var pe *plan.PrepareError
	switch {
	case errors.As(err, &pe):
		var ce *sidefile.CreateError
		if errors.As(pe.Err, &ce) {
			return cmdutil.InputErrorf("offboarding record: %w; nothing was changed", pe.Err)
		}
		return fmt.Errorf("offboarding record: %w; nothing was changed", pe.Err)
	case err != nil && path != "":
		// The record of an offboarding that certainly did not happen would mislead.
		if plan.NothingChanged(err) {
			os.Remove(path)
			return err
		}
		return fmt.Errorf("%w (record: %s)", err, path)
	case err != nil || !applied:
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "Offboarded %s; record: %s\n", login, path)
	return nil
}
