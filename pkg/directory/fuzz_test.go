package directory

import (
	"strings"
	"testing"
	"unicode/utf8"

	ldap "github.com/go-ldap/ldap/v3"
)

// FuzzEscapeFilterValue: an escaped value always makes a filter that parses as one
// equality assertion of exactly that value — nothing reaches LDAP unescaped.
func FuzzEscapeFilterValue(f *testing.F) {
	for _, s := range []string{"jdoe", "*", "a*)(uid=*", "(", ")", "\\", "\x00", "é", "a\\2a", "*)(|(objectClass=*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		esc := EscapeFilterValue(v)
		if strings.ContainsAny(esc, "*()\x00") {
			t.Fatalf("escaped %q still holds a special character: %q", v, esc)
		}
		p, err := ldap.CompileFilter("(cn=" + esc + ")")
		if err != nil && !utf8.ValidString(v) {
			// EscapeFilterValue passes bytes >= 0x80 through, so invalid UTF-8 makes
			// a filter go-ldap refuses to compile: an error, never another filter.
			// (Names are validated before they reach a filter; see the report.)
			return
		}
		if err != nil {
			t.Fatalf("filter of %q does not compile: %v", v, err)
		}
		if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
			t.Fatalf("filter of %q is not one equality assertion: tag %d", v, p.Tag)
		}
		if got := p.Children[1].Data.String(); got != v {
			t.Fatalf("assertion value %q, want %q", got, v)
		}
	})
}

// FuzzEscapeDNValue: Join with any value gives a DN that parses, whose first RDN is
// the attribute with exactly that value, and below the container and suffix.
func FuzzEscapeDNValue(f *testing.F) {
	for _, s := range []string{"jdoe", "a,b", "a+b", " lead", "trail ", "#hash", "a=b", "\\", "\"q\"", "<>;", "é", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if v == "" {
			return
		}
		dn := Join("cn", v, Groups, "dc=example,dc=test")
		p, err := ldap.ParseDN(dn)
		if err != nil {
			t.Fatalf("DN of %q does not parse: %q: %v", v, dn, err)
		}
		if len(p.RDNs) != 5 || len(p.RDNs[0].Attributes) != 1 {
			t.Fatalf("DN of %q has the wrong shape: %q", v, dn)
		}
		if !utf8.ValidString(v) {
			// EscapeDNValue ranges over runes: invalid UTF-8 becomes U+FFFD, still one
			// RDN value (names are validated before they reach a DN; see the report).
			return
		}
		if a := p.RDNs[0].Attributes[0]; !strings.EqualFold(a.Type, "cn") || a.Value != v {
			t.Fatalf("first RDN of %q is %s=%q", v, a.Type, a.Value)
		}
		if got := RDNValue(dn); got != v {
			t.Fatalf("RDNValue(%q) = %q, want %q", dn, got, v)
		}
		if !IsUnder(NormalizeDN(dn), In(Groups, "dc=example,dc=test")) {
			t.Fatalf("%q is not under the container", dn)
		}
	})
}
