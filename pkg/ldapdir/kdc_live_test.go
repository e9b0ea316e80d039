package ldapdir

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/testenv"
	"github.com/accessctl/accessctl/pkg/krb5conf"
)

// TestLiveKdcinfo binds with a krb5.conf that names no KDC and leaves dns_lookup_kdc at
// MIT's default, as ipa-client-install writes it with DNS discovery: the KDC comes
// from sssd's kdcinfo file (a temporary pubconf directory here), and without one the
// bind fails with one line naming what was tried (the test bed has no DNS).
func TestLiveKdcinfo(t *testing.T) {
	l := liveEnv(t)
	e := testenv.Live(t)
	orig, err := os.ReadFile(e.Krb5Config)
	if err != nil {
		t.Fatal(err)
	}
	kdc := regexp.MustCompile(`(?m)^\s*kdc\s*=\s*(\S+)\s*$`).FindSubmatch(orig)
	if kdc == nil {
		t.Fatal("the test krb5.conf has no kdc line")
	}
	conf := regexp.MustCompile(`(?m)^\s*(kdc|dns_lookup_kdc)\s*=.*\n`).ReplaceAll(orig, nil)
	if strings.Contains(string(conf), "kdc =") || strings.Contains(string(conf), "dns_lookup_kdc") {
		t.Fatalf("kdc settings left in:\n%s", conf)
	}
	dir := t.TempDir()
	noKDC := filepath.Join(dir, "krb5.conf")
	if err := os.WriteFile(noKDC, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	withInfo, empty := filepath.Join(dir, "pubconf"), filepath.Join(dir, "empty")
	os.Mkdir(withInfo, 0o755)
	os.Mkdir(empty, 0o755)
	if err := os.WriteFile(filepath.Join(withInfo, "kdcinfo."+l.realm), append(kdc[1], '\n'), 0o644); err != nil {
		t.Fatal(err)
	}

	// A FILE cache with a TGT only, made by MIT's kinit with the full configuration.
	cc := filepath.Join(dir, "cc")
	if kinit, err := exec.LookPath("kinit"); err == nil {
		cmd := exec.Command(kinit, "-k", "-t", l.adminKeytab, "-c", "FILE:"+cc, principal(t, l.adminKeytab))
		cmd.Env = append(os.Environ(), "KRB5_CONFIG="+e.Krb5Config)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kinit: %v: %s", err, out)
		}
	} else {
		cc = ""
	}
	binds := map[string]GSSAPI{"keytab": {Keytab: l.adminKeytab, Principal: principal(t, l.adminKeytab), Krb5Conf: noKDC}}
	if cc != "" {
		binds["ccache"] = GSSAPI{CCache: "FILE:" + cc, Krb5Conf: noKDC}
	}
	for name, bind := range binds {
		t.Run(name+" with kdcinfo", func(t *testing.T) {
			t.Setenv(krb5conf.PubconfEnv, withInfo)
			o := l.opts(t, l.ldapsURL)
			o.Bind = bind
			c := dial(t, o)
			if got := whoami(t, c); !strings.EqualFold(got, userDN(l, "admin")) {
				t.Fatalf("whoami = %q", got)
			}
		})
	}
	// The keytab case: the ccache one now holds the service ticket and needs no KDC.
	t.Run("keytab without kdcinfo", func(t *testing.T) {
		t.Setenv(krb5conf.PubconfEnv, empty)
		o := l.opts(t, l.ldapsURL)
		o.Bind = binds["keytab"]
		_, err := Dial(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "no KDC found for realm "+l.realm) {
			t.Fatalf("err = %v, want no KDC found", err)
		}
	})
	if cc != "" {
		t.Run("ccache with a stored service ticket needs no KDC", func(t *testing.T) {
			t.Setenv(krb5conf.PubconfEnv, empty)
			o := l.opts(t, l.ldapsURL)
			o.Bind = binds["ccache"]
			c := dial(t, o)
			if got := whoami(t, c); !strings.EqualFold(got, userDN(l, "admin")) {
				t.Fatalf("whoami = %q", got)
			}
		})
	}
}
