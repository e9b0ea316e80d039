package accessctl_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/accessctl"
	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// noWrites fails the test on any write: a refusal must come before the first one.
type noWrites struct {
	directory.Client
	t *testing.T
}

var errWrite = errors.New("write attempted")

func (n *noWrites) Add(_ context.Context, e *directory.Entry) (string, error) {
	n.t.Errorf("add %s attempted", e.DN)
	return "", errWrite
}
func (n *noWrites) Modify(_ context.Context, dn string, _ []directory.Mod) error {
	n.t.Errorf("modify %s attempted", dn)
	return errWrite
}
func (n *noWrites) Delete(_ context.Context, dn string) error {
	n.t.Errorf("delete %s attempted", dn)
	return errWrite
}
func (n *noWrites) Rename(_ context.Context, dn, _, _ string) error {
	n.t.Errorf("rename %s attempted", dn)
	return errWrite
}

// everything reads the whole tree with operational attributes, to compare before/after.
func everything(t *testing.T, dir directory.Client) []*directory.Entry {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter: "(objectClass=*)", Attributes: []string{"*", "+"}})
	if err != nil {
		t.Fatalf("read tree: %v", err)
	}
	return es
}

// TestFreeIPAOwnObjectsRefused runs every command that could change one of FreeIPA's own
// objects (issue 16 item 1), a user private group or a regular user taken for a role: each
// exits 2 with one line naming why, prints no plan, and writes nothing.
func TestFreeIPAOwnObjectsRefused(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			// A regular user (the server's MEP plugin gives it a private group).
			u := cmdtest.Name("gu")
			udn := ipa.UserDN(u, dir.Suffix())
			if _, err := dir.Add(ctx, directory.NewEntry(udn,
				directory.A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount",
					"krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"),
				directory.A("uid", u), directory.A("givenName", "Guard"), directory.A("sn", "Test"), directory.A("cn", "Guard Test"),
				directory.A("uidNumber", ipa.DNAMagic), directory.A("gidNumber", ipa.DNAMagic), directory.A("homeDirectory", "/home/"+u),
				directory.A("ipaUniqueID", ipa.Autogenerate))); err != nil {
				t.Fatalf("add user %s: %v", u, err)
			}
			t.Cleanup(func() {
				_ = dir.Delete(ctx, udn)
				_ = dir.Delete(ctx, ipa.GroupDN(u, dir.Suffix())) // when no MEP removed it
			})
			if _, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.GroupDN(u, dir.Suffix()), Scope: directory.ScopeBase,
				Filter: "(mepManagedBy=*)", Attributes: []string{"cn"}}); err != nil {
				t.Fatalf("private group of %s: %v", u, err)
			}
			newu := cmdtest.Name("gn")
			own := func(kind, name, src string) string { return name + " is one of FreeIPA's own " + kind + " (" + src }
			const boot = "install/share/bootstrap-template.ldif"
			upg := "group " + u + " is the private group of user " + u
			tests := []struct {
				args []string
				want string
			}{
				{[]string{"cluster", "delete", "admins", "--yes"}, own("groups", "admins", boot)},
				{[]string{"cluster", "delete", "ipausers", "--yes"}, own("groups", "ipausers", boot)},
				{[]string{"cluster", "delete", "editors", "--yes"}, own("groups", "editors", boot)},
				{[]string{"cluster", "delete", "ipaservers", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"cluster", "delete", u, "--yes"}, upg},
				{[]string{"cluster", "add-user", "admins", u}, own("groups", "admins", boot)},
				{[]string{"cluster", "add-user", "editors", u, "--sudo"}, own("groups", "editors", boot)},
				{[]string{"cluster", "remove-user", "admins", "admin", "--yes"}, own("groups", "admins", boot)},
				{[]string{"cluster", "member-manager", "admins", "add", u}, own("groups", "admins", boot)},
				{[]string{"cluster", "member-manager", "ipausers", "add", "--group", "admins"}, own("groups", "ipausers", boot)},
				{[]string{"cluster", "create", "admins", "--desc", "x"}, own("groups", "admins", boot)},
				{[]string{"cluster", "create", "admins", "--desc", "x", "--fix"}, own("groups", "admins", boot)},
				{[]string{"cluster", "create", "ipaservers", "--desc", "x"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"cluster", "create", u, "--desc", "x"}, upg},
				{[]string{"cluster", "check", "admins", "--fix", "--yes"}, own("groups", "admins", boot)},
				{[]string{"user", "create", newu, "--first", "A", "--last", "B", "--cluster", "admins", "--yes"}, own("groups", "admins", boot)},
				{[]string{"user", "create", newu, "--first", "A", "--last", "B", "--cluster", "editors:sudo", "--yes"}, own("groups", "editors", boot)},
				{[]string{"automember", "add", "ipaservers", "--regex", "^nomatch$", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"automember", "remove", "ipaservers", "--regex", "^nomatch$", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"automember", "delete", "ipaservers", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"automember", "rebuild", "--hostgroup", "ipaservers", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"role", "create", "admin", "--hostgroup", "ipaservers", "--yes"}, own("users", "admin", boot)},
				{[]string{"role", "create", "newbot", "--hostgroup", "ipaservers", "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"role", "create", u, "--hostgroup", "nosuchhg", "--yes"}, "user " + u + " is not a role account"},
				{[]string{"role", "grant", "newbot", "--hostgroup", "ipaservers", u, "--yes"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"role", "revoke", "admin", "--hostgroup", "nosuchhg", u, "--yes"}, own("users", "admin", boot)},
				{[]string{"service", "binddn", "create", "sudo", "--show-password", "--yes"}, own("system accounts", "sudo", "install/share/sudobind.ldif")},
				{[]string{"service", "binddn", "rotate", "sudo", "--show-password", "--yes"}, own("system accounts", "sudo", "install/share/sudobind.ldif")},
				{[]string{"service", "binddn", "delete", "passsync", "--yes"}, own("system accounts", "passsync", "install/updates/73-winsync.update")},
				// Without --yes off a terminal: the real reason, not "--yes required" (exit 3).
				{[]string{"cluster", "delete", "admins"}, own("groups", "admins", boot)},
				{[]string{"cluster", "remove-user", "editors", "admin"}, own("groups", "editors", boot)},
				{[]string{"cluster", "member-manager", "ipaservers", "remove", "admin"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"automember", "delete", "ipaservers"}, own("hostgroups", "ipaservers", boot)},
				{[]string{"role", "revoke", "newbot", "--hostgroup", "ipaservers", u}, own("hostgroups", "ipaservers", boot)},
				{[]string{"service", "binddn", "delete", "sudo"}, own("system accounts", "sudo", "install/share/sudobind.ldif")},
			}
			var before []*directory.Entry
			if b.Name == "sandbox" { // the live directory is shared with parallel tests
				before = everything(t, dir)
			}
			for _, tt := range tests {
				t.Run(strings.Join(tt.args[:3], " "), func(t *testing.T) {
					f, out, errOut := cmdtest.Factory(t, &noWrites{Client: dir, t: t})
					cmd := accessctl.NewRootCmd(f, &factory.Flags{Set: map[string]string{}})
					cmd.SetArgs(tt.args)
					err := cmd.ExecuteContext(ctx)
					if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
						t.Fatalf("%v: exit %d (%v), want 2", tt.args, code, err)
					}
					msg := err.Error()
					if !strings.Contains(msg, tt.want) || !strings.HasSuffix(msg, "accessctl does not manage it") || strings.Contains(msg, "\n") {
						t.Errorf("%v: error %q, want one line with %q", tt.args, msg, tt.want)
					}
					if out.Len() > 0 || errOut.Len() > 0 {
						t.Errorf("%v: printed before refusing:\nstdout: %s\nstderr: %s", tt.args, out, errOut)
					}
				})
			}
			if before != nil && !reflect.DeepEqual(before, everything(t, dir)) {
				t.Error("the sandbox changed")
			}
		})
	}
}
