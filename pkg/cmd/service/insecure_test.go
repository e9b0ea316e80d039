package service

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/ldapdir"
)

// tap is a TCP proxy to target that keeps every byte that crosses it.
type tap struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (tp *tap) Write(p []byte) (int, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.buf.Write(p)
}

func (tp *tap) seen(s string) bool {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return bytes.Contains(tp.buf.Bytes(), []byte(s))
}

func startTap(t *testing.T, target string) (string, *tap) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	tp := &tap{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(io.MultiWriter(s, tp), c); s.Close() }()
			go func() { io.Copy(io.MultiWriter(c, tp), s); c.Close() }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).String(), tp
}

// TestInsecureNeverSendsThePasswordInClear (live): with --insecure over plain ldap://,
// the account is created over the GSSAPI-sealed connection and the bind proof uses
// StartTLS: the new password never crosses the wire in clear.
func TestInsecureNeverSendsThePasswordInClear(t *testing.T) {
	if !cmdtest.LiveConfigured() {
		t.Skip("live test directory not configured")
	}
	u, err := url.Parse(os.Getenv("ACCESSCTL_TEST_LDAP_URL"))
	if err != nil {
		t.Fatal(err)
	}
	addr, tp := startTap(t, u.Host)
	_, port, _ := net.SplitHostPort(addr)
	server := "ldap://localhost:" + port // the name the certificate and the ldap/ principal carry
	kt := os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, err := ldapdir.Dial(ctx, ldapdir.Options{Servers: []string{server}, Insecure: true, ConnectTimeout: 3 * time.Second,
		Timeout: 20 * time.Second, Bind: ldapdir.GSSAPI{Keytab: kt, Principal: cmdtest.Principal(t, kt)}})
	if err != nil {
		t.Fatalf("dial %s with GSSAPI: %v", server, err)
	}
	defer dir.Close()

	name := cmdtest.Name("in")
	dn := "uid=" + name + ",cn=sysaccounts,cn=etc," + dir.Suffix()
	t.Cleanup(func() { _ = cmdtest.Live(t).Delete(context.Background(), dn) })
	f, out, errOut := cmdtest.Factory(t, dir)
	f.Config = func() (*config.Config, error) {
		return config.Load(map[string]string{"ca-file": os.Getenv("ACCESSCTL_TEST_CA"), "insecure": "true"}, config.Paths{})
	}
	if err := execBindDN(f, "create", name, "--show-password", "--yes"); err != nil {
		t.Fatalf("create: %v\n%s", err, errOut)
	}
	var pw string
	for _, l := range strings.Split(out.String(), "\n") {
		if len(l) >= 32 && strings.Trim(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == "" {
			pw = l
		}
	}
	if pw == "" {
		t.Fatalf("no password on stdout:\n%s", out)
	}
	if !strings.Contains(strings.ToLower(errOut.String()), "bound as "+strings.ToLower(dn)) {
		t.Errorf("no bind proof over StartTLS:\n%s", errOut)
	}
	if tp.seen(pw) {
		t.Fatal("the new password crossed the wire in clear")
	}
	if !tp.seen("1.3.6.1.4.1.1466.20037") {
		t.Error("the proof did not use StartTLS (no extended request seen)")
	}
	bindOK(t, dn, pw, true)
}
