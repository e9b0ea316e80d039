package ipaconf

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRead(t *testing.T) {
	conf := `# ipa default.conf
[global]
basedn = dc=example,dc=test
realm = EXAMPLE.TEST
domain = example.test
server = ipa1.example.test
xmlrpc_uri = https://ipa2.example.test/ipa/xml
enable_ra = False

[other]
server = ignored.example.test
`
	p := filepath.Join(t.TempDir(), "default.conf")
	os.WriteFile(p, []byte(conf), 0o644)
	c, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	want := Conf{Server: "ipa1.example.test", XMLRPCURI: "https://ipa2.example.test/ipa/xml",
		BaseDN: "dc=example,dc=test", Realm: "EXAMPLE.TEST", Domain: "example.test"}
	if *c != want {
		t.Fatalf("got %+v", *c)
	}
	if servers := c.Servers(); !slices.Equal(servers, []string{"ldaps://ipa1.example.test", "ldaps://ipa2.example.test"}) {
		t.Fatalf("servers %v", servers)
	}
	same := &Conf{Server: "ipa1.example.test", XMLRPCURI: "https://IPA1.example.test/ipa/xml"}
	if got := same.Servers(); len(got) != 1 {
		t.Fatalf("duplicates kept: %v", got)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file gave no error")
	}
}
