package members_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func exec(t *testing.T, dir directory.Client, mk func(*cmdutil.Factory) *cobra.Command, args ...string) (string, error) {
	t.Helper()
	f, out, _ := cmdtest.Factory(t, dir)
	cmd := mk(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func newCreate(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) }

// addUser adds a plain FreeIPA-shaped user for the test and removes it afterwards.
func addUser(t *testing.T, dir directory.Client, uid string) string {
	t.Helper()
	dn := ipa.UserDN(uid, dir.Suffix())
	e := directory.NewEntry(dn,
		directory.A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"),
		directory.A("uid", uid), directory.A("givenName", "Test"), directory.A("sn", "User"), directory.A("cn", "Test User"),
		directory.A("uidNumber", "-1"), directory.A("gidNumber", "-1"), directory.A("homeDirectory", "/home/"+uid),
		directory.A("ipaUniqueID", "autogenerate"))
	if _, err := dir.Add(context.Background(), e); err != nil {
		t.Fatalf("add user %s: %v", uid, err)
	}
	t.Cleanup(func() { _ = dir.Delete(context.Background(), dn) })
	return dn
}

func TestAddRemoveUserAndDelete(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			name := cmdtest.Name("mb")
			if _, err := exec(t, dir, newCreate, name, "--desc", "Members"); err != nil {
				t.Fatal(err)
			}
			uid := cmdtest.Name("u")
			udn := addUser(t, dir, uid)

			if _, err := exec(t, dir, members.NewCmdAddUser, name, uid, "--sudo"); err != nil {
				t.Fatalf("add-user: %v", err)
			}
			u := read(t, dir, udn)
			for _, g := range []string{name, name + "-sudo"} {
				if !hasDN(u.Get("memberOf"), ipa.GroupDN(g, dir.Suffix())) {
					t.Errorf("user memberOf %v lacks group %s", u.Get("memberOf"), g)
				}
			}
			// Re-run: nothing to change.
			out, err := exec(t, dir, members.NewCmdAddUser, name, uid, "--sudo")
			if err != nil || !strings.Contains(out, "No changes") {
				t.Fatalf("second add-user: %v\n%s", err, out)
			}
			// Removal off a terminal needs --yes.
			if _, err := exec(t, dir, members.NewCmdRemoveUser, name, uid); cmdutil.ExitCode(err) != cmdutil.ExitCanceled {
				t.Fatalf("remove-user without --yes: %v", err)
			}
			if _, err := exec(t, dir, members.NewCmdRemoveUser, name, uid, "--sudo", "--yes"); err != nil {
				t.Fatal(err)
			}
			u = read(t, dir, udn)
			if hasDN(u.Get("memberOf"), ipa.GroupDN(name+"-sudo", dir.Suffix())) || !hasDN(u.Get("memberOf"), ipa.GroupDN(name, dir.Suffix())) {
				t.Fatalf("remove-user --sudo: memberOf = %v, want login kept and sudo gone", u.Get("memberOf"))
			}
			if _, err := exec(t, dir, members.NewCmdDelete, name, "--yes"); err != nil {
				t.Fatalf("delete: %v", err)
			}
			s, _ := cluster.Read(context.Background(), dir, siteconv.Default(), name)
			if s.Exists() {
				t.Fatalf("objects left after delete: %+v", s)
			}
			// The user is never deleted; its memberships went with the groups.
			u = read(t, dir, udn)
			if len(u.Get("memberOf")) != 0 && hasDN(u.Get("memberOf"), ipa.GroupDN(name, dir.Suffix())) {
				t.Fatalf("user still memberOf the deleted group: %v", u.Get("memberOf"))
			}
		})
	}
}

// TestMemberManagerLive: the delegated (non-admin) user, made member manager of a
// cluster, really changes its membership on the live directory, and cannot touch another
// cluster's groups.
func TestMemberManagerLive(t *testing.T) {
	if !cmdtest.LiveConfigured() {
		if os.Getenv("CI") == "true" {
			t.Fatal("live test directory not configured and CI=true")
		}
		t.Skip("live test directory not configured")
	}
	admin := cmdtest.Live(t)
	delegate := cmdtest.LiveAs(t, os.Getenv("ACCESSCTL_TEST_DELEGATE_KEYTAB"))
	managed, other := cmdtest.Name("mm"), cmdtest.Name("mo")
	for _, n := range []string{managed, other} {
		if _, err := exec(t, admin, newCreate, n, "--desc", "Delegation"); err != nil {
			t.Fatal(err)
		}
		n := n
		t.Cleanup(func() { _, _ = exec(t, admin, members.NewCmdDelete, n, "--yes") })
	}
	if _, err := exec(t, admin, members.NewCmdMemberManager, managed, "add", "delegate"); err != nil {
		t.Fatalf("member-manager add: %v", err)
	}
	g := read(t, admin, ipa.GroupDN(managed, admin.Suffix()))
	if !hasDN(g.Get("memberManager"), ipa.UserDN("delegate", admin.Suffix())) {
		t.Fatalf("memberManager = %v", g.Get("memberManager"))
	}
	uid := cmdtest.Name("u")
	udn := addUser(t, admin, uid)
	if _, err := exec(t, delegate, members.NewCmdAddUser, managed, uid, "--sudo"); err != nil {
		t.Fatalf("delegate add-user on the managed cluster: %v", err)
	}
	if u := read(t, admin, udn); !hasDN(u.Get("memberOf"), ipa.GroupDN(managed+"-sudo", admin.Suffix())) {
		t.Fatalf("delegate's change did not land: memberOf %v", u.Get("memberOf"))
	}
	_, err := exec(t, delegate, members.NewCmdAddUser, other, uid)
	if !directory.IsCode(err, directory.CodeInsufficientAccess) {
		t.Fatalf("delegate add-user on another cluster: err = %v, want insufficient access", err)
	}
	// The refusal says which clusters the member manager does manage.
	if _, mine, ok := strings.Cut(err.Error(), "you manage the membership of: "); !ok || !strings.Contains(mine, managed) || strings.Contains(mine, other) {
		t.Errorf("refusal does not name what the delegate manages: %v", err)
	}
	if r, err := ipa.ReadRights(context.Background(), delegate, ipa.UserDN("delegate", admin.Suffix())); err != nil || r.Admin || !slices.Contains(r.Manages, managed) {
		t.Errorf("delegate's rights = %+v, %v; want member manager of %s", r, err, managed)
	}
	if r, err := ipa.ReadRights(context.Background(), admin, ipa.UserDN("admin", admin.Suffix())); err != nil || !r.Admin {
		t.Errorf("admin's rights = %+v, %v; want admin", r, err)
	}
	if _, err := exec(t, admin, members.NewCmdMemberManager, managed, "remove", "delegate", "--yes"); err != nil {
		t.Fatalf("member-manager remove: %v", err)
	}
	if g := read(t, admin, ipa.GroupDN(managed, admin.Suffix())); len(g.Get("memberManager")) != 0 {
		t.Fatalf("memberManager after remove = %v", g.Get("memberManager"))
	}
}

func read(t *testing.T, dir directory.Client, dn string) *directory.Entry {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"memberOf", "memberManager", "member"}})
	if err != nil || len(es) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	return es[0]
}

func hasDN(list []string, dn string) bool {
	for _, v := range list {
		if directory.EqualDN(v, dn) {
			return true
		}
	}
	return false
}

// TestRemoveDisabledAndUnknown: removal takes disabled users (the offboarding case) and
// refuses unknown names without changing anything; member-manager remove works on a DN
// whose user is gone.
func TestRemoveDisabledAndUnknown(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			name := cmdtest.Name("rd")
			if _, err := exec(t, dir, newCreate, name, "--desc", "Removal"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = exec(t, dir, members.NewCmdDelete, name, "--yes") })
			alice, bob := cmdtest.Name("a"), cmdtest.Name("b")
			adn, bdn := addUser(t, dir, alice), addUser(t, dir, bob)
			if _, err := exec(t, dir, members.NewCmdAddUser, name, alice, bob, "--sudo"); err != nil {
				t.Fatal(err)
			}
			if err := dir.Modify(ctx, bdn, []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}); err != nil {
				t.Fatal(err)
			}
			// Granting to a disabled user is refused; nothing changes.
			if _, err := exec(t, dir, members.NewCmdAddUser, name+"", bob); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "disabled") {
				t.Fatalf("add-user of a disabled user: %v", err)
			}
			// An unknown name among the users: exit 2, nobody removed.
			_, err := exec(t, dir, members.NewCmdRemoveUser, name, alice, "nosuchuser9", "--yes")
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Fatalf("remove-user with an unknown user: %v", err)
			}
			if !hasDN(read(t, dir, adn).Get("memberOf"), ipa.GroupDN(name, dir.Suffix())) {
				t.Fatal("a refused removal changed the directory")
			}
			// Disabled bob and active alice both lose access.
			if _, err := exec(t, dir, members.NewCmdRemoveUser, name, alice, bob, "--yes"); err != nil {
				t.Fatalf("remove-user: %v", err)
			}
			for _, dn := range []string{adn, bdn} {
				for _, g := range []string{name, name + "-sudo"} {
					if hasDN(read(t, dir, dn).Get("memberOf"), ipa.GroupDN(g, dir.Suffix())) {
						t.Errorf("%s still in %s after remove-user", dn, g)
					}
				}
			}
			// member-manager remove of a user that no longer exists still clears the value.
			if _, err := exec(t, dir, members.NewCmdMemberManager, name, "add", alice); err != nil {
				t.Fatal(err)
			}
			if err := dir.Delete(ctx, adn); err != nil {
				t.Fatal(err)
			}
			if _, err := exec(t, dir, members.NewCmdMemberManager, name, "remove", alice, "--yes"); err != nil {
				t.Fatalf("member-manager remove of a deleted user: %v", err)
			}
			if mm := read(t, dir, ipa.GroupDN(name, dir.Suffix())).Get("memberManager"); len(mm) != 0 {
				t.Fatalf("memberManager after remove = %v", mm)
			}
		})
	}
}
