// Package create implements `accessctl user create`.
package create

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	idcmd "github.com/accessctl/accessctl/pkg/cmd/id/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sshkey"
	"github.com/accessctl/accessctl/pkg/users"
)

// Options are the inputs of `user create`.
type Options struct {
	F        *cmdutil.Factory
	Login    string
	First    string
	Last     string
	Email    string
	Clusters []string // C or C:sudo
	SSHKey   string   // file
	Range    string
	Plan     cmdutil.PlanFlags

	sshKeys []string
	groups  []string
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create LOGIN --first FIRST --last LAST",
		Short: "Create a regular user the way `ipa user-add` does, optionally with cluster access",
		Long: `Create a regular user (ITTN-010 §7.1) in exactly the shape ` + "`ipa user-add`" + ` gives it: the
object classes of cn=ipaConfig, cn/displayName/gecos/initials from the names, home
directory, default shell, Kerberos principal, mail, member of ipausers, and a user private
group with GID = UID made by the server. No password is set: shell access is by SSH key
or Kerberos. Where FreeIPA's user private groups are disabled (UPG Definition), the user
takes the default group's GID instead, and that group must be POSIX, as with ipa user-add.
SSH keys are parsed and stored as FreeIPA does; a bad one is refused naming its line.

The UID comes from the conventions' general range: the server's DNA plugin assigns it when
the realm's ID range lies inside that range (and no claim made with "id next --allocate"
reaches into it), otherwise the next free ID above the range's high-water mark is chosen
here and claimed in the same plan (see "accessctl id next --help").

--cluster C adds the user to cluster C's login group; --cluster C:sudo adds the sudo group
too. The groups must exist. One plan, all or nothing.`,
		Example: `  accessctl user create jroe --first Jane --last Roe --cluster amor --dry-run
  accessctl user create jroe --first Jane --last Roe --email jane@example.org --cluster amor:sudo --ssh-key jroe.pub --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Login = args[0]
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if err := names.User(o.Login); err != nil {
				return err
			}
			o.First, o.Last = strings.TrimSpace(o.First), strings.TrimSpace(o.Last)
			if o.First == "" || o.Last == "" {
				return cmdutil.FlagErrorf("--first and --last are required")
			}
			if err := names.Text(names.KindFirst, o.First); err != nil {
				return err
			}
			if err := names.Text(names.KindLast, o.Last); err != nil {
				return err
			}
			if o.Email != "" {
				if err := names.Mail(o.Email); err != nil {
					return err
				}
			}
			if o.SSHKey != "" {
				keys, err := ReadSSHKeys(o.SSHKey)
				if err != nil {
					return cmdutil.InputError(err)
				}
				o.sshKeys = keys
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.First, "first", "", "first name (givenName)")
	cmd.Flags().StringVar(&o.Last, "last", "", "last name (sn)")
	cmd.Flags().StringVar(&o.Email, "email", "", "mail address (default: LOGIN@ the directory's default e-mail domain)")
	cmd.Flags().StringArrayVar(&o.Clusters, "cluster", nil, "give access to cluster C (login), or C:sudo (login and sudo); repeatable")
	cmd.Flags().StringVar(&o.SSHKey, "ssh-key", "", "file of SSH public keys (one per line) to store in the directory")
	cmd.Flags().StringVar(&o.Range, "range", "general", "conventions ID range for the UID")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("cluster", completion.Suffixed(completion.Clusters(f), ":sudo"))
	_ = cmd.RegisterFlagCompletionFunc("range", completion.Ranges(f))
	_ = cmd.MarkFlagFilename("ssh-key")
	return cmd
}

// ReadSSHKeys reads SSH public keys, one per line (blank lines and # comments skipped),
// parsed and normalised as FreeIPA's user-add does (pkg/sshkey). A bad line is named by
// its number, never quoted.
func ReadSSHKeys(path string) ([]string, error) {
	fh, err := inputfile.Open(path, inputfile.SSHKeys)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var keys []string
	seen := map[string]int{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.Contains(l, "PRIVATE KEY") {
			return nil, fmt.Errorf("--ssh-key file line %d: this is a private key; give the public key (.pub)", n)
		}
		k, err := sshkey.Parse(l)
		if err != nil {
			return nil, fmt.Errorf("--ssh-key file line %d: %w (want [OPTIONS] TYPE BASE64 [COMMENT], as in a .pub file)", n, err)
		}
		norm := k.String()
		if first, dup := seen[norm]; dup {
			return nil, fmt.Errorf("--ssh-key file line %d: the same key as line %d", n, first)
		}
		seen[norm] = n
		keys = append(keys, norm)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read --ssh-key: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no SSH public key", path)
	}
	return keys, nil
}

// Run validates the clusters against the conventions, reads the state in one search,
// chooses the UID, plans and applies.
func Run(ctx context.Context, o *Options) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	rng, ok := conv.RangeByName(o.Range)
	if !ok {
		return cmdutil.InputErrorf("unknown --range %q: the conventions define %v", o.Range, conv.RangeNames())
	}
	o.groups = nil
	for _, c := range o.Clusters {
		base, mode, _ := strings.Cut(c, ":")
		if mode != "" && mode != "sudo" {
			return cmdutil.InputErrorf("invalid --cluster %q: want CLUSTER or CLUSTER:sudo", c)
		}
		if err := names.Cluster(base); err != nil {
			return err
		}
		n := conv.ClusterNames(base)
		o.groups = append(o.groups, n.Group)
		if mode == "sudo" {
			o.groups = append(o.groups, n.SudoGroup)
		}
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	state, err := users.ReadCreate(ctx, dir, o.Login, append([]string{"ipausers"}, o.groups...))
	if err != nil {
		return err
	}
	rlm, err := cmdutil.ResolveRealm(f, state.Realm)
	if err != nil {
		return err
	}
	opts := users.CreateOptions{
		Spec:   users.Spec{Login: o.Login, First: o.First, Last: o.Last, Email: o.Email, UID: ipa.DNAMagic, SSHKeys: o.sshKeys, Realm: rlm},
		Groups: o.groups,
	}
	// Whether user-add makes a private group is the server's to say; unreadable is an error
	// of the directory, not of the input.
	if _, err := state.HasUPG(); err != nil {
		return err
	}
	// Refuse what the state alone refuses (user exists, groups missing) before any
	// further read.
	if _, err := users.PlanCreate(state, opts); err != nil {
		return cmdutil.InputError(err)
	}
	uid := ipa.DNAMagic
	var marks []plan.Change
	r := idrange.Range{Name: rng.Name, Min: rng.Min, Max: rng.Max}
	if id, ok := conv.Reserved(o.Login); ok {
		uid = strconv.Itoa(id) // ITTN-010 §6.2: the reservation is canonical
		held, err := ids.HeldBy(ctx, dir, id)
		if err != nil {
			return err
		}
		if len(held) > 0 {
			return cmdutil.InputErrorf("id %d, reserved for %s, is already held by %s: one id, one holder", id, o.Login, held[0].DN)
		}
	} else if useDNA, err := ids.ServedByDNA(ctx, dir, state.Ranges, state.Realm, r); err != nil {
		return err
	} else if !useDNA {
		got, changes, err := ids.Claim(ctx, dir, conv, r, 1)
		if err != nil {
			return err
		}
		uid, marks = strconv.Itoa(got[0]), changes
	}
	opts.UID = uid
	p, err := users.PlanCreate(state, opts)
	if err != nil {
		return cmdutil.InputError(err)
	}
	for _, m := range marks {
		p.Add(m)
	}
	if err := idcmd.CheckClaimServer(f, dir, p, &o.Plan); err != nil {
		return err
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	return idcmd.ExplainClaimRace(err)
}
