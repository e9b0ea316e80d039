package create_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/users"
)

// manager is a client that may change cn=etc: the sandbox itself, or Directory Manager
// on the live directory.
func manager(t *testing.T, backend string, dir directory.Client) directory.Client {
	t.Helper()
	if backend == "sandbox" {
		return dir
	}
	pw, err := os.ReadFile(os.Getenv("ACCESSCTL_TEST_DM_PASSWORD_FILE"))
	if err != nil {
		t.Fatalf("read the Directory Manager password: %v", err)
	}
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	dm, err := ldapdir.Dial(c, ldapdir.Options{Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")},
		CAFile: os.Getenv("ACCESSCTL_TEST_CA"), ConnectTimeout: 3 * time.Second, Timeout: 10 * time.Second,
		Bind: ldapdir.Simple{DN: "cn=Directory Manager", Password: strings.TrimSpace(string(pw))}})
	if err != nil {
		t.Fatalf("bind as Directory Manager: %v", err)
	}
	t.Cleanup(func() { dm.Close() })
	return dm
}

// replace sets attr of dn to vs and puts the old values back when the test ends.
func replace(t *testing.T, dm directory.Client, dn, attr string, vs ...string) {
	t.Helper()
	es, err := dm.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{attr}})
	if err != nil || len(es) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	old := es[0].Get(attr)
	if err := dm.Modify(ctx, dn, []directory.Mod{{Op: directory.ModReplace, Attr: attr, Values: vs}}); err != nil {
		t.Fatalf("set %s of %s: %v", attr, dn, err)
	}
	t.Cleanup(func() {
		if err := dm.Modify(context.Background(), dn, []directory.Mod{{Op: directory.ModReplace, Attr: attr, Values: old}}); err != nil {
			t.Errorf("restore %s of %s: %v", attr, dn, err)
		}
	})
}

// TestCreateWithoutUPG: with the UPG definition disabled the way ipa-managed-entries does
// (ldap2.has_upg), user create makes no private group, takes the default group's GID, and
// refuses when that group is not POSIX (stock ipausers), as user-add does.
func TestCreateWithoutUPG(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			s := dir.Suffix()
			dm := manager(t, b.Name, dir)
			def := directory.In(users.UPGDefinition, s)
			replace(t, dm, def, "originFilter", "(&(objectclass=disable)(&(objectclass=posixAccount)(!(description=__no_upg__))))")

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
			replace(t, dm, directory.In("cn=ipaConfig,cn=etc", s), "ipaDefaultPrimaryGroup", pg)
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
