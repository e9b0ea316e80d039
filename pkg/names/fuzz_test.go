package names

import (
	"strings"
	"testing"
)

// FuzzNames checks that every accepted name is safe to put in an LDAP filter
// or DN unescaped (user/group names) and that host normalisation is stable.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"jdoe", "Hvac", "hvac-sudo", "a*)(uid=*", "ts-csc-generic-01.cp.lsst.org.", "10.0.0.1", "host$", "", "a..b", "é.example.com", "HTTP/web.example.com@EXAMPLE.COM",
		".", "..", "a\nb", "jdoe@example.org\n", "Jane <jdoe@example.org>", "x\x1b[2J", "\xff\xfe", "a@b.org,c@d.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) error{User, Group, Hostgroup, Cluster, Role} {
			if err := fn(s); err == nil {
				if strings.ContainsAny(s, "*()\\\x00,=+<>#;\" /") || s != strings.ToLower(s) || s == "" {
					t.Fatalf("accepted unsafe name %q", s)
				}
			} else if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		}
		if err := Cluster(s); err == nil && Group(s+"-users") != nil {
			t.Fatalf("cluster %q accepted but %q-users is not a valid group", s, s)
		}
		if h, err := Host(s); err == nil {
			h2, err := Host(h)
			if err != nil || h2 != h {
				t.Fatalf("Host not idempotent: %q -> %q -> %q, %v", s, h, h2, err)
			}
			if len(h) > MaxHostLength || strings.HasSuffix(h, ".") || !strings.Contains(h, ".") {
				t.Fatalf("Host(%q) = %q breaks the rules", s, h)
			}
		}
		if p, err := Service(s); err == nil {
			if p2, err := Service(p); err != nil || p2 != p {
				t.Fatalf("Service not idempotent: %q -> %q -> %q, %v", s, p, p2, err)
			}
		}
		if err := User(s); err == nil && (s == "." || s == "..") {
			t.Fatalf("accepted path component %q as a login", s)
		}
		if err := Text(KindDescription, s); err == nil {
			for _, r := range s {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("Text accepted control character %U in %q", r, s)
				}
			}
		} else if strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		if err := Mail(s); err == nil {
			if strings.ContainsAny(s, " \t\r\n<>(),;\"") || strings.Count(s, "@") != 1 {
				t.Fatalf("Mail accepted %q", s)
			}
		}
		_ = Rule(s)
		_ = LooksPlural(s)
	})
}
