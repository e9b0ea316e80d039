package gen

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// TestSmall generates the small size as a sandbox and checks what the plugins would
// have written: DNA IDs, private groups, managed netgroups, ipaUniqueIDs, memberOf
// through two levels of nesting, and the offboarding users' 200 groups.
func TestSmall(t *testing.T) {
	b, info, err := Generate(Sizes["small"], Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small.ldif")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := d.Suffix()
	search := func(base, filter string) []*directory.Entry {
		t.Helper()
		es, err := d.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeSub, Filter: filter})
		if err != nil {
			t.Fatalf("search %s: %v", filter, err)
		}
		return es
	}
	if n := len(search(directory.In(directory.Users, s), "(objectClass=posixAccount)")); n != 200+8+2 {
		t.Errorf("%d users, want 210 (200 + 8 leavers + admin + delegate)", n)
	}
	if n := len(search(directory.In(directory.Computers, s), "(objectClass=ipahost)")); n != 300+2 {
		t.Errorf("%d hosts, want 302 (300 + the two IPA servers)", n)
	}
	u := search(ipa.UserDN("u00001", s), "(objectClass=*)")[0]
	if id := u.First("uidNumber"); id == "-1" || id == "" || id != u.First("gidNumber") {
		t.Errorf("u00001 uid/gid %q/%q, want one DNA number", id, u.First("gidNumber"))
	}
	if u.First("ipaUniqueID") == "autogenerate" || u.First("ipaUniqueID") == "" {
		t.Errorf("u00001 ipaUniqueID %q", u.First("ipaUniqueID"))
	}
	if pg := search(ipa.GroupDN("u00001", s), "(objectClass=mepManagedEntry)"); len(pg) != 1 || pg[0].First("gidNumber") != u.First("uidNumber") {
		t.Errorf("private group of u00001: %v", pg)
	}
	if !u.Has("memberOf", ipa.GroupDN("ipausers", s)) {
		t.Errorf("u00001 not in ipausers: %v", u.Get("memberOf"))
	}
	// nested two deep: some user reaches a top-level group only through two parents
	top := search(ipa.GroupDN("grp0001", s), "(objectClass=*)")[0]
	if len(top.Get("member")) == 0 {
		t.Fatal("top-level group grp0001 has no members")
	}
	if indirect := search(directory.In(directory.Users, s), "(&(uid=u*)(memberOf="+directory.EscapeFilterValue(ipa.GroupDN("grp0001", s))+"))"); len(indirect) == 0 {
		t.Error("no user is an indirect member of a top-level group")
	}
	if ng := search(directory.In(directory.Netgroups, s), "(cn=cl001)"); len(ng) != 1 {
		t.Errorf("managed netgroup of hostgroup cl001: %d", len(ng))
	}
	leaver := search(ipa.UserDN(info.Offboard[0], s), "(objectClass=*)")[0]
	if n := len(leaver.Get("memberOf")); n < 200 {
		t.Errorf("%s is in %d groups, want >= 200", info.Offboard[0], n)
	}
	// the generated directory still behaves: a user added now through the sandbox's
	// own plugins gets the next DNA ID
	if _, err := d.Add(ctx, User("newbie", "New", "Bie", "EXAMPLE.TEST", "example.test", s)); err != nil {
		t.Fatal(err)
	}
	nb := search(ipa.UserDN("newbie", s), "(objectClass=*)")[0]
	if nb.First("uidNumber") == "-1" || nb.First("uidNumber") == u.First("uidNumber") {
		t.Errorf("newbie uidNumber %q", nb.First("uidNumber"))
	}
}
