package sysaccounts

import (
	"bytes"
	"context"
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

// TestSecretNeverInPlan: every plan rendering shows <hidden>; the directory gets the real one.
func TestSecretNeverInPlan(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	dn := "uid=foreman,cn=sysaccounts,cn=etc," + dir.Suffix()
	pw, _ := GeneratePassword(32)
	p := PlanCreate(dn, "foreman", nil)
	for _, f := range []plan.Format{plan.Text, plan.JSON, plan.YAML, plan.LDIF, plan.Update} {
		var b bytes.Buffer
		if err := plan.Render(&b, p, f); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), pw) {
			t.Fatalf("%s rendering leaks the password", f)
		}
	}
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
	u := UpdateFile(dn, "foreman", pw)
	if !strings.Contains(u, "add:userPassword:"+pw+"\n") || !strings.HasPrefix(u, "dn: "+dn+"\n") {
		t.Fatalf("update file:\n%s", u)
	}
}
