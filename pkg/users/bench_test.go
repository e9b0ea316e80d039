package users_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/users"
)

// benchSandbox is a fresh demo sandbox.
func benchSandbox(b *testing.B) directory.Client {
	b.Helper()
	path := filepath.Join(b.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		b.Fatal(err)
	}
	dir, err := sandbox.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchLive dials the live test directory as admin (GSSAPI over LDAPS), or skips.
func benchLive(b *testing.B) directory.Client {
	b.Helper()
	url, kt := os.Getenv("ACCESSCTL_TEST_LDAPS_URL"), os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB")
	if url == "" || kt == "" || os.Getenv("KRB5_CONFIG") == "" {
		b.Skip("live test directory not configured")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ldapdir.Dial(ctx, ldapdir.Options{Servers: []string{url}, CAFile: os.Getenv("ACCESSCTL_TEST_CA"),
		ConnectTimeout: 3 * time.Second, Timeout: 60 * time.Second, Bind: ldapdir.GSSAPI{Keytab: kt, Principal: "admin@" + os.Getenv("ACCESSCTL_TEST_REALM")}})
	if err != nil {
		b.Fatalf("dial live directory: %v", err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// benchUser makes a user (unique login) in n new groups plus ipausers (returned last),
// removed again when the benchmark ends.
func benchUser(b *testing.B, dir directory.Client, n int) (string, []string) {
	b.Helper()
	ctx := context.Background()
	s := dir.Suffix()
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	login := "lv" + hex.EncodeToString(rnd)
	u := users.Entry(users.Spec{Login: login, First: "Lea", Last: "Ver", UID: ipa.DNAMagic, Realm: "EXAMPLE.TEST"}, users.ConfigFrom(nil), s)
	if _, err := dir.Add(ctx, u); err != nil {
		b.Fatal(err)
	}
	groups := make([]string, n, n+1)
	b.Cleanup(func() {
		for _, g := range groups {
			if g != "" {
				_ = dir.Delete(ctx, g)
			}
		}
		_ = dir.Delete(ctx, u.DN)
		_ = dir.Delete(ctx, ipa.GroupDN(login, s))
	})
	for i := range n {
		g := ipa.PosixGroup(fmt.Sprintf("%s-g%03d", login, i), "bench", ipa.DNAMagic, s)
		g.Set("member", u.DN)
		var err error
		if groups[i], err = dir.Add(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	ipausers := ipa.GroupDN("ipausers", s)
	if err := dir.Modify(ctx, ipausers, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{u.DN}}}); err != nil {
		b.Fatal(err)
	}
	return login, append(groups, ipausers)
}

// rejoin puts the user back in every group and re-enables it (untimed).
func rejoin(b *testing.B, dir directory.Client, login string, groups []string) {
	ctx := context.Background()
	dn := ipa.UserDN(login, dir.Suffix())
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
// 202 modifies through plan.Apply) with the bare modifies an `ldapmodify` batch doing
// the same removals sends on the same directory, transport and bind (the bound:
// under 2x). On the sandbox; BenchmarkOffboard200GroupsLive does the same on the live 389-ds.
func BenchmarkOffboard200Groups(b *testing.B) { benchOffboard(b, benchSandbox) }

// BenchmarkOffboard200GroupsLive runs the comparison on the live test directory.
func BenchmarkOffboard200GroupsLive(b *testing.B) { benchOffboard(b, benchLive) }

func benchOffboard(b *testing.B, open func(*testing.B) directory.Client) {
	ctx := context.Background()
	b.Run("offboard", func(b *testing.B) {
		dir := open(b)
		login, groups := benchUser(b, dir, 200)
		for i := 0; i < b.N; i++ {
			if i > 0 {
				b.StopTimer()
				rejoin(b, dir, login, groups)
				b.StartTimer()
			}
			c := directory.NewCounting(dir)
			s, err := users.Read(ctx, c, login, false)
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
		dir := open(b)
		login, groups := benchUser(b, dir, 200)
		dn := ipa.UserDN(login, dir.Suffix())
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			rejoin(b, dir, login, groups)
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
