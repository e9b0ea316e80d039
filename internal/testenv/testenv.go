// Package testenv gives tests the live test directory started by
// testdata/ds/up (389-ds with FreeIPA's schema, tree and plugins, plus an MIT
// KDC). `make test` starts it and exports its settings; see testdata/ds/up.
//
// A test that needs the directory calls Live. Without the environment the test
// is skipped, except in CI (CI=true), where a missing directory is a failure.
package testenv

import (
	"os"
	"strings"
	"testing"
)

// Names of the environment variables written by testdata/ds/up to $DS_STATE/env.
const (
	VarLDAPSURL             = "ACCESSCTL_TEST_LDAPS_URL"
	VarLDAPURL              = "ACCESSCTL_TEST_LDAP_URL"
	VarCA                   = "ACCESSCTL_TEST_CA"
	VarSuffix               = "ACCESSCTL_TEST_SUFFIX"
	VarRealm                = "ACCESSCTL_TEST_REALM"
	VarDomain               = "ACCESSCTL_TEST_DOMAIN"
	VarKrb5Config           = "KRB5_CONFIG"
	VarAdminKeytab          = "ACCESSCTL_TEST_ADMIN_KEYTAB"
	VarAdminPasswordFile    = "ACCESSCTL_TEST_ADMIN_PASSWORD_FILE"
	VarDelegateKeytab       = "ACCESSCTL_TEST_DELEGATE_KEYTAB"
	VarDelegatePasswordFile = "ACCESSCTL_TEST_DELEGATE_PASSWORD_FILE"
	VarDMPasswordFile       = "ACCESSCTL_TEST_DM_PASSWORD_FILE"
	VarDSInstance           = "ACCESSCTL_TEST_DS_INSTANCE"
	missingInCI             = "live test directory required in CI: run testdata/ds/up"
)

// Env is the live test directory's settings.
type Env struct {
	LDAPSURL             string // ldaps://localhost:3636
	LDAPURL              string // ldap://localhost:3389 (minssf 56: plain binds are refused)
	CAFile               string // CA certificate of the server certificate
	Suffix               string // dc=example,dc=test
	Realm                string // EXAMPLE.TEST
	Domain               string // example.test
	Krb5Config           string // krb5.conf of the test realm
	AdminKeytab          string // keytab of admin@REALM (member of admins)
	AdminPasswordFile    string // admin's Kerberos and LDAP password
	DelegateKeytab       string // keytab of delegate@REALM (ipausers only)
	DelegatePasswordFile string // delegate's Kerberos and LDAP password
	DMPasswordFile       string // Directory Manager's password, for test set-up only
	DSInstance           string // 389-ds instance name
}

// AdminDN is the DN of the admin user.
func (e Env) AdminDN() string { return "uid=admin,cn=users,cn=accounts," + e.Suffix }

// DelegateDN is the DN of the delegated non-admin user.
func (e Env) DelegateDN() string { return "uid=delegate,cn=users,cn=accounts," + e.Suffix }

// AdminPrincipal is admin's Kerberos principal name.
func (e Env) AdminPrincipal() string { return "admin@" + e.Realm }

// DelegatePrincipal is delegate's Kerberos principal name.
func (e Env) DelegatePrincipal() string { return "delegate@" + e.Realm }

// InCI reports whether the tests run in CI (CI=true), where live tests must not skip.
func InCI() bool { return strings.EqualFold(os.Getenv("CI"), "true") }

// Available reports whether the live directory's environment is set.
func Available() bool { return os.Getenv(VarLDAPSURL) != "" }

// Live returns the live test directory's settings. Without them it skips the
// test, or fails it when CI=true.
func Live(t testing.TB) Env {
	t.Helper()
	if !Available() {
		if InCI() {
			t.Fatal(missingInCI)
		}
		t.Skip("live test directory not configured (run testdata/ds/up and source its env file)")
	}
	return Env{
		LDAPSURL:             os.Getenv(VarLDAPSURL),
		LDAPURL:              os.Getenv(VarLDAPURL),
		CAFile:               os.Getenv(VarCA),
		Suffix:               os.Getenv(VarSuffix),
		Realm:                os.Getenv(VarRealm),
		Domain:               os.Getenv(VarDomain),
		Krb5Config:           os.Getenv(VarKrb5Config),
		AdminKeytab:          os.Getenv(VarAdminKeytab),
		AdminPasswordFile:    os.Getenv(VarAdminPasswordFile),
		DelegateKeytab:       os.Getenv(VarDelegateKeytab),
		DelegatePasswordFile: os.Getenv(VarDelegatePasswordFile),
		DMPasswordFile:       os.Getenv(VarDMPasswordFile),
		DSInstance:           os.Getenv(VarDSInstance),
	}
}

// DMPassword returns the Directory Manager password of the live directory,
// for test set-up only (tests themselves bind as admin or delegate).
func DMPassword(t testing.TB) string {
	t.Helper()
	return readSecret(t, Live(t).DMPasswordFile)
}

// AdminPassword returns admin's password (Kerberos and LDAP simple bind).
func AdminPassword(t testing.TB) string {
	t.Helper()
	return readSecret(t, Live(t).AdminPasswordFile)
}

// DelegatePassword returns delegate's password (Kerberos and LDAP simple bind).
func DelegatePassword(t testing.TB) string {
	t.Helper()
	return readSecret(t, Live(t).DelegatePasswordFile)
}

func readSecret(t testing.TB, path string) string {
	t.Helper()
	if path == "" {
		t.Fatal("password file of the live test directory not set")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read password file: %v", err)
	}
	return strings.TrimRight(string(b), "\r\n")
}
