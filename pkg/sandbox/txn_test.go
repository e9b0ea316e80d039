package sandbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
)

// TestPlanIsOneTransaction (issue 16.6): a plan applied on a sandbox is all or nothing
// in the file — a failure at any write leaves the file untouched (same bytes, same
// inode, same mtime: nothing was written and undone), and a success writes it once.
func TestPlanIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := Init(path, InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	s := "dc=example,dc=test"
	jdoe := "uid=jdoe,cn=users,cn=accounts," + s
	mk := func() *plan.Plan {
		p := &plan.Plan{Title: "t"}
		p.Add(plan.Change{Action: plan.Modify, Kind: "user", Name: "jdoe", DN: jdoe,
			Mods:   []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}},
			Before: map[string][]string{"nsaccountlock": nil}})
		for _, g := range []string{"amor", "ipausers"} {
			p.Add(plan.Change{Action: plan.Modify, Kind: "group", Name: g, DN: "cn=" + g + ",cn=groups,cn=accounts," + s,
				Mods: []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{jdoe}}}})
		}
		p.Add(plan.Change{Action: plan.Create, Kind: "group", Name: "new", DN: "cn=new,cn=groups,cn=accounts," + s,
			Entry: directory.NewEntry("cn=new,cn=groups,cn=accounts,"+s, directory.A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject"),
				directory.A("cn", "new"), directory.A("ipaUniqueID", "autogenerate"), directory.A("member", jdoe))})
		return p
	}
	before, _ := os.ReadFile(path)
	fi0, _ := os.Stat(path)
	for failAt := int64(1); failAt <= 4; failAt++ {
		d, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = plan.Apply(ctx, directory.NewCounting(directory.NewFaulty(d, failAt)), mk())
		var ae *plan.ApplyError
		if !errors.As(err, &ae) || !errors.Is(err, directory.ErrInjected) {
			t.Fatalf("fail at %d: err %v", failAt, err)
		}
		after, _ := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if !bytes.Equal(before, after) || !os.SameFile(fi, fi0) || !fi.ModTime().Equal(fi0.ModTime()) {
			t.Fatalf("fail at %d: the file was written", failAt)
		}
		if es, err := d.Search(ctx, directory.SearchRequest{BaseDN: jdoe, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
			Attributes: []string{"nsAccountLock", "memberOf"}}); err != nil || es[0].First("nsAccountLock") != "" || len(es[0].Get("memberOf")) != 3 {
			t.Fatalf("fail at %d: jdoe in memory %v %v", failAt, es, err)
		}
		// the lock is released: a plain write goes through
		if err := d.Modify(ctx, jdoe, []directory.Mod{{Op: directory.ModReplace, Attr: "title", Values: []string{"x"}}}); err != nil {
			t.Fatalf("fail at %d: write after: %v", failAt, err)
		}
		if err := d.Modify(ctx, jdoe, []directory.Mod{{Op: directory.ModDelete, Attr: "title"}}); err != nil {
			t.Fatal(err)
		}
		before, _ = os.ReadFile(path)
		fi0, _ = os.Stat(path)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := mk()
	if err := plan.Apply(ctx, d, p); err != nil || !p.Applied {
		t.Fatalf("apply: %v", err)
	}
	again, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	es, err := again.Search(ctx, directory.SearchRequest{BaseDN: jdoe, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"nsAccountLock", "memberOf"}})
	if err != nil || es[0].First("nsAccountLock") != "TRUE" || !directory.HasDN(es[0].Get("memberOf"), "cn=new,cn=groups,cn=accounts,"+s) ||
		directory.HasDN(es[0].Get("memberOf"), "cn=amor,cn=groups,cn=accounts,"+s) {
		t.Fatalf("after apply, from the file: %v %v", es, err)
	}
}
