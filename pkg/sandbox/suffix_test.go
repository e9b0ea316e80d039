package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckSuffix(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"dc=example,dc=test", "dc=example,dc=test", ""},
		{"DC=Lab, dc=Example ,dc=test", "dc=Lab,dc=Example,dc=test", ""},
		{"dc=x", "dc=x", ""},
		{`dc=x\,cn\=evil`, "", "must be a DNS label"},
		{`dc=x\2ccn=evil`, "", "must be a DNS label"},
		{"dc=x\ndn: cn=evil", "", "must be a DNS label"},
		{"o=example", "", "want dc="},
		{"cn=admins,dc=test", "", "want dc="},
		{"dc=a+dc=b", "", "multi-valued"},
		{"dc=-x", "", "must be a DNS label"},
		{"", "", "1 to 255 bytes"},
		{"dc=" + strings.Repeat("a", 300), "", "1 to 255 bytes"},
		{"not a dn", "", "not a DN"},
	}
	for _, tt := range tests {
		got, err := CheckSuffix(tt.in)
		if tt.err == "" && (err != nil || got != tt.want) || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckSuffix(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	for _, r := range []string{"EXAMPLE.TEST", "LAB-1.EXAMPLE.TEST"} {
		if err := CheckRealm(r); err != nil {
			t.Errorf("CheckRealm(%q) = %v", r, err)
		}
	}
	for _, r := range []string{"example.test", "EXAMPLE.TEST\nX", "A,B", "_X"} {
		if CheckRealm(r) == nil {
			t.Errorf("CheckRealm(%q) accepted", r)
		}
	}
}

// TestInitRefusesBadSuffix: Init (also used when a sandbox is created on first use,
// with the configured suffix) refuses before writing anything.
func TestInitRefusesBadSuffix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.ldif")
	for _, o := range []InitOptions{{Suffix: `dc=x\,cn\=evil`}, {Realm: "EVIL,CN=X"}} {
		if err := Init(path, o); err == nil {
			t.Errorf("Init(%+v) accepted", o)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("Init(%+v) wrote a file", o)
		}
	}
}
