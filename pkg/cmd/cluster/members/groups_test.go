package members_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TestAddRemoveGroup: add-user/remove-user --group nest a user group in the cluster's
// groups (with --sudo in both), beside users; the plan's ipa command names it with
// --groups; unknown groups and the cluster's own groups are refused (exit 2) and change
// nothing; removal needs --yes. Both backends.
func TestAddRemoveGroup(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			s := dir.Suffix()
			name := cmdtest.Name("mg")
			if _, err := exec(t, dir, newCreate, name, "--desc", "Members", "--yes"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = exec(t, dir, members.NewCmdDelete, name, "--yes") })
			grp := cmdtest.Name("ops")
			if _, err := dir.Add(ctx, ipa.PosixGroup(grp, "operators", fmt.Sprint(78000+rand.IntN(1999)), s)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = dir.Delete(context.Background(), ipa.GroupDN(grp, s)) })
			uid := cmdtest.Name("u")
			udn := addUser(t, dir, uid)
			members0 := func(g string) []string {
				es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.GroupDN(g, s), Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"member"}})
				if err != nil || len(es) != 1 {
					t.Fatalf("read %s: %v", g, err)
				}
				return es[0].Get("member")
			}

			for _, bad := range [][]string{{name, "--group", "nosuch" + grp}, {name, "--group", name + "-sudo"}} {
				if _, err := exec(t, dir, members.NewCmdAddUser, bad...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("add-user %v: %v, want exit 2", bad, err)
				}
			}
			if _, err := exec(t, dir, members.NewCmdAddUser, name); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Fatalf("add-user with neither user nor group: %v, want exit 2", err)
			}
			if n := len(members0(name)); n != 0 {
				t.Fatalf("a refused run changed the cluster: %d member(s)", n)
			}

			out, err := exec(t, dir, members.NewCmdAddUser, name, uid, "--group", grp, "--sudo", "--yes", "--emit", "ipa")
			if err != nil || !strings.Contains(out, "--users="+uid+" --groups="+grp) {
				t.Fatalf("add-user --emit ipa: %v\n%s", err, out)
			}
			if _, err := exec(t, dir, members.NewCmdAddUser, name, uid, "--group", grp, "--sudo", "--yes"); err != nil {
				t.Fatal(err)
			}
			for _, g := range []string{name, name + "-sudo"} {
				m := members0(g)
				if !hasDN(m, ipa.GroupDN(grp, s)) || !hasDN(m, udn) {
					t.Fatalf("%s members %v, want %s and %s", g, m, grp, uid)
				}
			}
			if _, err := exec(t, dir, members.NewCmdRemoveUser, name, "--group", grp); cmdutil.ExitCode(err) != cmdutil.ExitCanceled {
				t.Fatalf("remove-user --group without --yes: %v", err)
			}
			if _, err := exec(t, dir, members.NewCmdRemoveUser, name, "--group", grp, "--yes"); err != nil {
				t.Fatal(err)
			}
			for _, g := range []string{name, name + "-sudo"} {
				m := members0(g)
				if hasDN(m, ipa.GroupDN(grp, s)) || !hasDN(m, udn) {
					t.Fatalf("after remove-user --group, %s members %v: want %s gone and %s kept", g, m, grp, uid)
				}
			}
		})
	}
}
