// Package apply implements `accessctl apply -f FILE|DIR`: carry out the plan `diff -f`
// shows, through the one confirmation and apply path every command uses, one object at a
// time.
package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/diff"
	"github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sidefile"
	"github.com/accessctl/accessctl/pkg/site"
	"github.com/accessctl/accessctl/pkg/siteconv"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Options are apply's flags.
type Options struct {
	File        string
	MaxChanges  int
	PasswordDir string
	Prune       bool
	Plan        cmdutil.PlanFlags
}

// NewCmdApply builds `accessctl apply`.
func NewCmdApply(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR",
		Short: "Make the directory what a Site document says about the objects it lists",
		Long: `Carry out the plan 'accessctl diff -f' shows (see docs/site-as-code.md): the directory is
read, the whole plan is printed and confirmed with the rules of every command (a plan that
removes access needs --yes off a terminal), then each object the file lists (a cluster, a
role, a service) is planned again from a fresh read of the directory right before it is
applied, and applied all or nothing. When an object fails, it is rolled back, the objects
before it stay applied, the ones after it are not tried, and the error names them: run
apply again to finish.

Authoritative for what the file lists: a listed cluster's members, sudo members, member
managers and host regexes become exactly the file's, and a listed role's sudoto rules on
hostgroups the file no longer names are deleted (role delete; the user stays). Objects the
file does not list are left alone, unless --prune: then the clusters (cluster delete),
roles' sudoto groups and rules (role delete; the user stays) and service bind DNs
(service binddn delete) that follow the conventions and are not listed are deleted, after
the listed objects; users and hosts never are. What no command can change yet is shown
as "differs" and left alone.

New service bind DNs need --password-dir DIR: each gets a random password, written to a
new 0600 file DIR/NAME (created exclusively, synced) before the account is created; the
password is never printed.

--max-changes N refuses (exit 3, nothing changed) a plan with more than N object changes
(creates + modifies + deletes) over the whole file.`,
		Example: `  accessctl apply -f site/ --dry-run
  accessctl apply -f site/ --max-changes 20 --yes
  accessctl apply -f site/ --password-dir ~/secrets --yes`,
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if o.File == "" {
				return cmdutil.FlagErrorf("-f FILE|DIR is required")
			}
			if o.MaxChanges < 0 {
				return cmdutil.FlagErrorf("invalid --max-changes %d: want 0 or more", o.MaxChanges)
			}
			return run(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "the Site document: a file, or a directory of *.yaml files")
	cmd.Flags().IntVar(&o.MaxChanges, "max-changes", 0, "refuse a plan with more than `N` object changes (0: no limit)")
	cmd.Flags().StringVar(&o.PasswordDir, "password-dir", "", "write the password of each new service bind DN to a new 0600 file `DIR`/NAME")
	cmd.Flags().BoolVar(&o.Prune, "prune", false, "also delete the conforming clusters, role rules and service bind DNs the file does not list (never users or hosts)")
	_ = cmd.MarkFlagDirname("password-dir")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	return cmd
}

// object is one object of the file, as a document of its own, or one --prune deletes.
type object struct {
	what   string // "cluster hvac"
	set    *site.Set
	pruned *diff.Unlisted
	plan   *plan.Plan // as shown and confirmed
}

// split makes one document per cluster, role and service of set (users are never
// changed by apply: their differences are notes).
func split(set *site.Set) []object {
	var out []object
	one := func(what string) *site.Set {
		s := &site.Set{Site: set.Site, SitePos: set.SitePos, Files: set.Files, Where: set.Where}
		out = append(out, object{what: what, set: s})
		return s
	}
	for _, c := range set.Clusters {
		one("cluster " + c.Name).Clusters = []site.Cluster{c}
	}
	for _, r := range set.Roles {
		one("role " + r.Name).Roles = []site.Role{r}
	}
	for _, s := range set.Services {
		one("service " + s.Name).Services = []site.Service{s}
	}
	if len(set.Users) > 0 {
		s := one("users")
		s.Users, s.HasUsers = set.Users, set.HasUsers
	}
	return out
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	set, err := site.Load(o.File)
	if err != nil {
		return cmdutil.InputError(err)
	}
	// One read; the whole plan is the objects' plans made from it.
	p, cur, err := diff.BuildSet(ctx, f, &site.Set{Site: set.Site, SitePos: set.SitePos, Files: set.Files, Where: set.Where, HasUsers: set.HasUsers}, o.File)
	if err != nil {
		return err
	}
	objs := split(set)
	for i := range objs {
		sub, err := diff.Plan(ctx, f, objs[i].set, cur, o.File)
		if err != nil {
			return err
		}
		objs[i].plan = sub
		merge(p, sub)
	}
	if o.Prune {
		for _, u := range diff.UnlistedObjects(set, cur) {
			sub, err := diff.PrunePlan(ctx, cur.Dir, cur.Conv, u)
			if err != nil {
				return err
			}
			diff.AddPruned(p, sub, u)
			objs = append(objs, object{what: "delete " + u.String(), pruned: &u, plan: sub})
		}
	}
	preview := o.Plan.DryRun || o.Plan.Emit != ""
	if err := checkPasswordDir(o.PasswordDir, newServices(p), preview); err != nil {
		return err
	}
	if n := len(p.Pending()); o.MaxChanges > 0 && n > o.MaxChanges && !preview {
		return &cmdutil.RefusedError{Reason: fmt.Sprintf("the plan has %d object changes, more than --max-changes %d: nothing changed (see accessctl diff -f %s)", n, o.MaxChanges, o.File)}
	}
	p.Title = "apply " + o.File
	a := &applier{f: f, o: o, dir: cur.Dir, conv: cur.Conv, removing: p.Removing()}
	_, err = cmdutil.RunPlanWith(ctx, f, cur.Dir, p, &o.Plan, func(ctx context.Context) error { return a.apply(ctx, objs) })
	if err == nil && p.HasDiffers() {
		fmt.Fprintln(f.IO.ErrOut, "accessctl: some differences cannot be applied yet and were left alone (see the notes marked differs)")
	}
	return err
}

// merge appends sub's changes, warnings and info lines to p.
func merge(p, sub *plan.Plan) {
	for _, c := range sub.Changes {
		p.Add(c)
	}
	p.Warnings = append(p.Warnings, sub.Warnings...)
	p.Info = append(p.Info, sub.Info...)
}

// newServices lists the bind DNs p creates.
func newServices(p *plan.Plan) []plan.Change {
	var out []plan.Change
	for _, c := range p.Pending() {
		if c.Kind == "sysaccount" && c.Action == plan.Create {
			out = append(out, c)
		}
	}
	return out
}

// checkPasswordDir refuses, before anything is written, a --password-dir that is not a
// directory, a password file that exists already, and new services with nowhere to put
// their passwords (unless the plan is only shown).
func checkPasswordDir(dir string, news []plan.Change, preview bool) error {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return cmdutil.InputErrorf("--password-dir %s: %w", dir, errors.Unwrap(err))
		}
		if !st.IsDir() {
			return cmdutil.InputErrorf("--password-dir %s: not a directory", dir)
		}
	}
	if len(news) == 0 || preview {
		return nil
	}
	if dir == "" {
		var names []string
		for _, c := range news {
			names = append(names, c.Name)
		}
		return cmdutil.InputErrorf("new service bind DN(s) %s need a password: give --password-dir DIR (each password goes to a new 0600 file DIR/NAME)", strings.Join(names, ", "))
	}
	for _, c := range news {
		path := filepath.Join(dir, c.Name)
		if _, err := os.Lstat(path); err == nil {
			return cmdutil.InputErrorf("password file %s already exists: move it away or choose another --password-dir", path)
		}
	}
	return nil
}

// applier applies the objects one at a time.
type applier struct {
	f        *cmdutil.Factory
	o        *Options
	dir      directory.Client
	conv     *siteconv.Conventions
	removing bool // whether the plan the user confirmed removes anything
}

func (a *applier) apply(ctx context.Context, objs []object) error {
	var done []string
	for i, obj := range objs {
		if obj.plan.Empty() {
			continue // matched when the plan was made
		}
		err := a.one(ctx, obj)
		if err == nil {
			done = append(done, obj.what)
			continue
		}
		var rest []string
		for _, x := range objs[i+1:] {
			if !x.plan.Empty() {
				rest = append(rest, x.what)
			}
		}
		ctxt := obj.what + " (rolled back)"
		if len(done) > 0 {
			ctxt += "; applied before it: " + strings.Join(done, ", ")
		}
		if len(rest) > 0 {
			ctxt += "; not tried: " + strings.Join(rest, ", ")
		}
		return fmt.Errorf("%s: %w", ctxt, err)
	}
	return nil
}

// one plans obj again from a fresh read of the directory and applies that plan all or
// nothing: a change someone made since the plan was shown is planned for, not overwritten.
func (a *applier) one(ctx context.Context, obj object) error {
	if obj.pruned != nil {
		p, err := diff.PrunePlan(ctx, a.dir, a.conv, *obj.pruned)
		if err != nil {
			return err
		}
		return plan.Apply(ctx, a.dir, p)
	}
	p, cur, err := diff.BuildSet(ctx, a.f, obj.set, a.o.File)
	if err != nil {
		return err
	}
	if p.Empty() {
		return nil
	}
	if p.Removing() && !a.removing && !a.o.Plan.Yes {
		return &cmdutil.RefusedError{Reason: "the directory changed since the plan was shown and the new plan removes access: run apply again to see it"}
	}
	if fingerprint(p) != fingerprint(obj.plan) {
		fmt.Fprintf(a.f.IO.ErrOut, "accessctl: %s changed since the plan was shown: applying %d change(s) planned from a fresh read\n", obj.what, len(p.Pending()))
	}
	news := newServices(p)
	if len(news) == 0 {
		return plan.Apply(ctx, cur.Dir, p)
	}
	return a.withPassword(ctx, cur, p, news[0])
}

// withPassword applies p, which creates the bind DN of c: the password is written to its
// new 0600 file first (no write is made when that fails) and reaches the directory only
// through sysaccounts.Secret; the file is removed again when the directory certainly did
// not take the password.
func (a *applier) withPassword(ctx context.Context, cur *export.Current, p *plan.Plan, c plan.Change) error {
	pw, err := sysaccounts.GeneratePassword(passwordLength(a.f))
	if err != nil {
		return err
	}
	path := filepath.Join(a.o.PasswordDir, c.Name)
	w := plan.BeforeWrites(&sysaccounts.Secret{Client: cur.Dir, DN: c.DN, Password: pw}, func() error {
		if err := sidefile.Create(path, []byte(pw+"\n")); err != nil {
			return fmt.Errorf("password file: %w", err)
		}
		fmt.Fprintf(a.f.IO.ErrOut, "accessctl: wrote %s (mode 0600)\n", path)
		return nil
	})
	err = plan.Apply(ctx, w, p)
	if err == nil {
		return nil
	}
	if plan.NothingChanged(err) {
		os.Remove(path)
		return err
	}
	return fmt.Errorf("%w; %s holds the password that was being set", err, path)
}

func passwordLength(f *cmdutil.Factory) int {
	n := sysaccounts.MinPasswordLength
	if conv, err := f.Conventions(); err == nil && conv.Service.PasswordLength > n {
		n = conv.Service.PasswordLength
	}
	return n
}

// fingerprint is what p writes, to tell whether a fresh plan is the one that was shown.
func fingerprint(p *plan.Plan) string {
	var b strings.Builder
	for _, c := range p.Pending() {
		dn := directory.NormalizeDN(c.DN)
		if c.Action == plan.Create {
			dn = "" // a new rule's DN holds an ipaUniqueID chosen when planning
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", c.Action, c.Kind, c.Name, dn)
		for _, m := range c.Mods {
			vals := append([]string(nil), m.Values...)
			sort.Strings(vals)
			fmt.Fprintf(&b, " %v %s %q\n", m.Op, strings.ToLower(m.Attr), vals)
		}
	}
	return b.String()
}
