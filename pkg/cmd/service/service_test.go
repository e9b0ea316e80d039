package service

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir"
)

// TestCreateRotateDelete on both backends: the password reaches only the 0600 file; on
// the live directory a bind as the new DN succeeds, and after rotate only the new one.
func TestCreateRotateDelete(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			name := cmdtest.Name("svc")
			tmp := t.TempDir()
			pw1 := filepath.Join(tmp, "pw1")
			f, out, errOut := cmdtest.Factory(t, dir)
			f.Config = func() (*config.Config, error) {
				return config.Load(map[string]string{"ca-file": os.Getenv("ACCESSCTL_TEST_CA")}, config.Paths{})
			}
			if err := execBindDN(f, "create", name, "--password-file", pw1, "--yes"); err != nil {
				t.Fatalf("create: %v\n%s", err, errOut)
			}
			data, err := os.ReadFile(pw1)
			if err != nil {
				t.Fatal(err)
			}
			pw := strings.TrimSpace(string(data))
			if !regexp.MustCompile(`^[A-Za-z0-9]{32,}$`).MatchString(pw) {
				t.Fatalf("password %d chars", len(pw))
			}
			if st, _ := os.Stat(pw1); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", st.Mode().Perm())
			}
			if strings.Contains(out.String(), pw) || strings.Contains(errOut.String(), pw) {
				t.Fatal("password leaked to stdout/stderr")
			}
			if !strings.Contains(out.String(), "userPassword: <hidden>") {
				t.Errorf("plan:\n%s", out)
			}
			dn := "uid=" + name + ",cn=sysaccounts,cn=etc," + dir.Suffix()
			if b.Name == "live" {
				if !strings.Contains(errOut.String(), "Bound as "+dn) && !strings.Contains(strings.ToLower(errOut.String()), "bound as "+strings.ToLower(dn)) {
					t.Errorf("no bind proof:\n%s", errOut)
				}
				bindOK(t, dn, pw, true)
			}
			// Rotate.
			pw2f := filepath.Join(tmp, "pw2")
			f, out, errOut = cmdtest.Factory(t, dir)
			f.Config = func() (*config.Config, error) {
				return config.Load(map[string]string{"ca-file": os.Getenv("ACCESSCTL_TEST_CA")}, config.Paths{})
			}
			if err := execBindDN(f, "rotate", name, "--password-file", pw2f, "--yes"); err != nil {
				t.Fatalf("rotate: %v\n%s", err, errOut)
			}
			data, _ = os.ReadFile(pw2f)
			pw2 := strings.TrimSpace(string(data))
			if pw2 == pw || len(pw2) < 32 || strings.Contains(out.String(), pw2) {
				t.Fatalf("rotate: bad new password or leaked")
			}
			if b.Name == "live" {
				bindOK(t, dn, pw2, true)
				bindOK(t, dn, pw, false)
			}
			// Delete.
			f, _, _ = cmdtest.Factory(t, dir)
			if err := execBindDN(f, "delete", name, "--yes"); err != nil {
				t.Fatal(err)
			}
			if _, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)"}); !directory.IsNotFound(err) {
				t.Fatalf("still there: %v", err)
			}
		})
	}
}

func bindOK(t *testing.T, dn, pw string, want bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ldapdir.Dial(ctx, ldapdir.Options{Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")}, CAFile: os.Getenv("ACCESSCTL_TEST_CA"),
		Bind: ldapdir.Simple{DN: dn, Password: pw}})
	if c != nil {
		defer c.Close()
	}
	if want && err != nil {
		t.Fatalf("bind as %s: %v", dn, err)
	}
	if !want && err == nil {
		t.Fatalf("bind as %s with the old password succeeded", dn)
	}
}

// TestRefusals: bad names, a missing destination, an existing file: exit 2, no writes.
func TestRefusals(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	existing := filepath.Join(t.TempDir(), "x")
	os.WriteFile(existing, nil, 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "Bad,Name", "--show-password", "--yes"}, "invalid service name"},
		{[]string{"create", "foreman", "--yes"}, "needs a destination"},
		{[]string{"create", "foreman", "--password-file", existing, "--yes"}, "already exists"},
		{[]string{"create", "foreman", "--show-password", "-o", "json", "--yes"}, "--show-password prints"},
		{[]string{"rotate", "nosuch", "--show-password", "--yes"}, "no service bind dn nosuch"},
		{[]string{"delete", "nosuch", "--yes"}, "no service bind dn nosuch"},
	} {
		f, out, _ := cmdtest.Factory(t, dir)
		cmd := NewCmdService(f)
		cmd.SetArgs(append([]string{"binddn"}, c.args...))
		cmd.SetOut(out)
		cmd.SetErr(out)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want exit 2 %q", c.args, err, c.want)
		}
		if f.Ops() > 1 {
			t.Errorf("%v: %d operations", c.args, f.Ops())
		}
	}
}
