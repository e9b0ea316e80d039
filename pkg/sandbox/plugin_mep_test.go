package sandbox_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// TestMEPDisabledUPG: the UPG definition disabled as `ipa-managed-entries -e "UPG
// Definition" disable` leaves it (originFilter with (objectclass=disable) ANDed in) makes
// no private group, as on 389-ds; enabled again, it does.
func TestMEPDisabledUPG(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Suffix()
	def := directory.In("cn=UPG Definition,cn=Definitions,cn=Managed Entries,cn=etc", s)
	for _, tt := range []struct {
		login, filter string
		group         bool
	}{
		{"off1", "(&(objectclass=disable)(objectclass=posixAccount)(!(description=__no_upg__)))", false},
		{"on1", "(&(objectclass=posixAccount)(!(description=__no_upg__)))", true},
	} {
		if err := d.Modify(ctx, def, []directory.Mod{{Op: directory.ModReplace, Attr: "originFilter", Values: []string{tt.filter}}}); err != nil {
			t.Fatalf("set originFilter %s: %v", tt.filter, err)
		}
		u := directory.NewEntry(ipa.UserDN(tt.login, s),
			directory.A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "posixaccount"),
			directory.A("uid", tt.login), directory.A("cn", tt.login), directory.A("sn", tt.login),
			directory.A("uidNumber", "70001"), directory.A("gidNumber", "70001"), directory.A("homeDirectory", "/home/"+tt.login))
		if _, err := d.Add(ctx, u); err != nil {
			t.Fatalf("add %s: %v", tt.login, err)
		}
		es, err := d.Search(ctx, directory.SearchRequest{BaseDN: s, Scope: directory.ScopeSub, Filter: "(&(objectClass=posixGroup)(cn=" + tt.login + "))"})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(es) == 1; got != tt.group {
			t.Errorf("originFilter %s: private group made = %v, want %v", tt.filter, got, tt.group)
		}
	}
}
