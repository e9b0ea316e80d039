package testenv

import (
	"os"
	"strings"
	"testing"
)

func TestLiveEnvFiles(t *testing.T) {
	env := Live(t)
	for name, path := range map[string]string{
		VarCA:                   env.CAFile,
		VarKrb5Config:           env.Krb5Config,
		VarAdminKeytab:          env.AdminKeytab,
		VarAdminPasswordFile:    env.AdminPasswordFile,
		VarDelegateKeytab:       env.DelegateKeytab,
		VarDelegatePasswordFile: env.DelegatePasswordFile,
		VarDMPasswordFile:       env.DMPasswordFile,
	} {
		if path == "" {
			t.Errorf("%s is empty", name)
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Size() == 0 {
			t.Errorf("%s: %s is empty", name, path)
		}
		if strings.HasSuffix(name, "_PASSWORD_FILE") || strings.HasSuffix(name, "_KEYTAB") {
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s: %s has mode %v, want no group/other access", name, path, perm)
			}
		}
	}
	for name, v := range map[string]string{
		VarLDAPSURL: env.LDAPSURL, VarLDAPURL: env.LDAPURL, VarSuffix: env.Suffix,
		VarRealm: env.Realm, VarDomain: env.Domain, VarDSInstance: env.DSInstance,
	} {
		if v == "" {
			t.Errorf("%s is empty", name)
		}
	}
	if !strings.HasPrefix(env.LDAPSURL, "ldaps://") {
		t.Errorf("%s = %q, want an ldaps:// URL", VarLDAPSURL, env.LDAPSURL)
	}
	if got := DMPassword(t); got == "" || strings.ContainsAny(got, "\r\n") {
		t.Errorf("DMPassword() = %q, want a one-line password", got)
	}
	if want := "uid=admin,cn=users,cn=accounts," + env.Suffix; env.AdminDN() != want {
		t.Errorf("AdminDN() = %q, want %q", env.AdminDN(), want)
	}
}

func TestLiveSkipsOrFails(t *testing.T) {
	if Available() {
		t.Skip("live environment set")
	}
	// Run Live in a subtest whose outcome we inspect through a fake TB.
	ft := &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		Live(ft)
	}()
	if InCI() {
		if !ft.fatal || !strings.Contains(ft.msg, "required in CI") {
			t.Errorf("in CI: fatal=%v msg=%q, want a fatal failure", ft.fatal, ft.msg)
		}
	} else if !ft.skipped {
		t.Errorf("outside CI: want a skip, got fatal=%v msg=%q", ft.fatal, ft.msg)
	}
}

// fakeTB records Skip/Fatal instead of ending the test; it panics to stop the
// caller the way runtime.Goexit would.
type fakeTB struct {
	testing.TB
	skipped, fatal bool
	msg            string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped = true
	panic("skip")
}
func (f *fakeTB) Fatal(args ...any) {
	f.fatal = true
	if len(args) > 0 {
		if s, ok := args[0].(string); ok {
			f.msg = s
		}
	}
	panic("fatal")
}
