package create_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/realm"
)

var ctx = context.Background()

func run(t *testing.T, dir directory.Client, args ...string) (string, string, int64, error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := create.NewCmdCreate(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), f.Ops(), err
}

func read(t *testing.T, dir directory.Client, dn string) *directory.Entry {
	t.Helper()
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"*", "memberOf", "mepManagedEntry", "mepManagedBy", "nsAccountLock"}})
	if err != nil || len(es) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	return es[0]
}

func lower(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	sort.Strings(out)
	return out
}

func group(t *testing.T, dir directory.Client, name string) {
	t.Helper()
	dn, err := dir.Add(ctx, ipa.PosixGroup(name, "test", ipa.DNAMagic, dir.Suffix()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.Delete(ctx, dn) })
}

// TestCreateShape compares the created entry with `ipa user-add`'s (freeipa-ldap.md §5b).
func TestCreateShape(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			s := dir.Suffix()
			login, cl := cmdtest.Name("cu"), cmdtest.Name("cc")
			group(t, dir, cl)
			group(t, dir, cl+"-sudo")
			keyFile := filepath.Join(t.TempDir(), "k.pub")
			key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFtHav5afAjlt198n+kYrk8moFj3wgCyUctFJfMLJTxW test@example"
			os.WriteFile(keyFile, []byte("# key\n"+key+"\n"), 0o600)
			udn := ipa.UserDN(login, s)
			t.Cleanup(func() { _ = dir.Delete(ctx, udn); _ = dir.Delete(ctx, ipa.GroupDN(login, s)) })
			_, stderr, ops, err := run(t, dir, login, "--first", "John", "--last", "Doe", "--cluster", cl+":sudo", "--ssh-key", keyFile, "--yes")
			if err != nil {
				t.Fatalf("create: %v\n%s", err, stderr)
			}
			if ops != 6 {
				t.Errorf("create used %d operations, want 6 (1 search, 1 base search of the range's high-water mark, 1 add, 3 modifies)", ops)
			}
			cfg := read(t, dir, directory.In("cn=ipaConfig,cn=etc", s))
			domain := cfg.First("ipaDefaultEmailDomain")
			u := read(t, dir, udn)
			wantOC := append(lower(cfg.Get("ipaUserObjectClasses")), "mepOriginEntry")
			for _, oc := range wantOC {
				if !u.HasObjectClass(oc) {
					t.Errorf("objectClass %s missing: %v", oc, u.Get("objectClass"))
				}
			}
			uid := u.First("uidNumber")
			realm := strings.TrimPrefix(u.First("krbPrincipalName"), login+"@")
			want := map[string]string{
				"uid": login, "givenName": "John", "sn": "Doe", "cn": "John Doe", "displayName": "John Doe",
				"initials": "JD", "gecos": "John Doe", "homeDirectory": "/home/" + login,
				"loginShell": cfg.First("ipaDefaultLoginShell"), "gidNumber": uid,
				"krbCanonicalName": login + "@" + realm, "mail": login + "@" + domain,
				"mepManagedEntry": ipa.GroupDN(login, s), "ipaSshPubKey": key,
			}
			for a, v := range want {
				if got := u.First(a); !strings.EqualFold(got, v) {
					t.Errorf("%s = %q, want %q", a, got, v)
				}
			}
			if uid == "" || uid == "-1" || realm == "" || strings.Contains(realm, "@") {
				t.Errorf("uidNumber %q / realm %q not assigned", uid, realm)
			}
			if id := u.First("ipaUniqueID"); len(id) != 36 {
				t.Errorf("ipaUniqueID = %q, want a server-generated UUID", id)
			}
			for _, a := range []string{"userPassword", "nsAccountLock", "krbPrincipalKey"} {
				if len(u.Get(a)) > 0 {
					t.Errorf("user has %s", a)
				}
			}
			// Attribute set: exactly user-add's (operational ones aside).
			var got []string
			for _, a := range u.Attributes {
				switch strings.ToLower(a.Name) {
				case "createtimestamp", "modifytimestamp", "creatorsname", "modifiersname", "entryid", "entrydn", "nsuniqueid", "parentid", "entryuuid":
					continue
				}
				got = append(got, strings.ToLower(a.Name))
			}
			sort.Strings(got)
			wantAttrs := lower([]string{"objectClass", "uid", "givenName", "sn", "cn", "displayName", "initials", "gecos",
				"homeDirectory", "loginShell", "uidNumber", "gidNumber", "krbPrincipalName", "krbCanonicalName", "mail",
				"ipaUniqueID", "ipaSshPubKey", "mepManagedEntry", "memberOf"})
			if strings.Join(got, ",") != strings.Join(wantAttrs, ",") {
				t.Errorf("attributes\n got %v\nwant %v", got, wantAttrs)
			}
			memberOf := lower(u.Get("memberOf"))
			for _, g := range []string{"ipausers", cl, cl + "-sudo"} {
				if !contains(memberOf, strings.ToLower(ipa.GroupDN(g, s))) {
					t.Errorf("not a member of %s: %v", g, memberOf)
				}
			}
			upg := read(t, dir, ipa.GroupDN(login, s))
			if upg.First("gidNumber") != uid || !upg.HasObjectClass("posixGroup") || !upg.HasObjectClass("mepManagedEntry") ||
				!directory.EqualDN(upg.First("mepManagedBy"), udn) || upg.First("description") != "User private group for "+login {
				t.Errorf("private group shape: %+v", upg)
			}
		})
	}
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// TestCreateExplicitUID: when the realm's range is not inside the chosen range, the UID
// is chosen here (next free, not reserved), UID == GID.
func TestCreateExplicitUID(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	_, stderr, ops, err := run(t, dir, "rolex", "--first", "Role", "--last", "Test", "--range", "dm-role", "--yes")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, stderr)
	}
	// 4 searches (state; used IDs, FreeIPA ranges, high-water marks), the user, ipausers,
	// and the first mark of the range (its container and the mark entry).
	if ops != 8 {
		t.Errorf("%d operations, want 8 (4 searches, 1 add, 1 modify, 2 adds for the mark)", ops)
	}
	u := read(t, dir, ipa.UserDN("rolex", dir.Suffix()))
	if u.First("uidNumber") != "61004" || u.First("gidNumber") != "61004" {
		t.Errorf("uid/gid = %s/%s, want 61004 (61000-61003 are reserved)", u.First("uidNumber"), u.First("gidNumber"))
	}
	// An ID once handed out is never handed out again, even after its entry is gone.
	if err := dir.Delete(context.Background(), ipa.UserDN("rolex", dir.Suffix())); err != nil {
		t.Fatal(err)
	}
	if _, stderr, _, err := run(t, dir, "rolex2", "--first", "Role", "--last", "Test", "--range", "dm-role", "--yes"); err != nil {
		t.Fatalf("second create: %v\n%s", err, stderr)
	}
	if got := read(t, dir, ipa.UserDN("rolex2", dir.Suffix())).First("uidNumber"); got != "61005" {
		t.Errorf("second uid = %s, want 61005 (61004 was handed out before)", got)
	}
}

func TestCreateFailures(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	bad := filepath.Join(t.TempDir(), "bad.pub")
	os.WriteFile(bad, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o600)
	tests := []struct {
		name  string
		args  []string
		inErr string
		ops   int64
	}{
		{"exists", []string{"jdoe", "--first", "J", "--last", "D", "--yes"}, `user "jdoe" already exists`, 1},
		{"missing cluster", []string{"newu", "--first", "J", "--last", "D", "--cluster", "nosuch", "--yes"}, "nosuch do not exist", 1},
		{"bad cluster mode", []string{"newu", "--first", "J", "--last", "D", "--cluster", "amor:root", "--yes"}, "CLUSTER:sudo", 0},
		{"no names", []string{"newu", "--yes"}, "--first and --last are required", 0},
		{"bad login", []string{"New User", "--first", "J", "--last", "D"}, "", 0},
		{"private key", []string{"newu", "--first", "J", "--last", "D", "--ssh-key", bad}, "private key", 0},
		{"bad email", []string{"newu", "--first", "J", "--last", "D", "--email", "a@b@c"}, "invalid mail address", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, ops, err := run(t, dir, tt.args...)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tt.inErr) || ops != tt.ops {
				t.Errorf("err %v (exit %d), %d ops; want exit 2 with %q after %d ops", err, cmdutil.ExitCode(err), ops, tt.inErr, tt.ops)
			}
		})
	}
	if es, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub, Filter: "(uid=newu)"}); len(es) != 0 {
		t.Errorf("a failed create left an entry")
	}
}

// TestCreateReservedID: a login with a reserved ID (ITTN-010 §6.2) gets it, unless another
// entry already holds it: then exit 2 and nothing changes (one ID, one holder).
func TestCreateReservedID(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	if _, stderr, _, err := run(t, dir, "iip", "--first", "I", "--last", "P", "--yes"); err != nil {
		t.Fatalf("create iip: %v\n%s", err, stderr)
	}
	if got := read(t, dir, ipa.UserDN("iip", dir.Suffix())).First("uidNumber"); got != "61003" {
		t.Errorf("iip uid = %s, want its reserved 61003", got)
	}
	if _, err := dir.Add(ctx, ipa.PosixGroup("squatter", "holds 61000", "61000", dir.Suffix())); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := run(t, dir, "arc", "--first", "A", "--last", "Rc", "--yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(fmt.Sprint(err), "id 61000, reserved for arc, is already held by cn=squatter,") {
		t.Errorf("err %v (exit %d), want exit 2: 61000 is held", err, cmdutil.ExitCode(err))
	}
	if es, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub, Filter: "(uid=arc)"}); len(es) != 0 {
		t.Errorf("a refused create left an entry")
	}
}

// TestCreateRealmAndDNARange (issue 18): the realm is the directory's (cn=REALM,
// cn=kerberos), the DNA range is <REALM>_id_range, never "the first local range": with a
// second ipa-local range (what `ipa idrange-add` makes) listed before or after the realm's,
// the principal names the realm and the UID is still DNA's. A --realm that disagrees with
// the directory is exit 2 and changes nothing. Live: the realm's range was added first.
func TestCreateRealmAndDNARange(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		orders := []string{"realm range first"}
		if b.Name == "sandbox" {
			orders = append(orders, "realm range last")
		}
		for _, order := range orders {
			t.Run(b.Name+"/"+order, func(t *testing.T) {
				dir := b.Open(t)
				s := dir.Suffix()
				dirRealm, err := realm.Read(ctx, dir)
				if err != nil || dirRealm == "" {
					t.Fatalf("the directory names no realm (cn=REALM,cn=kerberos): %q %v", dirRealm, err)
				}
				rangeDN := directory.Join("cn", dirRealm+"_id_range", directory.Ranges, s)
				realmRange := read(t, dir, rangeDN)
				otherName := cmdtest.Name("extra")
				other := directory.NewEntry(directory.Join("cn", otherName, directory.Ranges, s),
					directory.A("objectClass", "top", "ipaIDrange", "ipaDomainIDRange"), directory.A("cn", otherName),
					directory.A("ipaBaseID", strconv.Itoa(300000+1000*rand.IntN(500))), directory.A("ipaIDRangeSize", "1000"), directory.A("ipaRangeType", "ipa-local"))
				if order == "realm range last" {
					// Re-add the realm's range after the other one (the sandbox lists entries
					// in the order they were added).
					if err := dir.Delete(ctx, rangeDN); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := dir.Add(ctx, other); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = dir.Delete(ctx, other.DN) })
				if order == "realm range last" {
					if _, err := dir.Add(ctx, directory.NewEntry(rangeDN, realmRange.Attributes...)); err != nil {
						t.Fatal(err)
					}
				}
				markBefore, _, _ := ids.ReadMark(ctx, dir, "general")
				login := cmdtest.Name("rl")
				udn := ipa.UserDN(login, s)
				t.Cleanup(func() { _ = dir.Delete(ctx, udn); _ = dir.Delete(ctx, ipa.GroupDN(login, s)) })

				// --realm disagreeing with the directory: exit 2, nothing written.
				f, _, _ := cmdtest.Factory(t, dir)
				cfg, _ := f.Config()
				cfg.Set("realm", "OTHER.TEST", config.FromFlag, "--realm")
				f.Config = func() (*config.Config, error) { return cfg, nil }
				cmd := create.NewCmdCreate(f, nil)
				cmd.SetArgs([]string{login, "--first", "R", "--last", "L", "--yes"})
				cmd.SilenceUsage, cmd.SilenceErrors = true, true
				err = cmd.ExecuteContext(ctx)
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(fmt.Sprint(err), `realm "OTHER.TEST" (from --realm) disagrees with the directory's Kerberos realm "`+dirRealm+`"`) {
					t.Fatalf("--realm OTHER.TEST: %v (exit %d), want exit 2", err, cmdutil.ExitCode(err))
				}
				if es, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: s, Scope: directory.ScopeSub, Filter: "(uid=" + login + ")"}); len(es) != 0 {
					t.Fatal("a refused create left an entry")
				}

				if _, stderr, _, err := run(t, dir, login, "--first", "R", "--last", "L", "--yes"); err != nil {
					t.Fatalf("create: %v\n%s", err, stderr)
				}
				u := read(t, dir, udn)
				if got := u.First("krbPrincipalName"); got != login+"@"+dirRealm {
					t.Errorf("krbPrincipalName = %q, want %s@%s", got, login, dirRealm)
				}
				uid, _ := strconv.Atoi(u.First("uidNumber"))
				if uid < 70000 || uid > 79999 {
					t.Errorf("uidNumber %d: not from the realm's range (DNA)", uid)
				}
				// DNA assigned it: no claim was made in general.
				if markAfter, _, _ := ids.ReadMark(ctx, dir, "general"); markAfter.Raw != markBefore.Raw {
					t.Errorf("general's mark moved %q -> %q: the UID was chosen here, not by DNA", markBefore.Raw, markAfter.Raw)
				}
			})
		}
	}
}
