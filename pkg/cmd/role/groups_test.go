package role

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TestGrantRevokeGroup: grant --group nests a user group in the sudoto group beside a
// user (one plan, the ipa command names it with --groups); an unknown group and the
// sudoto group itself are refused (exit 2) and change nothing; revoke --group takes the
// group out and leaves the user. Both backends.
func TestGrantRevokeGroup(t *testing.T) {
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
			s := dir.Suffix()
			grp := cmdtest.Name("ops")
			if _, err := dir.Add(ctx, ipa.PosixGroup(grp, "operators", fmt.Sprint(78000+rand.IntN(1999)), s)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = dir.Delete(context.Background(), ipa.GroupDN(grp, s)) })
			sudoto := ipa.GroupDN(hg+"-sudoto-"+role, s)
			members := func() []string {
				es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: sudoto, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"member"}})
				if err != nil || len(es) != 1 {
					t.Fatalf("read sudoto group: %v", err)
				}
				return es[0].Get("member")
			}
			do := func(o MembersOptions) (string, error) {
				f, out, _ := cmdtest.Factory(t, dir)
				o.F, o.Role, o.Hostgroup = f, role, hg
				if o.Plan.Output == "" {
					o.Plan.Output = "text"
				}
				err := RunMembers(ctx, &o)
				return out.String(), err
			}
			for _, bad := range []string{"nosuch" + grp, hg + "-sudoto-" + role} {
				if _, err := do(MembersOptions{Groups: []string{bad}, Add: true, Plan: cmdutil.PlanFlags{Yes: true}}); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("grant --group %s: %v, want exit 2", bad, err)
				}
			}
			if n := len(members()); n != 0 {
				t.Fatalf("a refused grant changed the group: %d member(s)", n)
			}
			out, err := do(MembersOptions{Users: []string{"admin"}, Groups: []string{grp}, Add: true, Plan: cmdutil.PlanFlags{Emit: "ipa"}})
			if err != nil || !strings.Contains(out, "--users=admin") || !strings.Contains(out, "--groups="+grp) {
				t.Fatalf("grant --emit ipa: %v\n%s", err, out)
			}
			if _, err := do(MembersOptions{Users: []string{"admin"}, Groups: []string{grp}, Add: true, Plan: cmdutil.PlanFlags{Yes: true}}); err != nil {
				t.Fatal(err)
			}
			if m := members(); !directory.HasDN(m, ipa.GroupDN(grp, s)) || !directory.HasDN(m, ipa.UserDN("admin", s)) {
				t.Fatalf("members %v, want %s and admin", m, grp)
			}
			if out, err := do(MembersOptions{Groups: []string{grp}, Add: true, Plan: cmdutil.PlanFlags{Yes: true}}); err != nil || !strings.Contains(out, "No changes") {
				t.Fatalf("second grant: %v\n%s", err, out)
			}
			if _, err := do(MembersOptions{Groups: []string{grp}, Plan: cmdutil.PlanFlags{Yes: true}}); err != nil {
				t.Fatal(err)
			}
			if m := members(); directory.HasDN(m, ipa.GroupDN(grp, s)) || !directory.HasDN(m, ipa.UserDN("admin", s)) {
				t.Fatalf("after revoke --group, members %v: want %s gone and admin kept", m, grp)
			}
		})
	}
}
