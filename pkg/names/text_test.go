package names

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{"Summit HVAC", ""},
		{"Zoë Ångström-O'Brien", ""},
		{"名前", ""},
		{"", "must not be empty"},
		{"  ", "must not be empty"},
		{" x", "white space"},
		{"x ", "white space"},
		{"line\nbreak", "control character U+000A"},
		{"tab\there", "control character U+0009"},
		{"esc \x1b[31mred", "control character U+001B"},
		{"nul\x00", "control character U+0000"},
		{"del\x7f", "control character U+007F"},
		{"c1 \u0085", "control character U+0085"},
		{"ls \u2028 x", "control character U+2028"},
		{"bad \xff utf8", "valid UTF-8"},
		{strings.Repeat("a", MaxTextLength), ""},
		{strings.Repeat("a", MaxTextLength+1), "at most 1024 bytes"},
	}
	for _, tt := range tests {
		err := Text(KindDescription, tt.in)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Text(%.40q) = %v, want %q", tt.in, err, tt.err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("Text(%.40q): error holds a control character: %q", tt.in, err)
		}
	}
}

func TestMail(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{"jdoe@example.org", ""},
		{"j.doe+ipa@mail.example.org", ""},
		{"o'brien@example.ie", ""},
		{"", "must not be empty"},
		{"jdoe", "not an address"},
		{"a@b@c.org", "not an address"},
		{"jdoe@example.org\n", "byte 0x0a"},
		{"jdoe@example.org\nBcc: x@y.org", "byte 0x0a"},
		{"Jane Doe <jdoe@example.org>", "byte 0x20"},
		{"<jdoe@example.org>", "bare address"},
		{"jdoe@example.org(comment)", "bare address"},
		{"a@b.org,c@d.org", "not an address"},
		{`"a"@example.org`, "bare address"},
		{"jdoe@localhost", "FreeIPA's e-mail format"},
		{"jdoe@[192.0.2.1]", "FreeIPA's e-mail format"},
		{"jdoe@example.123", "FreeIPA's e-mail format"},
		{"jdœ@example.org", "byte 0xc5"},
		{strings.Repeat("a", 250) + "@x.org", "at most 254 bytes"},
	}
	for _, tt := range tests {
		err := Mail(tt.in)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Mail(%q) = %v, want %q", tt.in, err, tt.err)
		}
	}
}

// TestDotLogins: "." and ".." match FreeIPA's pattern but are path components (a
// login ".." would get homeDirectory /home/..).
func TestDotLogins(t *testing.T) {
	for _, s := range []string{".", ".."} {
		for _, fn := range []func(string) error{User, Group, Hostgroup, Cluster, Role} {
			if err := fn(s); err == nil || !strings.Contains(err.Error(), `must not be "." or ".."`) {
				t.Errorf("%q accepted (%v)", s, err)
			}
		}
	}
	for _, s := range []string{"...", ".hidden", "j.doe", "_svc", "a."} {
		if err := User(s); err != nil {
			t.Errorf("User(%q) = %v, FreeIPA's pattern accepts it", s, err)
		}
	}
}
