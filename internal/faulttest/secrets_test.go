package faulttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// noSecret fails when secret occurs in any of the texts.
func noSecret(t *testing.T, secret string, texts map[string]string) {
	t.Helper()
	if len(secret) < 8 {
		t.Fatalf("secret %q too short to search for", secret)
	}
	for name, s := range texts {
		if strings.Contains(s, secret) {
			t.Errorf("the secret appears in %s:\n%s", name, s)
		}
	}
}

func sandboxFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.ldif")
	if err := sandbox.Init(p, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServicePasswordOnlyInItsFile: `service binddn create --debug` writes the
// generated password to the 0600 --password-file and nowhere else: not stdout, not
// stderr (debug included), not the plan's JSON.
func TestServicePasswordOnlyInItsFile(t *testing.T) {
	sb := sandboxFile(t)
	pw := filepath.Join(t.TempDir(), "svc.pw")
	r := cli(t, []string{"ACCESSCTL_SANDBOX=" + sb}, "--debug", "service", "binddn", "create", "benchsvc", "--password-file", pw, "--yes")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(pw)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(data))
	if fi, _ := os.Stat(pw); fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", fi.Mode().Perm())
	}
	plan := cli(t, []string{"ACCESSCTL_SANDBOX=" + sb}, "--debug", "service", "binddn", "create", "benchsvc2",
		"--password-file", filepath.Join(t.TempDir(), "p2"), "--dry-run", "-o", "json")
	list := cli(t, []string{"ACCESSCTL_SANDBOX=" + sb}, "--debug", "service", "binddn", "list", "-o", "json")
	noSecret(t, secret, map[string]string{"stdout": r.stdout, "stderr (--debug)": r.stderr,
		"list stdout": list.stdout, "list stderr": list.stderr, "another plan": plan.stdout + plan.stderr})
	// the directory stores a hash (or the sandbox's copy), never in another file
	entries, _ := os.ReadDir(filepath.Dir(pw))
	for _, e := range entries {
		if e.Name() == filepath.Base(pw) {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(pw), e.Name()))
		noSecret(t, secret, map[string]string{e.Name(): string(b)})
	}
}

// TestPasswordNotInErrors: a simple bind with --password-file against a wrong server,
// and against the right server with a wrong DN, fails without the password in the
// error, and the password never is an argument (there is no flag that takes one).
func TestPasswordNotInErrors(t *testing.T) {
	secret := "S3cret-" + cmdtest.Name("pw") + "-never-shown"
	pf := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pf, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	dead := closedURL(t, "ldaps://localhost:636")
	r := cli(t, nil, "--debug", "--server", dead, "--bind-dn", "uid=admin,cn=users,cn=accounts,dc=example,dc=test",
		"--password-file", pf, "--connect-timeout", "1s", "whoami")
	if r.code == 0 {
		t.Fatal("whoami against a closed port succeeded")
	}
	texts["wrong server"] = r.stdout + r.stderr
	if cmdtest.LiveConfigured() {
		r = cli(t, nil, "--debug", "--server", os.Getenv("ACCESSCTL_TEST_LDAPS_URL"), "--ca-file", os.Getenv("ACCESSCTL_TEST_CA"),
			"--bind-dn", "uid=admin,cn=users,cn=accounts,"+os.Getenv("ACCESSCTL_TEST_SUFFIX"), "--password-file", pf, "whoami")
		if r.code == 0 {
			t.Fatal("bind with a wrong password succeeded")
		}
		if !strings.Contains(strings.ToLower(r.stderr), "credentials") && !strings.Contains(strings.ToLower(r.stderr), "bind") {
			t.Errorf("wrong password not reported as a bind failure: %s", r.stderr)
		}
		texts["wrong password"] = r.stdout + r.stderr
	}
	noSecret(t, secret, texts)
	// No flag takes a secret on the command line.
	help := cli(t, nil, "--help")
	for _, l := range strings.Split(help.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.HasPrefix(f[0], "--") && strings.Contains(f[0], "password") &&
			!strings.HasSuffix(strings.TrimSuffix(f[0], ","), "-file") {
			t.Errorf("global flag %s takes a password in argv", f[0])
		}
	}
}

// TestOffboardRecordHasNoSecrets: the offboarding record (before-state) leaves out the
// user's password hash and Kerberos keys.
func TestOffboardRecordHasNoSecrets(t *testing.T) {
	sb := sandboxFile(t)
	hash := "{PBKDF2_SHA256}AAAIAFakeHashForTheRecordTest" + cmdtest.Name("h")
	d, err := sandbox.Open(sb)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Suffix()
	if err := setAttr(d, "uid=jdoe,cn=users,cn=accounts,"+s, "userPassword", hash); err != nil {
		t.Fatal(err)
	}
	recs := t.TempDir()
	r := cli(t, []string{"ACCESSCTL_SANDBOX=" + sb}, "--debug", "user", "offboard", "jdoe", "--yes", "--records", recs, "-o", "json")
	if r.code != 0 {
		t.Fatalf("offboard: exit %d: %s", r.code, r.stderr)
	}
	texts := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	files, _ := filepath.Glob(filepath.Join(recs, "*"))
	if len(files) == 0 {
		t.Fatal("no offboarding record written")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !json.Valid(b) {
			t.Errorf("record %s is not JSON", f)
		}
		texts[filepath.Base(f)] = string(b)
	}
	noSecret(t, hash, texts)
}
