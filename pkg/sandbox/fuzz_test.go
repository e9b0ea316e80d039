package sandbox

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
)

// FuzzReadLDIF: the sandbox's LDIF reader never panics, and what it reads survives a
// write and a second read unchanged (values with leading spaces, colons, non-ASCII
// and long lines included).
func FuzzReadLDIF(f *testing.F) {
	for _, s := range []string{
		"dn: cn=x,dc=example,dc=test\nobjectClass: top\ncn: x\n",
		"dn: cn=x,dc=example,dc=test\ndescription:: IGxlYWRpbmcgc3BhY2U=\n\ndn: cn=y,dc=example,dc=test\ncn: y\n",
		"# comment\ndn: cn=a\n very long,dc=example,dc=test\ncn: a\n",
		"version: 1\ndn: uid=jdoe,cn=users,cn=accounts,dc=example,dc=test\nuid: jdoe\nmemberOf: cn=amor,cn=groups,cn=accounts,dc=example,dc=test\n",
		"dn:: Y249w6ksZGM9eA==\ncn:: w6k=\n",
		"dn: cn=x\ncn:\n", ":\n\n\n", "dn: cn=x\n-\n", "dn: cn=x\ncn: <file:///etc/passwd\n",
		// A missing blank line: the second dn: must not become an attribute of the first.
		"dn: cn=x,dc=example,dc=test\ncn: x\ndn: cn=y,dc=example,dc=test\ncn: y\n",
		"dn: cn=x\ncn: x\nDN:: Y249eQ==\n", "dn: cn=x\nbad name: x\n", "dn: cn=x\ncn;lang-en: x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ReadLDIF(strings.NewReader(in))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, e := range es {
			if e.Get("dn") != nil {
				t.Fatalf("a dn: line was read as an attribute of %q", e.DN)
			}
		}
		var buf bytes.Buffer
		if err := WriteLDIF(&buf, es); err != nil {
			t.Fatalf("write what was read: %v", err)
		}
		again, err := ReadLDIF(&buf)
		if err != nil {
			t.Fatalf("re-read of written LDIF: %v\n%s", err, buf.String())
		}
		if len(again) != len(es) {
			t.Fatalf("%d entries read back, want %d", len(again), len(es))
		}
		for i := range es {
			if a, b := canon(es[i]), canon(again[i]); a != b {
				t.Fatalf("entry %d changed in a round trip:\n%q\n%q", i, a, b)
			}
		}
	})
}

func canon(e *directory.Entry) string {
	var b strings.Builder
	b.WriteString(e.DN)
	for _, a := range e.Attributes {
		for _, v := range a.Values {
			b.WriteString("\x00" + a.Name + "=" + v)
		}
	}
	return b.String()
}

// FuzzSearchFilter: any filter string given to the sandbox's Search is either refused
// with an error or evaluated — never a panic — over a demo directory.
func FuzzSearchFilter(f *testing.F) {
	for _, s := range []string{
		"(objectClass=*)", "(uid=jdoe)", "(&(objectClass=ipahost)(fqdn=amor*))", "(|(cn=amor)(!(cn=x)))",
		"(uidNumber>=70000)", "(cn:caseExactMatch:=amor)", "(memberOf:1.2.840.113556.1.4.1941:=cn=amor,cn=groups,cn=accounts,dc=example,dc=test)",
		"(cn=a\\2a)", "(cn=*a*b*)", "((", "(cn=", "(&)", "(|)", "(!(!(!(cn=*))))", "(cn~=amor)", "(description=\\00)",
	} {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "s.ldif")
	if err := Init(path, InitOptions{Demo: true}); err != nil {
		f.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		_, err := d.Search(context.Background(), directory.SearchRequest{BaseDN: d.Suffix(), Scope: directory.ScopeSub,
			Filter: filter, Attributes: []string{"cn"}})
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
