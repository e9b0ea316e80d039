package role

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// setup makes what role create needs: a FreeIPA ID range covering dm-role, a hostgroup
// and its user group (unique names on the shared live directory).
func setup(t *testing.T, dir directory.Client, hg string) {
	t.Helper()
	ctx := context.Background()
	s := dir.Suffix()
	rng := directory.NewEntry(directory.Join("cn", "dm-role", directory.Ranges, s),
		directory.A("objectClass", "top", "ipaIDrange", "ipaDomainIDRange"), directory.A("cn", "dm-role"),
		directory.A("ipaBaseID", "61000"), directory.A("ipaIDRangeSize", "1000"), directory.A("ipaRangeType", "ipa-local"))
	_, err := dir.Add(ctx, rng)
	if err != nil && !directory.IsExists(err) {
		t.Fatalf("add id range: %v", err)
	}
	if err == nil {
		// Leave the shared live directory's ID ranges as they were.
		t.Cleanup(func() { _ = dir.Delete(context.Background(), rng.DN) })
	}
	t.Cleanup(func() {
		// Remove this test's objects (the live directory is shared); atadbot stays.
		ctx := context.Background()
		rules, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.SudoRules, s), Scope: directory.ScopeOne,
			Filter: ipa.RuleFilter("ipasudorule", hg+"-sudoto-atadbot"), Attributes: []string{"cn"}})
		for _, r := range rules {
			_ = dir.Delete(ctx, r.DN)
		}
		_ = dir.Delete(ctx, ipa.GroupDN(hg+"-sudoto-atadbot", s))
		_ = dir.Modify(ctx, ipa.GroupDN(hg, s), []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{ipa.UserDN("atadbot", s)}}})
		if hg != "auxtel" {
			_ = dir.Delete(ctx, ipa.GroupDN(hg, s))
			_ = dir.Delete(ctx, ipa.HostgroupDN(hg, s))
		}
	})
	if _, err := dir.Add(ctx, ipa.Hostgroup(hg, hg+" nodes", s)); err != nil && !directory.IsExists(err) {
		t.Fatalf("add hostgroup: %v", err)
	}
	gid := fmt.Sprint(78000 + rand.IntN(1999))
	if _, err := dir.Add(ctx, ipa.PosixGroup(hg, hg+" users", gid, s)); err != nil && !directory.IsExists(err) {
		t.Fatalf("add group: %v", err)
	}
}

func run(t *testing.T, dir directory.Client, o *CreateOptions) (int64, string, error) {
	t.Helper()
	f, out, _ := cmdtest.Factory(t, dir)
	o.F = f
	err := RunCreate(context.Background(), o)
	return f.Ops(), out.String(), err
}

// TestCreateAtadbot: atadbot gets its reserved 61002 and the sudo rule is exactly the
// ITTN-010 §5 shape; a second run changes nothing; both backends.
func TestCreateAtadbot(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			hg := "auxtel"
			if b.Name == "live" {
				hg = cmdtest.Name("hg")
			}
			setup(t, dir, hg)
			// Dry run: only reads (4 searches: objects, id holders, ipa ranges, marks).
			ops, out, err := run(t, dir, &CreateOptions{Role: "atadbot", Hostgroup: hg, Plan: cmdutil.PlanFlags{DryRun: true, Output: "text"}})
			if err != nil {
				t.Fatal(err)
			}
			if ops != 4 {
				t.Errorf("dry run made %d operations, want 4", ops)
			}
			if !strings.Contains(out, "uid = gid = 61002") {
				t.Fatalf("plan:\n%s", out)
			}
			if _, out, err = run(t, dir, &CreateOptions{Role: "atadbot", Hostgroup: hg, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			ctx := context.Background()
			s := dir.Suffix()
			users, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.UserDN("atadbot", s), Scope: directory.ScopeBase, Filter: "(objectClass=*)",
				Attributes: []string{"uidNumber", "gidNumber", "userPassword", "ipaSshPubKey", "memberOf"}})
			if err != nil || len(users) != 1 {
				t.Fatalf("role user: %v", err)
			}
			u := users[0]
			if u.First("uidNumber") != "61002" || u.First("gidNumber") != "61002" || u.First("userPassword") != "" || len(u.Get("ipaSshPubKey")) > 0 {
				t.Fatalf("role user: %+v", u)
			}
			if !u.Has("memberOf", ipa.GroupDN(hg, s)) {
				t.Errorf("atadbot not in group %s: %v", hg, u.Get("memberOf"))
			}
			rule := hg + "-sudoto-atadbot"
			rules, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.SudoRules, s), Scope: directory.ScopeOne,
				Filter: ipa.RuleFilter("ipasudorule", rule)})
			if err != nil || len(rules) != 1 {
				t.Fatalf("sudo rule: %v %d", err, len(rules))
			}
			got := shape(rules[0])
			want := fmt.Sprintf(`cmdcategory=all
cn=%[1]s
ipaenabledflag=TRUE
ipasudoopt=!authenticate
ipasudorunas=uid=atadbot,cn=users,cn=accounts,%[2]s
memberhost=cn=%[3]s,cn=hostgroups,cn=accounts,%[2]s
memberuser=cn=%[1]s,cn=groups,cn=accounts,%[2]s
objectclass=ipaassociation
objectclass=ipasudorule`, rule, s, hg)
			if got != want {
				t.Errorf("sudo rule shape:\n%s\nwant:\n%s", got, want)
			}
			if !strings.HasPrefix(strings.ToLower(rules[0].DN), "ipauniqueid=") || strings.Contains(rules[0].DN, "autogenerate") {
				t.Errorf("rule dn %s", rules[0].DN)
			}
			// Idempotent.
			_, out, err = run(t, dir, &CreateOptions{Role: "atadbot", Hostgroup: hg, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}})
			if err != nil || !strings.Contains(out, "No changes") {
				t.Fatalf("second run: %v\n%s", err, out)
			}
		})
	}
}

// shape renders an entry's attributes (ipaUniqueID aside) as sorted name=value lines.
func shape(e *directory.Entry) string {
	var lines []string
	for _, a := range e.Attributes {
		n := strings.ToLower(a.Name)
		if n == "ipauniqueid" {
			continue
		}
		for _, v := range a.Values {
			if n == "objectclass" {
				v = strings.ToLower(v)
				if v == "top" {
					continue // 389-ds adds it
				}
			}
			lines = append(lines, n+"="+v)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestCreateRefused: bad ranges, names, ids inside the wrong range: exit 2, no writes.
func TestCreateRefused(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			hg := "auxtel"
			if b.Name == "live" {
				hg = cmdtest.Name("hg")
			}
			setup(t, dir, hg)
			cases := []struct {
				name string
				o    CreateOptions
				want string
			}{
				{"unknown range", CreateOptions{Role: "newbot", Range: "nosuch"}, `unknown range "nosuch"`},
				{"id in wrong range", CreateOptions{Role: "newbot", ID: 62010, Range: "dm-role", rangeSet: true}, `lies outside range "dm-role"`},
				{"id reserved for another", CreateOptions{Role: "newbot", ID: 61003}, `reserved for "iip"`},
				{"id reserved for nobody", CreateOptions{Role: "newbot", ID: 61001}, `reserved for (reserved)`},
				{"reserved role, other id", CreateOptions{Role: "rke2", ID: 61010}, "reserved for rke2"},
				{"no hostgroup", CreateOptions{Role: "newbot", Hostgroup: "nosuchhg"}, "hostgroup nosuchhg does not exist"},
				{"outside ipa ranges", CreateOptions{Role: "newbot", Range: "camera-role", rangeSet: true}, "outside every FreeIPA ID range"},
				{"below central minimum", CreateOptions{Role: "newbot", ID: 500}, "lies outside range"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					o := c.o
					if o.Hostgroup == "" {
						o.Hostgroup = hg
					}
					o.Plan = cmdutil.PlanFlags{Yes: true, Output: "text"}
					f, out, _ := cmdtest.Factory(t, dir)
					o.F = f
					err := RunCreate(context.Background(), &o)
					if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
						t.Fatalf("err = %v (exit %d), want %q", err, cmdutil.ExitCode(err), c.want)
					}
					if f.Ops() > 4 {
						t.Errorf("%d operations: a refused plan must only read", f.Ops())
					}
					if out.Len() != 0 {
						t.Errorf("stdout: %s", out)
					}
				})
			}
		})
	}
}

// TestGrantWhoRevoke on both backends.
func TestGrantWhoRevoke(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			hg, role := "auxtel", "atadbot"
			if b.Name == "live" {
				hg = cmdtest.Name("hg")
			}
			setup(t, dir, hg)
			if _, out, err := run(t, dir, &CreateOptions{Role: role, Hostgroup: hg, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			ctx := context.Background()
			// A person to grant: the admin user exists on both backends.
			f, _, _ := cmdtest.Factory(t, dir)
			if err := RunMembers(ctx, &MembersOptions{F: f, Role: role, Hostgroup: hg, Users: []string{"admin"}, Add: true, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatal(err)
			}
			f, out, _ := cmdtest.Factory(t, dir)
			if err := RunWho(ctx, &ReadOptions{F: f, Role: role, Out: cmdutil.OutputFlag{Value: "json"}}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), `"user": "admin"`) || !strings.Contains(out.String(), `"via": "`+hg+`-sudoto-atadbot"`) {
				t.Fatalf("who:\n%s", out)
			}
			if f.Ops() != 2 {
				t.Errorf("who made %d operations, want 2", f.Ops())
			}
			f, _, _ = cmdtest.Factory(t, dir)
			if err := RunMembers(ctx, &MembersOptions{F: f, Role: role, Hostgroup: hg, Users: []string{"admin"}, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatal(err)
			}
			f, out, _ = cmdtest.Factory(t, dir)
			if err := RunWho(ctx, &ReadOptions{F: f, Role: role, Out: cmdutil.OutputFlag{Value: "json"}}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), `"user": "admin"`) {
				t.Fatalf("admin still listed:\n%s", out)
			}
		})
	}
}
