package service

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// runService runs `service binddn ARGS...` through cobra on dir, with conv as the
// conventions (nil: the defaults) and the live CA configured.
func runService(t *testing.T, dir directory.Client, conv *siteconv.Conventions, args ...string) (string, string, error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	f.Config = func() (*config.Config, error) {
		return config.Load(map[string]string{"ca-file": os.Getenv("ACCESSCTL_TEST_CA")}, config.Paths{})
	}
	if conv != nil {
		f.Conventions = func() (*siteconv.Conventions, error) { return conv, nil }
	}
	err := execBindDN(f, args...)
	return out.String(), errOut.String(), err
}

// execBindDN runs `service binddn ARGS...` through cobra with f.
func execBindDN(f *cmdutil.Factory, args ...string) error {
	cmd := NewCmdService(f)
	cmd.SetArgs(append([]string{"binddn"}, args...))
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

const userPassword = "Binddn-guard-test-pw-1"

// testUser makes a fresh user with a known password (set as Directory Manager on the
// live directory) and returns its login and DN.
func testUser(t *testing.T, dir directory.Client, live bool) (string, string) {
	t.Helper()
	ctx := context.Background()
	login := cmdtest.Name("bu")
	dn := ipa.UserDN(login, dir.Suffix())
	f, _, errOut := cmdtest.Factory(t, dir)
	cmd := create.NewCmdCreate(f, nil)
	cmd.SetArgs([]string{login, "--first", "Bind", "--last", "Guard", "--yes"})
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("user create: %v\n%s", err, errOut)
	}
	t.Cleanup(func() {
		_ = dir.Delete(ctx, dn)
		_ = dir.Delete(ctx, ipa.GroupDN(login, dir.Suffix()))
	})
	setDM := dir
	if live {
		setDM = dmClient(t)
	}
	if err := setDM.Modify(ctx, dn, []directory.Mod{{Op: directory.ModReplace, Attr: "userPassword", Values: []string{userPassword}}}); err != nil {
		t.Fatalf("set the user's password: %v", err)
	}
	return login, dn
}

func dmClient(t *testing.T) directory.Client {
	t.Helper()
	pw, err := os.ReadFile(os.Getenv("ACCESSCTL_TEST_DM_PASSWORD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ldapdir.Dial(ctx, ldapdir.Options{Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")}, CAFile: os.Getenv("ACCESSCTL_TEST_CA"),
		Bind: ldapdir.Simple{DN: "cn=Directory Manager", Password: strings.TrimSpace(string(pw))}})
	if err != nil {
		t.Fatalf("bind as directory manager: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exists reports whether dn is in the directory.
func exists(t *testing.T, dir directory.Client, dn string) bool {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)"})
	if directory.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatalf("read %s: %v", dn, err)
	}
	return len(es) == 1
}

// passwordIs checks the entry's password: by a bind on the live directory, by the
// stored value on the sandbox.
func passwordIs(t *testing.T, dir directory.Client, live bool, dn, pw string) {
	t.Helper()
	if live {
		bindOK(t, dn, pw, true)
		return
	}
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"userPassword"}})
	if err != nil || len(es) != 1 || es[0].First("userPassword") != pw {
		t.Fatalf("password of %s changed (err %v)", dn, err)
	}
}

// TestBindDNActsOnlyOnSysaccounts: with a conventions file whose bind_dn names users,
// rotate, delete and create are refused at the action point; the user keeps its
// entry and its password.
func TestBindDNActsOnlyOnSysaccounts(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			live := b.Name == "live"
			login, dn := testUser(t, dir, live)
			bad := siteconv.Default()
			bad.Service.BindDN = "uid={name},cn=users,cn=accounts,{suffix}"
			pwFile := filepath.Join(t.TempDir(), "pw")
			for _, args := range [][]string{
				{"rotate", login, "--password-file", pwFile, "--yes"},
				{"rotate", login, "--emit", "ldif", "--password-file", pwFile},
				{"delete", login, "--yes"},
				{"delete", login, "--emit", "ldif"},
				{"create", login, "--password-file", pwFile, "--yes"},
				{"create", cmdtest.Name("nu"), "--password-file", pwFile, "--yes"},
			} {
				out, _, err := runService(t, dir, bad, args...)
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "refusing to act on") {
					t.Errorf("%v: err %v (exit %d), want exit 2 refusing", args, err, cmdutil.ExitCode(err))
				}
				if out != "" {
					t.Errorf("%v: printed %q", args, out)
				}
				if _, err := os.Lstat(pwFile); err == nil {
					t.Fatalf("%v: wrote the password file", args)
				}
				if !exists(t, dir, dn) {
					t.Fatalf("%v: the user was deleted", args)
				}
				passwordIs(t, dir, live, dn, userPassword)
			}
			// A template inside cn=sysaccounts that names a non-sysaccount entry: the
			// entry's shape is checked too (a group put there by hand).
			odd := "cn=" + cmdtest.Name("og") + ",cn=sysaccounts,cn=etc," + dir.Suffix()
			e := directory.NewEntry(odd, directory.A("objectClass", "top", "groupOfNames", "nestedGroup"), directory.A("cn", directory.RDNValue(odd)))
			if _, err := dir.Add(context.Background(), e); err != nil {
				t.Fatalf("add %s: %v", odd, err)
			}
			t.Cleanup(func() { _ = dir.Delete(context.Background(), odd) })
			cn := siteconv.Default()
			cn.Service.BindDN = "cn={name},cn=sysaccounts,cn=etc,{suffix}"
			_, _, err := runService(t, dir, cn, "delete", directory.RDNValue(odd), "--yes")
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "not a service bind dn") || !exists(t, dir, odd) {
				t.Errorf("delete of a group under sysaccounts: err %v", err)
			}
		})
	}
}

// TestPasswordFileFirst: when the password file cannot be created, the account is not
// created and an existing account keeps its password (exit 2, one line).
func TestPasswordFileFirst(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			live := b.Name == "live"
			name := cmdtest.Name("sf")
			dn := "uid=" + name + ",cn=sysaccounts,cn=etc," + dir.Suffix()
			t.Cleanup(func() { _ = dir.Delete(context.Background(), dn) })
			bad := []string{"/proc/self/" + name, filepath.Join(t.TempDir(), "no", "such", "dir", "pw")}
			for _, path := range bad {
				_, _, err := runService(t, dir, nil, "create", name, "--password-file", path, "--yes")
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "nothing was changed") || strings.Contains(err.Error(), "\n") {
					t.Errorf("create with password file %s: err %v (exit %d)", path, err, cmdutil.ExitCode(err))
				}
				if exists(t, dir, dn) {
					t.Fatalf("create with password file %s: the account was created", path)
				}
			}
			good := filepath.Join(t.TempDir(), "pw")
			if _, errOut, err := runService(t, dir, nil, "create", name, "--password-file", good, "--yes"); err != nil {
				t.Fatalf("create: %v\n%s", err, errOut)
			}
			data, _ := os.ReadFile(good)
			pw := strings.TrimSpace(string(data))
			for _, path := range bad {
				_, _, err := runService(t, dir, nil, "rotate", name, "--password-file", path, "--yes")
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "nothing was changed") {
					t.Errorf("rotate with password file %s: err %v (exit %d)", path, err, cmdutil.ExitCode(err))
				}
				passwordIs(t, dir, live, dn, pw)
			}
		})
	}
}

// TestEmitLDIFCarriesTheSecret: --emit ldif needs a destination, writes the LDIF with the
// real password there (0600), prints no secret, changes nothing; applied with
// ldapadd/ldapmodify (live), the account binds with the generated password.
func TestEmitLDIFCarriesTheSecret(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			live := b.Name == "live"
			name := cmdtest.Name("el")
			dn := "uid=" + name + ",cn=sysaccounts,cn=etc," + dir.Suffix()
			t.Cleanup(func() { _ = dir.Delete(context.Background(), dn) })
			tmp := t.TempDir()

			if _, _, err := runService(t, dir, nil, "create", name, "--emit", "ldif"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "needs a destination") {
				t.Fatalf("--emit ldif without a destination: %v", err)
			}
			addFile := filepath.Join(tmp, "add.ldif")
			out, errOut, err := runService(t, dir, nil, "create", name, "--emit", "ldif", "--password-file", addFile)
			if err != nil {
				t.Fatalf("create --emit ldif: %v\n%s", err, errOut)
			}
			pw := checkLDIF(t, addFile, dn, "changetype: add")
			if strings.Contains(out+errOut, pw) || out != "" {
				t.Fatalf("stdout %q / stderr %q carry output or the secret", out, errOut)
			}
			if exists(t, dir, dn) {
				t.Fatal("--emit ldif created the account")
			}
			if !live {
				// --show-password: the same LDIF on stdout.
				out, _, err := runService(t, dir, nil, "create", name, "--emit", "ldif", "--show-password")
				if err != nil || !regexp.MustCompile(`(?m)^userPassword: [A-Za-z0-9]{32,}$`).MatchString(out) || strings.Contains(out, "PGhpZGRlbj4") {
					t.Fatalf("--emit ldif --show-password: %v\n%s", err, out)
				}
				return
			}
			ldapTool(t, "ldapadd", addFile)
			bindOK(t, dn, pw, true)

			modFile := filepath.Join(tmp, "mod.ldif")
			if _, errOut, err := runService(t, dir, nil, "rotate", name, "--emit", "ldif", "--password-file", modFile); err != nil {
				t.Fatalf("rotate --emit ldif: %v\n%s", err, errOut)
			}
			pw2 := checkLDIF(t, modFile, dn, "changetype: modify")
			bindOK(t, dn, pw, true) // emitting changed nothing
			ldapTool(t, "ldapmodify", modFile)
			bindOK(t, dn, pw2, true)
			bindOK(t, dn, pw, false)
		})
	}
}

// checkLDIF asserts the emitted file's mode and content and returns its password.
func checkLDIF(t *testing.T, path, dn, changetype string) string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v", path, err, st)
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	m := regexp.MustCompile(`(?m)^userPassword: ([A-Za-z0-9]{32,})$`).FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, "dn: "+dn+"\n") || !strings.Contains(text, changetype+"\n") ||
		strings.Contains(text, "hidden") || strings.Contains(text, "PGhpZGRlbj4") {
		t.Fatalf("emitted LDIF:\n%s", text)
	}
	return m[1]
}

// ldapTool applies an LDIF file with OpenLDAP's client as Directory Manager.
func ldapTool(t *testing.T, tool, file string) {
	t.Helper()
	pw, err := os.ReadFile(os.Getenv("ACCESSCTL_TEST_DM_PASSWORD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "dm")
	os.WriteFile(pwFile, []byte(strings.TrimSpace(string(pw))), 0o600)
	cmd := exec.Command(tool, "-x", "-H", os.Getenv("ACCESSCTL_TEST_LDAPS_URL"), "-D", "cn=Directory Manager", "-y", pwFile, "-f", file)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+os.Getenv("ACCESSCTL_TEST_CA"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s -f %s: %v\n%s", tool, file, err, out)
	}
}
