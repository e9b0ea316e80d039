package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
)

func TestLDIFRoundTrip(t *testing.T) {
	in := []*directory.Entry{directory.NewEntry("cn=x,dc=example,dc=test",
		directory.A("objectClass", "top", "nsContainer"), directory.A("cn", "x"),
		directory.A("description", " leading space", "ünïcode", "a very long value that certainly needs folding because it is longer than seventy-six columns"))}
	var buf bytes.Buffer
	if err := WriteLDIF(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadLDIF(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || fmt.Sprint(out[0]) != fmt.Sprint(in[0]) {
		t.Errorf("round trip: %v", out)
	}
}

// Two handles on one file (as two processes): the second add of the same DN fails and a
// read never rewrites the file.
func TestConcurrentHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := Init(path, InitOptions{}); err != nil {
		t.Fatal(err)
	}
	a, _ := Open(path)
	b, _ := Open(path)
	ctx := context.Background()
	e := directory.NewEntry("cn=same,dc=example,dc=test", directory.A("objectClass", "top", "nsContainer"), directory.A("cn", "same"))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, d := range []*Dir{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = d.Add(ctx, e) }()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(directory.IsCode(errs[0], directory.CodeEntryAlreadyExists) || directory.IsCode(errs[1], directory.CodeEntryAlreadyExists)) {
		t.Errorf("errors %v", errs)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if _, err := a.Search(ctx, directory.SearchRequest{BaseDN: "dc=example,dc=test", Scope: directory.ScopeSub, Filter: "(cn=same)"}); err != nil {
		t.Fatal(err)
	}
	fi2, _ := os.Stat(path)
	if !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("search rewrote the file")
	}
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := Init(path, InitOptions{}); err != nil {
		t.Fatal(err)
	}
	base, _ := os.ReadFile(path)
	var buf bytes.Buffer
	buf.Write(base)
	var es []*directory.Entry
	for i := 0; i < 50000; i++ {
		u := fmt.Sprintf("user%05d", i)
		es = append(es, directory.NewEntry("uid="+u+",cn=users,cn=accounts,dc=example,dc=test",
			directory.A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount", "ipaobject"),
			directory.A("uid", u), directory.A("cn", u), directory.A("sn", u), directory.A("uidNumber", fmt.Sprint(100000+i)),
			directory.A("gidNumber", fmt.Sprint(100000+i)), directory.A("homeDirectory", "/home/"+u), directory.A("ipaUniqueID", fmt.Sprintf("u-%d", i))))
	}
	for i := 0; i < 40000; i++ {
		f := fmt.Sprintf("host%05d.example.test", i)
		es = append(es, directory.NewEntry("fqdn="+f+",cn=computers,cn=accounts,dc=example,dc=test",
			directory.A("objectClass", "top", "ipaobject", "nshost", "ipahost"), directory.A("fqdn", f), directory.A("cn", f), directory.A("ipaUniqueID", fmt.Sprintf("h-%d", i))))
	}
	WriteLDIF(&buf, es)
	os.WriteFile(path, buf.Bytes(), 0o600)
	start := time.Now()
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	ctx := context.Background()
	res, err := d.Search(ctx, directory.SearchRequest{BaseDN: "dc=example,dc=test", Scope: directory.ScopeSub, Filter: "(&(objectClass=ipaHost)(fqdn=host1*))"})
	if err != nil || len(res) != 10000 {
		t.Fatalf("%d %v", len(res), err)
	}
	if _, err := d.Add(ctx, directory.NewEntry("cn=big,dc=example,dc=test", directory.A("objectClass", "top", "nsContainer"), directory.A("cn", "big"))); err != nil {
		t.Fatal(err)
	}
	t.Logf("load %v, load+search+add %v", load, time.Since(start))
	if time.Since(start) > 10*time.Second {
		t.Errorf("too slow")
	}
}
