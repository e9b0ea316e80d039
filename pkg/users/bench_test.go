package users_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/users"
)

// benchDir is a demo sandbox with user "leaver" in n groups plus ipausers (returned last).
func benchDir(b *testing.B, n int) (directory.Client, []string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		b.Fatal(err)
	}
	dir, err := sandbox.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	s := dir.Suffix()
	u := users.Entry(users.Spec{Login: "leaver", First: "Lea", Last: "Ver", UID: ipa.DNAMagic, Realm: "EXAMPLE.TEST"}, users.ConfigFrom(nil), s)
	if _, err := dir.Add(ctx, u); err != nil {
		b.Fatal(err)
	}
	groups := make([]string, n, n+1)
	for i := range n {
		g := ipa.PosixGroup(fmt.Sprintf("bg%03d", i), "bench", ipa.DNAMagic, s)
		g.Set("member", u.DN)
		if groups[i], err = dir.Add(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	ipausers := ipa.GroupDN("ipausers", s)
	if err := dir.Modify(ctx, ipausers, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{u.DN}}}); err != nil {
		b.Fatal(err)
	}
	return dir, append(groups, ipausers)
}

// rejoin puts the user back in every group and re-enables it (untimed).
func rejoin(b *testing.B, dir directory.Client, groups []string) {
	ctx := context.Background()
	dn := ipa.UserDN("leaver", dir.Suffix())
	for _, g := range groups {
		err := dir.Modify(ctx, g, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{dn}}})
		if err != nil && !directory.IsExists(err) {
			b.Fatal(err)
		}
	}
	err := dir.Modify(ctx, dn, []directory.Mod{{Op: directory.ModDelete, Attr: "nsAccountLock"}})
	if err != nil && !directory.IsCode(err, directory.CodeNoSuchAttribute) {
		b.Fatal(err)
	}
}

// BenchmarkOffboard200Groups compares offboarding a user in 200 groups (one search, plan,
// 201 modifies through plan.Apply) with the bare modifies an `ldapmodify` batch doing
// the same removals would send on the same directory (the bound: under 2x).
func BenchmarkOffboard200Groups(b *testing.B) {
	ctx := context.Background()
	b.Run("offboard", func(b *testing.B) {
		dir, groups := benchDir(b, 200)
		for i := 0; i < b.N; i++ {
			if i > 0 {
				b.StopTimer()
				rejoin(b, dir, groups)
				b.StartTimer()
			}
			c := directory.NewCounting(dir)
			s, err := users.Read(ctx, c, "leaver", false)
			if err != nil {
				b.Fatal(err)
			}
			o, err := users.PlanOffboard(s, users.OffboardOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if err := plan.Apply(ctx, c, o.Plan); err != nil {
				b.Fatal(err)
			}
			if c.Count() != 1+1+201 {
				b.Fatalf("offboard used %d operations, want 203 (1 search, 1 user + 201 group modifies)", c.Count())
			}
		}
	})
	b.Run("ldapmodify-batch", func(b *testing.B) {
		dir, groups := benchDir(b, 200)
		dn := ipa.UserDN("leaver", dir.Suffix())
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			rejoin(b, dir, groups)
			b.StartTimer()
			if err := dir.Modify(ctx, dn, []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}); err != nil {
				b.Fatal(err)
			}
			for _, g := range groups {
				if err := dir.Modify(ctx, g, []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{dn}}}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
