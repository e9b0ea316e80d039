// Package cmdtest gives command tests a Factory over a chosen directory and the two
// backends every behaviour is tested on: a fresh demo sandbox and the live test 389-ds.
package cmdtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/iostreams"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Backend opens a directory for one test.
type Backend struct {
	Name string
	Open func(t *testing.T) directory.Client
}

// Backends returns the sandbox and, when the live test directory is configured, the live
// 389-ds. With CI=true a missing live directory fails the test instead of skipping it.
func Backends(t *testing.T) []Backend {
	bs := []Backend{{Name: "sandbox", Open: Sandbox}}
	if LiveConfigured() {
		bs = append(bs, Backend{Name: "live", Open: Live})
	} else if os.Getenv("CI") == "true" {
		t.Fatal("live test directory not configured and CI=true: run testdata/ds/up and source its env")
	}
	return bs
}

// Sandbox returns a fresh demo sandbox.
func Sandbox(t *testing.T) directory.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatalf("sandbox init: %v", err)
	}
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatalf("sandbox open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// LiveConfigured reports whether the live test directory's environment is set.
func LiveConfigured() bool {
	return os.Getenv("ACCESSCTL_TEST_LDAPS_URL") != "" && os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB") != "" && os.Getenv("KRB5_CONFIG") != ""
}

// Live dials the live test directory as admin with GSSAPI over LDAPS.
func Live(t *testing.T) directory.Client {
	t.Helper()
	return LiveAs(t, os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB"))
}

// LiveAs dials the live directory with the given keytab's first principal.
func LiveAs(t *testing.T, kt string) directory.Client {
	t.Helper()
	if !LiveConfigured() {
		t.Skip("live test directory not configured")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ldapdir.Dial(ctx, ldapdir.Options{
		Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")}, CAFile: os.Getenv("ACCESSCTL_TEST_CA"),
		ConnectTimeout: 3 * time.Second, Timeout: 20 * time.Second,
		Bind: ldapdir.GSSAPI{Keytab: kt, Principal: Principal(t, kt)},
	})
	if err != nil {
		t.Fatalf("dial live directory: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Principal returns the first principal of a keytab.
func Principal(t *testing.T, path string) string {
	t.Helper()
	kt, err := keytab.Load(path)
	if err != nil {
		t.Fatalf("load keytab: %v", err)
	}
	if len(kt.Entries) == 0 {
		t.Fatalf("keytab %s is empty", path)
	}
	p := kt.Entries[0].Principal
	return strings.Join(p.Components, "/") + "@" + p.Realm
}

// Name returns a unique lower-case name with the prefix, for objects a test makes in a
// shared live directory.
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Factory builds a Factory over dir with test streams (no TTY) and the default
// conventions. Directory() wraps dir in a counter each call so tests can read Ops().
func Factory(t *testing.T, dir directory.Client) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	counted := directory.NewCounting(dir)
	f := &cmdutil.Factory{
		Version:     "test",
		IO:          ios,
		Config:      func() (*config.Config, error) { return config.Load(nil, config.Paths{}) },
		Conventions: func() (*siteconv.Conventions, error) { return siteconv.Default(), nil },
		Directory:   func(context.Context) (directory.Client, error) { return counted, nil },
		Ops:         counted.Count,
	}
	return f, out, errOut
}

// OpenSandboxFile opens another handle on an existing sandbox file.
func OpenSandboxFile(t *testing.T, path string) directory.Client {
	t.Helper()
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatalf("sandbox open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Manager is a client that may change cn=etc: the sandbox itself, or Directory Manager
// on the live directory.
func Manager(t *testing.T, backend string, dir directory.Client) directory.Client {
	t.Helper()
	if backend == "sandbox" {
		return dir
	}
	pw, err := os.ReadFile(os.Getenv("ACCESSCTL_TEST_DM_PASSWORD_FILE"))
	if err != nil {
		t.Fatalf("read the Directory Manager password: %v", err)
	}
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dm, err := ldapdir.Dial(c, ldapdir.Options{Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")},
		CAFile: os.Getenv("ACCESSCTL_TEST_CA"), ConnectTimeout: 3 * time.Second, Timeout: 10 * time.Second,
		Bind: ldapdir.Simple{DN: "cn=Directory Manager", Password: strings.TrimSpace(string(pw))}})
	if err != nil {
		t.Fatalf("bind as Directory Manager: %v", err)
	}
	t.Cleanup(func() { dm.Close() })
	return dm
}

// Replace sets attr of dn to vs and puts the old values back when the test ends.
func Replace(t *testing.T, dm directory.Client, dn, attr string, vs ...string) {
	t.Helper()
	es, err := dm.Search(context.Background(), directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{attr}})
	if err != nil || len(es) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	old := es[0].Get(attr)
	if err := dm.Modify(context.Background(), dn, []directory.Mod{{Op: directory.ModReplace, Attr: attr, Values: vs}}); err != nil {
		t.Fatalf("set %s of %s: %v", attr, dn, err)
	}
	t.Cleanup(func() {
		if err := dm.Modify(context.Background(), dn, []directory.Mod{{Op: directory.ModReplace, Attr: attr, Values: old}}); err != nil {
			t.Errorf("restore %s of %s: %v", attr, dn, err)
		}
	})
}
