package realm

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
)

func TestResolve(t *testing.T) {
	v := func(val string, src config.Source) config.Value {
		return config.Value{Key: "realm", Value: val, Source: src}
	}
	tests := []struct {
		name       string
		dir        string
		configured config.Value
		want       string
		mismatch   bool
	}{
		{"directory wins over krb5.conf", "EXAMPLE.TEST", v("ATHENA.MIT.EDU", config.FromKrb5Conf), "EXAMPLE.TEST", false},
		{"directory wins over default.conf", "EXAMPLE.TEST", v("OLD.TEST", config.FromIPAConf), "EXAMPLE.TEST", false},
		{"flag agrees", "EXAMPLE.TEST", v("EXAMPLE.TEST", config.FromFlag), "EXAMPLE.TEST", false},
		{"flag disagrees", "EXAMPLE.TEST", v("OTHER.TEST", config.FromFlag), "", true},
		{"flag differs in case: another realm", "EXAMPLE.TEST", v("example.test", config.FromFlag), "", true},
		{"env disagrees", "EXAMPLE.TEST", v("OTHER.TEST", config.FromEnv), "", true},
		{"config file disagrees", "EXAMPLE.TEST", v("OTHER.TEST", config.FromFile), "", true},
		{"no directory realm: default.conf", "", v("IPA.TEST", config.FromIPAConf), "IPA.TEST", false},
		{"no directory realm: flag", "", v("FLAG.TEST", config.FromFlag), "FLAG.TEST", false},
		{"nothing", "", config.Value{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.dir, tt.configured)
			var me *MismatchError
			if tt.mismatch {
				if !errors.As(err, &me) || !strings.Contains(err.Error(), "disagrees with the directory's Kerberos realm \""+tt.dir+"\"") {
					t.Fatalf("err = %v, want a mismatch", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestFromEntries(t *testing.T) {
	s := "dc=example,dc=test"
	c := func(dn string) *directory.Entry {
		return directory.NewEntry(dn, directory.A("objectClass", "top", "krbRealmContainer"), directory.A("cn", directory.RDNValue(dn)))
	}
	if got := FromEntries([]*directory.Entry{c("cn=ELSEWHERE,cn=x," + s), c("cn=EXAMPLE.TEST,cn=kerberos," + s)}, s); got != "EXAMPLE.TEST" {
		t.Errorf("got %q", got)
	}
	if got := FromEntries([]*directory.Entry{c("cn=ELSEWHERE,cn=x," + s)}, s); got != "" {
		t.Errorf("a container outside cn=kerberos: got %q", got)
	}
}
