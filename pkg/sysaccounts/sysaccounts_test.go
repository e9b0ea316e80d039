package sysaccounts

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
)

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int{0, 16, 32, 48} {
		pw, err := GeneratePassword(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) < MinPasswordLength || (n > MinPasswordLength && len(pw) != n) {
			t.Fatalf("n=%d: len %d", n, len(pw))
		}
		if strings.Trim(pw, alphabet) != "" || seen[pw] {
			t.Fatalf("bad or repeated password")
		}
		seen[pw] = true
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{"foreman": true, "dex_oidc": true, "svc.a-1": true, "": false, "Foreman": false,
		"a,b": false, "a=b": false, "-x": false, "1abc": false, strings.Repeat("a", 33): false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("%q: err %v", name, err)
		}
	}
}

// TestSecretNeverInPlan: the displayed renderings show <hidden>, the renderings meant to
// be applied refuse the placeholder, and the directory gets the real password.
func TestSecretNeverInPlan(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	dn := "uid=foreman,cn=sysaccounts,cn=etc," + dir.Suffix()
	pw, _ := GeneratePassword(32)
	for _, p := range []*plan.Plan{PlanCreate(dn, "foreman", nil), PlanRotate("foreman", directory.NewEntry(dn))} {
		for _, f := range []plan.Format{plan.Text, plan.JSON, plan.YAML} {
			var b bytes.Buffer
			if err := plan.Render(&b, p, f); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), pw) || !strings.Contains(b.String(), "hidden") {
				t.Fatalf("%s rendering leaks the password or lacks the placeholder:\n%s", f, b.String())
			}
		}
		for _, f := range []plan.Format{plan.LDIF, plan.Update, plan.IPA} {
			var b bytes.Buffer
			if err := plan.Render(&b, p, f); !errors.Is(err, plan.ErrPlaceholder) || b.Len() != 0 {
				t.Fatalf("%s rendering of a placeholder plan: err %v, output %q; want ErrPlaceholder and nothing written", f, err, b.String())
			}
		}
		// Revealed, the LDIF carries the real password and no placeholder.
		var b bytes.Buffer
		if err := plan.Render(&b, Reveal(p, dn, pw), plan.LDIF); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "userPassword: "+pw+"\n") || strings.Contains(b.String(), Hidden) {
			t.Fatalf("revealed LDIF:\n%s", b.String())
		}
		if p.Changes[0].Entry != nil && p.Changes[0].Entry.First("userPassword") != Hidden || len(p.Changes[0].Mods) > 0 && p.Changes[0].Mods[0].Values[0] != Hidden {
			t.Fatal("Reveal modified the plan it was given")
		}
	}
	p := PlanCreate(dn, "foreman", nil)
	if err := plan.Apply(context.Background(), &Secret{Client: dir, DN: dn, Password: pw}, p); err != nil {
		t.Fatal(err)
	}
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"userPassword"}})
	if err != nil || len(es) != 1 || es[0].First("userPassword") != pw {
		t.Fatalf("stored password wrong: %v", err)
	}
	if p.Changes[0].Entry.First("userPassword") != Hidden {
		t.Fatal("plan entry was modified")
	}
	// The wrapper never stores the placeholder, not even on another DN.
	other := "uid=other,cn=sysaccounts,cn=etc," + dir.Suffix()
	if err := plan.Apply(context.Background(), &Secret{Client: dir, DN: dn, Password: pw}, PlanCreate(other, "other", nil)); !errors.Is(err, plan.ErrPlaceholder) {
		t.Fatalf("placeholder write to another dn: %v", err)
	}
	u := UpdateFile(dn, "foreman", pw)
	if !strings.Contains(u, "add:userPassword:"+pw+"\n") || !strings.HasPrefix(u, "dn: "+dn+"\n") {
		t.Fatalf("update file:\n%s", u)
	}
}

// TestCheckEntry: only entries of the sysaccount shape under cn=sysaccounts,cn=etc pass.
func TestCheckEntry(t *testing.T) {
	const suffix = "dc=example,dc=test"
	sys := "uid=foreman,cn=sysaccounts,cn=etc," + suffix
	user := "uid=jdoe,cn=users,cn=accounts," + suffix
	tests := []struct {
		name  string
		entry *directory.Entry
		ok    bool
	}{
		{"sysaccount", directory.NewEntry(sys, directory.A("objectClass", "account", "simpleSecurityObject")), true},
		{"spacing and case in the dn", directory.NewEntry("uid=foreman, CN=SysAccounts,cn=etc,"+suffix, directory.A("objectClass", "account", "simplesecurityobject")), true},
		{"a user", directory.NewEntry(user, directory.A("objectClass", "top", "person", "posixAccount", "inetOrgPerson")), false},
		{"a user shaped like an account", directory.NewEntry(user, directory.A("objectClass", "account", "simplesecurityobject")), false},
		{"a person under sysaccounts", directory.NewEntry(sys, directory.A("objectClass", "account", "simplesecurityobject", "person")), false},
		{"no simplesecurityobject", directory.NewEntry(sys, directory.A("objectClass", "account")), false},
		{"nested below sysaccounts", directory.NewEntry("uid=x,uid=foreman,cn=sysaccounts,cn=etc,"+suffix, directory.A("objectClass", "account", "simplesecurityobject")), false},
		{"the container itself", directory.NewEntry("cn=sysaccounts,cn=etc,"+suffix, directory.A("objectClass", "nsContainer")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckEntry(tt.entry, suffix)
			var ne *NotSysaccountError
			if (err == nil) != tt.ok || (err != nil && !errors.As(err, &ne)) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if err := CheckDN(user, suffix); err == nil {
		t.Fatal("CheckDN accepted a user dn")
	}
}
