package create_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
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
			key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ0ZXN0a2V5dGVzdGtleXRlc3RrZXl0ZXN0a2V5dGU test@example"
			os.WriteFile(keyFile, []byte("# key\n"+key+"\n"), 0o600)
			udn := ipa.UserDN(login, s)
			t.Cleanup(func() { _ = dir.Delete(ctx, udn); _ = dir.Delete(ctx, ipa.GroupDN(login, s)) })
			_, stderr, ops, err := run(t, dir, login, "--first", "John", "--last", "Doe", "--cluster", cl+":sudo", "--ssh-key", keyFile, "--yes")
			if err != nil {
				t.Fatalf("create: %v\n%s", err, stderr)
			}
			if ops != 5 {
				t.Errorf("create used %d operations, want 5 (1 search, 1 add, 3 modifies)", ops)
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
