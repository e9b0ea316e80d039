// Package role implements `accessctl role create|grant|revoke|list|who|check` (ITTN-010
// §5, §7.2).
package role

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	idcmd "github.com/accessctl/accessctl/pkg/cmd/id/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/roles"
)

// NewCmdRole is the `role` noun.
func NewCmdRole(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "role",
		Short: "Role accounts assumed with sudo (ITTN-010 §5, §7.2)",
		Long: `Role accounts are used by services or for tasks not tied to one person. Nobody logs in
as them with a password or SSH key: authorized people become them with sudo, without a
passphrase, through the "<hostgroup>-sudoto-<role>" group and sudo rule.`,
		GroupID: "access",
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdMembers(f, true, nil), NewCmdMembers(f, false, nil),
		NewCmdList(f, nil), NewCmdWho(f, nil), NewCmdCheck(f, nil))
	cmd.AddCommand(NewCmdDelete(f, nil))
	return cmd
}

func inputErr(err error) error {
	if errors.Is(err, roles.ErrInput) {
		return cmdutil.InputErrorf("%s", roles.Msg(err))
	}
	return err
}

// CreateOptions are the inputs of `role create`.
type CreateOptions struct {
	F         *cmdutil.Factory
	Role      string
	Hostgroup string
	Range     string
	ID        int
	Plan      cmdutil.PlanFlags
	rangeSet  bool
}

// NewCmdCreate builds `role create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	o := &CreateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create ROLE --hostgroup HG [--range dm-role|camera-role] [--id N]",
		Short: "Create a role account and the sudo rule to become it (ITTN-010 §5)",
		Long: `Create, as one all-or-nothing plan (ITTN-010 §5):
  the role user ROLE     UID == GID: its reserved ID (§6.2), --id N, or the next free ID of
                         --range (default: the conventions' role range); no password, no SSH keys
  membership             ROLE joins the user group HG (the HBAC rules of HG let it log in)
  group HG-sudoto-ROLE   the people who may become ROLE on HG (GID from the general range)
  sudo rule HG-sudoto-ROLE  run as ROLE only, all commands, option !authenticate,
                         for group HG-sudoto-ROLE on hostgroup HG
Refused when the ID lies outside every FreeIPA ID range (the account would get no SID),
and --id N when N lies at or below the range's high-water mark (it was handed out before,
perhaps claimed with "id next --allocate" for an account not made yet). IDs are decimal.
A new ID from the range is claimed in the same plan by moving the range's high-water mark
with a compare-and-swap; claims go to the first configured server only (see "accessctl id
next --help"). Objects already there in the right shape are left unchanged; a second run
changes nothing. Grant people with "accessctl role grant".`,
		Example: `  accessctl role create atadbot --hostgroup auxtel --dry-run
  accessctl role create ccsbot --hostgroup auxtel --range camera-role --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Role = args[0]
			o.rangeSet = cmd.Flags().Changed("range")
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if err := names.Role(o.Role); err != nil {
				return err
			}
			if o.Hostgroup == "" {
				return cmdutil.FlagErrorf("--hostgroup is required")
			}
			if err := names.Hostgroup(o.Hostgroup); err != nil {
				return err
			}
			if cmd.Flags().Changed("id") && o.ID < 1 {
				return cmdutil.FlagErrorf("invalid --id %d", o.ID)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunCreate(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hostgroup, "hostgroup", "", "hostgroup the role is used on")
	cmd.Flags().StringVar(&o.Range, "range", "", "ID range (default: the range of the role's reserved ID, else the conventions' role range)")
	cmdutil.AddIDFlag(cmd, &o.ID, "id", "UID and GID to use, in decimal (must lie in the range, free, not claimed, not reserved for another name)")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("hostgroup", completion.Hostgroups(f))
	_ = cmd.RegisterFlagCompletionFunc("range", completion.Ranges(f))
	return cmd
}

// RunCreate reads, plans and applies.
func RunCreate(ctx context.Context, o *CreateOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	if o.Range != "" {
		if _, err := ids.Range(conv, o.Range); err != nil {
			return cmdutil.InputError(err)
		}
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	s, err := roles.Read(ctx, dir, conv, o.Role, o.Hostgroup)
	if err != nil {
		return err
	}
	if s.Realm, err = cmdutil.ResolveRealm(f, s.Realm); err != nil {
		return err
	}
	p, err := roles.PlanCreate(s, conv, roles.CreateOptions{Range: o.Range, RangeGiven: o.rangeSet, ID: o.ID})
	if err != nil {
		return inputErr(err)
	}
	if err := idcmd.CheckClaimServer(f, dir, p, &o.Plan); err != nil {
		return err
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	if err != nil {
		return idcmd.ExplainClaimRace(err)
	}
	if err == nil && p.HasDiffers() {
		fmt.Fprintln(f.IO.ErrOut, "accessctl: the sudo rule differs from ITTN-010 §5's shape and was left alone")
	}
	return err
}

// MembersOptions are the inputs of `role grant` / `role revoke`.
type MembersOptions struct {
	F         *cmdutil.Factory
	Role      string
	Hostgroup string
	Users     []string
	Groups    []string // user groups, as nested members of the sudoto group
	Add       bool
	Plan      cmdutil.PlanFlags
}

// NewCmdMembers builds `role grant` (add) or `role revoke`.
func NewCmdMembers(f *cmdutil.Factory, add bool, runF func(context.Context, *MembersOptions) error) *cobra.Command {
	o := &MembersOptions{F: f, Add: add}
	use, short := "grant", "Let users become ROLE on hostgroup HG (add them to HG-sudoto-ROLE)"
	if !add {
		use, short = "revoke", "Stop users becoming ROLE on hostgroup HG (remove them from HG-sudoto-ROLE)"
	}
	cmd := &cobra.Command{
		Use:     use + " ROLE --hostgroup HG [USER...] [--group G]...",
		Short:   short,
		Example: fmt.Sprintf("  accessctl role %s atadbot --hostgroup auxtel jdoe asmith\n  accessctl role %s atadbot --hostgroup auxtel --group auxtel-ops", use, use),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Role, o.Users = args[0], args[1:]
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if len(o.Users) == 0 && len(o.Groups) == 0 {
				return cmdutil.FlagErrorf("name at least one USER or --group")
			}
			for _, g := range o.Groups {
				if err := names.Group(g); err != nil {
					return err
				}
			}
			if err := names.Role(o.Role); err != nil {
				return err
			}
			if o.Hostgroup == "" {
				return cmdutil.FlagErrorf("--hostgroup is required")
			}
			if err := names.Hostgroup(o.Hostgroup); err != nil {
				return err
			}
			for _, u := range o.Users {
				if err := names.User(u); err != nil {
					return err
				}
			}
			if err := roles.CheckNames(o.Role, o.Hostgroup); err != nil {
				return err // the real reason before --yes is asked for
			}
			if !o.Add {
				if err := cmdutil.RequireYesOffTerminal(f, &o.Plan); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunMembers(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hostgroup, "hostgroup", "", "hostgroup the role is used on")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "a user group whose members may (no longer) become ROLE, as a nested member (repeatable)")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Roles(f), completion.Users(f))
	_ = cmd.RegisterFlagCompletionFunc("hostgroup", completion.Hostgroups(f))
	return cmd
}

// RunMembers reads, plans and applies grant/revoke.
func RunMembers(ctx context.Context, o *MembersOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	p, err := planMembers(ctx, o, dir, conv)
	if err != nil {
		return inputErr(err)
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	return err
}

// ReadOptions are the inputs of the read commands.
type ReadOptions struct {
	F    *cmdutil.Factory
	Role string
	Out  cmdutil.OutputFlag
}

// NewCmdList builds `role list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ReadOptions) error) *cobra.Command {
	o := &ReadOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List role accounts, their hostgroups and sudoto groups",
		Long: `List role accounts: users with a UID in a role range, users a sudo rule runs as, and
users whose name is reserved (ITTN-010 §6.2).`,
		Args: cobra.NoArgs,
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

// RunList prints the role accounts.
func RunList(ctx context.Context, o *ReadOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	a, err := roles.ReadAudit(ctx, dir, conv)
	if err != nil {
		return err
	}
	list := a.Roles
	if list == nil {
		list = []*roles.Role{}
	}
	return output.Print(f.IO, o.Out.Value, list, func(w io.Writer) error {
		if len(list) == 0 {
			fmt.Fprintln(w, "no role accounts")
			return nil
		}
		t := output.Table{Headers: []string{"role", "uid", "gid", "range", "hostgroups", "sudoto groups"}}
		for _, r := range list {
			t.AddRow(r.Name, r.UID, r.GID, dash(r.Range), dash(strings.Join(r.Hostgroups, ",")), dash(strings.Join(r.SudotoGroups, ",")))
		}
		return t.Render(f.IO, w)
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// NewCmdWho builds `role who`.
func NewCmdWho(f *cmdutil.Factory, runF func(context.Context, *ReadOptions) error) *cobra.Command {
	o := &ReadOptions{F: f}
	cmd := &cobra.Command{
		Use:   "who ROLE",
		Short: "Who can become ROLE, on which hostgroups, through which groups",
		Long: `List every person who can become ROLE with sudo: through which group (or directly), by
which sudo rule, on which hostgroups, and whether sudo asks for a passphrase — the audit
trail of ITTN-010 §7.2.`,
		Example: "  accessctl role who atadbot\n  accessctl role who atadbot -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Role = args[0]
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if err := names.Role(o.Role); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunWho(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.Positional(completion.Roles(f), nil)
	return cmd
}

// RunWho prints who can become the role.
func RunWho(ctx context.Context, o *ReadOptions) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	paths, exists, err := roles.Who(ctx, dir, o.Role)
	if err != nil {
		return err
	}
	if !exists && len(paths) == 0 {
		return cmdutil.InputErrorf("no role account %s", o.Role)
	}
	if paths == nil {
		paths = []roles.Path{}
	}
	return output.Print(f.IO, o.Out.Value, paths, func(w io.Writer) error {
		if len(paths) == 0 {
			fmt.Fprintf(w, "nobody can become %s with sudo\n", o.Role)
			return nil
		}
		t := output.Table{Headers: []string{"user", "via", "sudo rule", "hostgroups", "passphrase", "enabled"}}
		for _, p := range paths {
			t.AddRow(p.User, p.Via, p.Rule, dash(strings.Join(p.Hostgroups, ",")), yesno(p.Passphrase), yesno(p.Enabled))
		}
		return t.Render(f.IO, w)
	})
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// NewCmdCheck builds `role check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *ReadOptions) error) *cobra.Command {
	o := &ReadOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Find role accounts with a password, SSH keys, or an HBAC rule naming them (exit 5)",
		Long: `ITTN-010 §7.2: role accounts are assumed with sudo; shell access by password or SSH key is
not allowed. Reports role accounts with a password (userPassword or Kerberos keys), SSH
public keys, or an HBAC rule that names them directly. Membership in the hostgroup's user
group is expected and not a finding. Exits 5 when anything is found.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunCheck(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// RunCheck prints the findings.
func RunCheck(ctx context.Context, o *ReadOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	a, err := roles.ReadAudit(ctx, dir, conv)
	if err != nil {
		return err
	}
	rep := finding.NewReport(a.Check())
	if err := cmdutil.PrintFindings(f, o.Out.Value, rep, fmt.Sprintf("no findings in %d role account(s)", len(a.Roles))); err != nil {
		return err
	}
	if fs := rep.Findings; len(fs) > 0 {
		return &cmdutil.FindingsError{Count: len(fs)}
	}
	return nil
}
