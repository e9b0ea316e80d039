package directory

import "testing"

func TestNormalizeDN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"uid=alice,cn=users,cn=accounts,dc=example,dc=test", "uid=alice,cn=users,cn=accounts,dc=example,dc=test"},
		{"CN=Posix IDs,cn=Distributed Numeric Assignment Plugin", "cn=posix ids,cn=distributed numeric assignment plugin"},
		{"cn = hvac , dc=example", "cn=hvac,dc=example"},
		{" cn=x,dc=t ", "cn=x,dc=t"},
		{`cn=a\,B,dc=t`, `cn=a\,b,dc=t`},
		{`cn=a\2Cb,dc=T`, `cn=a\2cb,dc=t`},
		{"", ""},
		{"cn=two  words,dc=t", "cn=two  words,dc=t"},
	}
	for _, tt := range tests {
		got := NormalizeDN(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeDN(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := NormalizeDN(got); again != got {
			t.Errorf("NormalizeDN is not idempotent on %q: %q", got, again)
		}
	}
}

func TestIsUnder(t *testing.T) {
	tests := []struct {
		dn, base string
		want     bool
	}{
		{"cn=x,cn=compat,dc=example,dc=test", "cn=compat,dc=example,dc=test", true},
		{"cn=x,CN=Compat,dc=example,dc=test", "cn=compat, dc=example,dc=test", true},
		{"cn=compat,dc=example,dc=test", "cn=compat,dc=example,dc=test", true},
		{"cn=xcn=compat,dc=example,dc=test", "cn=compat,dc=example,dc=test", false},
		{"uid=a,cn=users,dc=example,dc=test", "cn=compat,dc=example,dc=test", false},
	}
	for _, tt := range tests {
		if got := IsUnder(tt.dn, tt.base); got != tt.want {
			t.Errorf("IsUnder(%q, %q) = %v, want %v", tt.dn, tt.base, got, tt.want)
		}
	}
}
