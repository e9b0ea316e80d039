package create

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func run(t *testing.T, dir directory.Client, args ...string) (stdout, stderr string, ops int64, err error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := NewCmdCreate(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), f.Ops(), err
}

func deleteCluster(t *testing.T, dir directory.Client, name string) {
	f, _, _ := cmdtest.Factory(t, dir)
	cmd := members.NewCmdDelete(f)
	cmd.SetArgs([]string{name, "--yes"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Errorf("cleanup: delete cluster %s: %v", name, err)
	}
}

func TestCreate(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			name := cmdtest.Name("hv")
			stdout, _, ops, err := run(t, dir, name, "--desc", "Summit HVAC")
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			t.Cleanup(func() { deleteCluster(t, dir, name) })
			// One search reads the state, a base search the general range's high-water mark
			// (no claim reaches into DNA's range); five adds make the objects (DNA assigns GIDs).
			if ops != 7 {
				t.Errorf("create used %d operations, want 7 (2 searches + 5 adds)", ops)
			}
			if !strings.Contains(stdout, "5 to create, 0 to modify, 0 to delete, 0 unchanged.") {
				t.Errorf("plan summary missing:\n%s", stdout)
			}
			s, err := cluster.Read(context.Background(), dir, siteconv.Default(), name)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Complete() {
				t.Fatalf("cluster incomplete after create: %+v", s)
			}
			if p := s.Problems(); len(p) != 0 {
				t.Errorf("fresh cluster has problems: %+v", p)
			}
			for _, g := range []*directory.Entry{s.Group, s.SudoGroup} {
				for _, oc := range []string{"groupofnames", "nestedgroup", "ipausergroup", "ipaobject", "posixgroup"} {
					if !g.HasObjectClass(oc) {
						t.Errorf("%s lacks objectClass %s", g.DN, oc)
					}
				}
				gid := g.First("gidNumber")
				if gid == "" || gid == "-1" {
					t.Errorf("%s gidNumber = %q, want a DNA-assigned number", g.DN, gid)
				}
			}
			if got := s.Group.First("description"); got != "Summit HVAC users" {
				t.Errorf("group description = %q", got)
			}
			if got := s.SudoGroup.First("description"); got != "Summit HVAC sudo users" {
				t.Errorf("sudo group description = %q", got)
			}
			if got := s.Hostgroup.First("description"); got != "Summit HVAC servers" {
				t.Errorf("hostgroup description = %q", got)
			}
			for _, r := range []*directory.Entry{s.HBACRule, s.SudoRule} {
				rdn := strings.ToLower(strings.SplitN(r.DN, ",", 2)[0])
				if !strings.HasPrefix(rdn, "ipauniqueid=") || strings.Contains(rdn, "autogenerate") || len(rdn) != len("ipauniqueid=")+36 {
					t.Errorf("rule RDN %q, want ipaUniqueID=<uuid>", rdn)
				}
				if r.First("ipaUniqueID") == "autogenerate" {
					t.Errorf("rule %s kept ipaUniqueID autogenerate", r.DN)
				}
			}
			// memberOf: the groups and the hostgroup show the rules that name them.
			if !hasDN(s.Group.Get("memberOf"), s.HBACRule.DN) {
				t.Errorf("group %s memberOf %v lacks the HBAC rule", name, s.Group.Get("memberOf"))
			}
			if !hasDN(s.SudoGroup.Get("memberOf"), s.SudoRule.DN) {
				t.Errorf("sudo group memberOf %v lacks the sudo rule", s.SudoGroup.Get("memberOf"))
			}
			if !hasDN(s.Hostgroup.Get("memberOf"), s.HBACRule.DN) || !hasDN(s.Hostgroup.Get("memberOf"), s.SudoRule.DN) {
				t.Errorf("hostgroup memberOf %v lacks the rules", s.Hostgroup.Get("memberOf"))
			}

			// A second run changes nothing and says so, with one search.
			stdout, _, ops, err = run(t, dir, name, "--desc", "Summit HVAC")
			if err != nil {
				t.Fatalf("second create: %v", err)
			}
			if ops != 1 || !strings.Contains(stdout, "No changes: 5 object(s) already correct.") {
				t.Errorf("second run: %d ops, output:\n%s", ops, stdout)
			}
		})
	}
}

func hasDN(list []string, dn string) bool {
	for _, v := range list {
		if directory.EqualDN(v, dn) {
			return true
		}
	}
	return false
}

// TestCreateRollback fails every write of create in turn: the directory must end as it
// was, and a re-run must then converge.
func TestCreateRollback(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			for n := int64(1); n <= 5; n++ {
				t.Run(fmt.Sprintf("fail-write-%d", n), func(t *testing.T) {
					name := cmdtest.Name("rb")
					faulty := directory.NewFaulty(dir, n)
					_, _, _, err := run(t, faulty, name, "--desc", "Rollback")
					var ae *plan.ApplyError
					if !errors.As(err, &ae) {
						t.Fatalf("err = %v, want an apply error", err)
					}
					if len(ae.Leftover) != 0 || ae.RolledBack != int(n-1) {
						t.Fatalf("rollback: %+v", ae)
					}
					s, err := cluster.Read(context.Background(), dir, siteconv.Default(), name)
					if err != nil {
						t.Fatal(err)
					}
					if s.Exists() {
						t.Fatalf("objects left after rollback at write %d: %+v", n, s)
					}
					if _, _, _, err := run(t, dir, name, "--desc", "Rollback"); err != nil {
						t.Fatalf("re-run: %v", err)
					}
					t.Cleanup(func() { deleteCluster(t, dir, name) })
					s, _ = cluster.Read(context.Background(), dir, siteconv.Default(), name)
					if !s.Complete() || len(s.Problems()) != 0 {
						t.Fatalf("re-run did not converge: %+v", s.Problems())
					}
				})
			}
		})
	}
}

// TestCreateConcurrent runs ten creates of one cluster at once: exactly one makes it, the
// others fail on the user group's unique DN (the lock) and leave nothing behind.
func TestCreateConcurrent(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			name := cmdtest.Name("race")
			var dirs []directory.Client
			for i := 0; i < 10; i++ {
				if b.Name == "sandbox" && i > 0 {
					// Separate handles on the same file, as separate processes would have.
					dirs = append(dirs, reopen(t, dirs[0]))
					continue
				}
				dirs = append(dirs, b.Open(t))
			}
			var wg sync.WaitGroup
			errs := make([]error, len(dirs))
			for i, d := range dirs {
				wg.Add(1)
				go func(i int, d directory.Client) {
					defer wg.Done()
					_, _, _, errs[i] = run(t, d, name, "--desc", "Race")
				}(i, d)
			}
			wg.Wait()
			t.Cleanup(func() { deleteCluster(t, dirs[0], name) })
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if !strings.Contains(err.Error(), "created concurrently") && !strings.Contains(err.Error(), "another run may be creating it") {
					t.Errorf("loser error = %v, want it to say the cluster was created concurrently", err)
				}
			}
			if ok < 1 {
				t.Fatalf("no create succeeded: %v", errs)
			}
			rules, err := dirs[0].Search(context.Background(), directory.SearchRequest{BaseDN: dirs[0].Suffix(), Scope: directory.ScopeSub,
				Filter: "(|(cn=" + name + "-users)(cn=" + name + "-sudo))", Attributes: []string{"cn"}})
			if err != nil {
				t.Fatal(err)
			}
			// hbac rule + sudo rule + sudo group: exactly three entries, no duplicates.
			if len(rules) != 3 {
				t.Fatalf("found %d entries named %s-users/%s-sudo, want 3", len(rules), name, name)
			}
		})
	}
}

func reopen(t *testing.T, d directory.Client) directory.Client {
	t.Helper()
	type pather interface{ Path() string }
	p, ok := d.(pather)
	if !ok {
		t.Fatal("sandbox has no Path")
	}
	return cmdtest.OpenSandboxFile(t, p.Path())
}

func TestCreateBadInput(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"upper case", []string{"Hvac", "--desc", "x"}, `invalid cluster name "Hvac"`},
		{"sudo suffix", []string{"hvac-sudo", "--desc", "x"}, `must not end in "-sudo"`},
		{"users suffix", []string{"hvac-users", "--desc", "x"}, `must not end in "-users"`},
		{"filter chars", []string{"a*)(cn=b", "--desc", "x"}, "invalid cluster name"},
		{"no desc", []string{"hvac"}, "--desc is required"},
		{"bad regex", []string{"hvac", "--desc", "x", "--host-regex", `(a)\1`}, "back-reference"},
		{"bad emit", []string{"hvac", "--desc", "x", "--emit", "json"}, `invalid --emit "json"`},
		{"bad range", []string{"hvac", "--desc", "x", "--range", "nope"}, `unknown --range "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, ops, err := run(t, dir, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
				t.Errorf("exit code %d, want 2", code)
			}
			if tt.name != "bad range" && ops != 0 {
				t.Errorf("%d directory operations for bad input, want 0", ops)
			}
			s, _ := cluster.Read(context.Background(), dir, siteconv.Default(), "hvac")
			if s.Exists() {
				t.Fatal("bad input changed the directory")
			}
		})
	}
}

func TestCreateEmitIPA(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	stdout, _, _, err := run(t, dir, "hvac", "--desc", "Summit HVAC", "--emit", "ipa")
	if err != nil {
		t.Fatal(err)
	}
	// ITTN-010 §3.5, in order.
	want := `ipa group-add hvac --desc='Summit HVAC users'
ipa group-add hvac-sudo --desc='Summit HVAC sudo users'
ipa hostgroup-add hvac --desc='Summit HVAC servers'
ipa hbacrule-add hvac-users --servicecat=all
ipa hbacrule-add-host hvac-users --hostgroups=hvac
ipa hbacrule-add-user hvac-users --groups=hvac
ipa sudorule-add hvac-sudo --cmdcat=all --runasusercat=all --runasgroupcat=all
ipa sudorule-add-user hvac-sudo --groups=hvac-sudo
ipa sudorule-add-host hvac-sudo --hostgroups=hvac
`
	if stdout != want {
		t.Fatalf("--emit ipa:\n%s\nwant:\n%s", stdout, want)
	}
	if s, _ := cluster.Read(context.Background(), dir, siteconv.Default(), "hvac"); s.Exists() {
		t.Fatal("--emit changed the directory")
	}
}

// TestCreateExplicitGIDs: outside the realm's DNA range the GIDs are claimed above the
// range's high-water mark, in the same plan, and never handed out twice.
func TestCreateExplicitGIDs(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	if _, _, _, err := run(t, dir, "one", "--desc", "One", "--range", "dm-role"); err != nil {
		t.Fatal(err)
	}
	s, _ := cluster.Read(context.Background(), dir, siteconv.Default(), "one")
	if s.Group.First("gidNumber") != "61004" || s.SudoGroup.First("gidNumber") != "61005" {
		t.Fatalf("gids = %s, %s; want 61004, 61005 (61000-61003 reserved)", s.Group.First("gidNumber"), s.SudoGroup.First("gidNumber"))
	}
	deleteCluster(t, dir, "one")
	if _, _, _, err := run(t, dir, "two", "--desc", "Two", "--range", "dm-role"); err != nil {
		t.Fatal(err)
	}
	s, _ = cluster.Read(context.Background(), dir, siteconv.Default(), "two")
	if s.Group.First("gidNumber") != "61006" {
		t.Fatalf("gid after delete = %s, want 61006 (61004-61005 were handed out)", s.Group.First("gidNumber"))
	}
}

func TestHostFilter(t *testing.T) {
	tests := []struct {
		regexes []string
		want    string
	}{
		{[]string{`^eas-hvac-[0-9]+\.cp\.lsst\.org$`}, "(&(objectClass=ipahost)(|(fqdn=eas-hvac-*)))"},
		{[]string{`^at-.*`, `^ats(ccs|daq)`}, "(&(objectClass=ipahost)(|(fqdn=at-*)(fqdn=ats*)))"},
		{[]string{`^at-.*`, `hvac`}, "(objectClass=ipahost)"},
		{[]string{`^a\*b`}, `(&(objectClass=ipahost)(|(fqdn=a\2ab*)))`},
	}
	for _, tt := range tests {
		if got := hostFilter(tt.regexes, "fqdn"); got != tt.want {
			t.Errorf("hostFilter(%q) = %s, want %s", tt.regexes, got, tt.want)
		}
	}
}

// The residue of an interrupted create (the user group alone) is a half cluster for
// `cluster list` and `audit`, and `create --fix` completes it without --desc, reading
// the base text from the group's description.
func TestFixCompletesInterruptedCreate(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			name := cmdtest.Name("ic")
			if _, err := dir.Add(ctx, ipa.PosixGroup(name, "Summit HVAC users", "-1", dir.Suffix())); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { deleteCluster(t, dir, name) })
			sn, err := cluster.ReadAll(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(sn.Bases(siteconv.Default()), name) {
				t.Fatalf("a lone user group %s described by the template is not a half cluster", name)
			}
			snap, err := access.Read(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Run(snap, siteconv.Default())
			if err != nil {
				t.Fatal(err)
			}
			var half *audit.Finding
			for i, x := range rep.Findings {
				if x.ID == "cluster-half" && slices.Contains(x.Objects, "cluster:"+name) {
					half = &rep.Findings[i]
				}
			}
			if half == nil || half.Fix != "accessctl cluster create "+name+" --fix" {
				t.Fatalf("audit finding for the interrupted create: %+v", half)
			}
			// Without --fix it stays refused; with --fix and no --desc it completes.
			if _, _, _, err := run(t, dir, name, "--yes"); err == nil {
				t.Fatal("create without --desc or --fix: no error")
			}
			if _, _, _, err := run(t, dir, name, "--fix", "--yes"); err != nil {
				t.Fatalf("create --fix: %v", err)
			}
			s, err := cluster.Read(ctx, dir, siteconv.Default(), name)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Complete() {
				t.Fatalf("after --fix the cluster is still incomplete: %v", missing(s))
			}
			if base, ok := s.DescriptionBase(siteconv.Default()); !ok || base != "Summit HVAC" {
				t.Errorf("descriptions after --fix: base %q, %v", base, ok)
			}
		})
	}
}
