package create_test

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/users"
)

// TestCreateWithoutUPG: with the UPG definition disabled as ipa-managed-entries disable does
// (ldap2.has_upg), user create makes no private group, takes the default group's GID, and
// refuses when that group is not POSIX (stock ipausers), as user-add does.
func TestCreateWithoutUPG(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			s := dir.Suffix()
			dm := cmdtest.Manager(t, b.Name, dir)
			def := directory.In(users.UPGDefinition, s)
			cmdtest.Replace(t, dm, def, "originFilter", "(&(objectclass=disable)(objectclass=posixAccount)(!(description=__no_upg__)))")

			// Stock ipausers is not POSIX: refused, nothing written.
			login := cmdtest.Name("nu")
			_, _, _, err := run(t, dir, login, "--first", "No", "--last", "Upg", "--yes")
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err == nil || !strings.Contains(err.Error(), "is not POSIX") {
				t.Fatalf("err %v (exit %d), want exit 2: default group is not POSIX", err, cmdutil.ExitCode(err))
			}
			if es, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: s, Scope: directory.ScopeSub, Filter: "(uid=" + login + ")"}); len(es) != 0 {
				t.Fatalf("a refused create left %s", es[0].DN)
			}

			// A POSIX default group: its GID, no private group, no managed-entries note.
			pg := cmdtest.Name("pg")
			group(t, dir, pg)
			gid := read(t, dir, ipa.GroupDN(pg, s)).First("gidNumber")
			cmdtest.Replace(t, dm, directory.In("cn=ipaConfig,cn=etc", s), "ipaDefaultPrimaryGroup", pg)
			udn := ipa.UserDN(login, s)
			t.Cleanup(func() { _ = dir.Delete(ctx, udn); _ = dir.Delete(ctx, ipa.GroupDN(login, s)) })
			out, stderr, _, err := run(t, dir, login, "--first", "No", "--last", "Upg", "--yes")
			if err != nil {
				t.Fatalf("create: %v\n%s", err, stderr)
			}
			u := read(t, dir, udn)
			if u.First("gidNumber") != gid || u.First("uidNumber") == gid {
				t.Errorf("uid/gid = %s/%s, want the default group's gid %s", u.First("uidNumber"), u.First("gidNumber"), gid)
			}
			if es, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.GroupDN(login, s), Scope: directory.ScopeBase, Filter: "(objectClass=*)"}); len(es) != 0 {
				t.Errorf("a private group %s was made with UPG off", es[0].DN)
			}
			if !directory.HasDN(read(t, dir, ipa.GroupDN(pg, s)).Get("member"), udn) {
				t.Errorf("user is not a member of the default group %s", pg)
			}
			if strings.Contains(out, "managed-entries plugin creates") || !strings.Contains(out, "user private groups are off") {
				t.Errorf("plan output does not say UPG is off:\n%s", out)
			}
		})
	}
}

// TestCreateUPGUnreadable: a UPG definition that cannot be read is an error, not "off".
func TestCreateUPGUnreadable(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	if err := dir.Delete(ctx, directory.In(users.UPGDefinition, dir.Suffix())); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := run(t, dir, "nodef", "--first", "No", "--last", "Def", "--yes")
	if err == nil || cmdutil.ExitCode(err) == cmdutil.ExitUsage || !strings.Contains(err.Error(), "cannot read the user private group definition") {
		t.Fatalf("err %v (exit %d), want a directory error naming the UPG definition", err, cmdutil.ExitCode(err))
	}
}
