package role

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TestRoleUserAsUserCreate: a role user and a `user create` user are built by one builder
// from cn=ipaConfig: with extra ipaUserObjectClasses and a default e-mail domain, both have
// the same object classes and the same attribute names, and mail from the domain.
func TestRoleUserAsUserCreate(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := b.Open(t)
			s := dir.Suffix()
			dm := cmdtest.Manager(t, b.Name, dir)
			cfgDN := directory.In("cn=ipaConfig,cn=etc", s)
			cmdtest.Replace(t, dm, cfgDN, "ipaUserObjectClasses", "top", "person", "organizationalperson", "inetorgperson", "inetuser",
				"posixaccount", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser", "ipauserauthtypeclass")
			cmdtest.Replace(t, dm, cfgDN, "ipaDefaultEmailDomain", "mail.example.test")
			hg := "auxtel"
			if b.Name == "live" {
				hg = cmdtest.Name("hg")
			}
			setup(t, dir, hg)
			roleDN := ipa.UserDN("atadbot", s)
			if b.Name == "live" {
				// atadbot is shared on the live directory: this test needs its own.
				_ = dir.Delete(ctx, roleDN)
				_ = dir.Delete(ctx, ipa.GroupDN("atadbot", s))
			}
			if _, out, err := run(t, dir, &CreateOptions{Role: "atadbot", Hostgroup: hg, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatalf("role create: %v\n%s", err, out)
			}
			login := cmdtest.Name("bu")
			udn := ipa.UserDN(login, s)
			t.Cleanup(func() {
				_ = dir.Delete(context.Background(), udn)
				_ = dir.Delete(context.Background(), ipa.GroupDN(login, s))
			})
			f, _, errOut := cmdtest.Factory(t, dir)
			cmd := create.NewCmdCreate(f, nil)
			cmd.SetArgs([]string{login, "--first", "Bea", "--last", "User", "--yes"})
			if err := cmd.ExecuteContext(ctx); err != nil {
				t.Fatalf("user create: %v\n%s", err, errOut)
			}
			role, user := entry(t, dir, roleDN), entry(t, dir, udn)
			if r, u := attrNames(role), attrNames(user); r != u {
				t.Errorf("attribute names differ:\nrole user: %s\nuser:      %s", r, u)
			}
			if r, u := classes(role), classes(user); r != u || !strings.Contains(r, "ipauserauthtypeclass") {
				t.Errorf("object classes differ or miss ipaConfig's:\nrole user: %s\nuser:      %s", r, u)
			}
			if role.First("mail") != "atadbot@mail.example.test" || user.First("mail") != login+"@mail.example.test" {
				t.Errorf("mail = %q / %q, want LOGIN@ the default e-mail domain", role.First("mail"), user.First("mail"))
			}
		})
	}
}

func entry(t *testing.T, dir directory.Client, dn string) *directory.Entry {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)"})
	if err != nil || len(es) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	return es[0]
}

// attrNames lists the entry's attribute names, lower-case and sorted.
func attrNames(e *directory.Entry) string {
	var n []string
	for _, a := range e.Attributes {
		n = append(n, strings.ToLower(a.Name))
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}

func classes(e *directory.Entry) string {
	var n []string
	for _, v := range e.Get("objectClass") {
		n = append(n, strings.ToLower(v))
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}
