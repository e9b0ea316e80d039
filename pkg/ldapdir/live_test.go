package ldapdir

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/accessctl/accessctl/internal/testbed/faultproxy"
	"github.com/accessctl/accessctl/internal/testenv"
	"github.com/accessctl/accessctl/pkg/directory"
)

// live holds the test directory's environment (testdata/ds/up writes it).
type live struct {
	ldapsURL, ldapURL, ca, suffix, realm string
	adminKeytab, delegateKeytab          string
	adminPasswordFile                    string
}

// liveEnv returns the environment of the live test directory (internal/testenv: skipped
// when unset, failed when CI=true).
func liveEnv(t *testing.T) live {
	t.Helper()
	e := testenv.Live(t)
	if e.AdminKeytab == "" || e.Krb5Config == "" {
		t.Fatal("live test directory environment lacks the admin keytab or KRB5_CONFIG")
	}
	return live{ldapsURL: e.LDAPSURL, ldapURL: e.LDAPURL, ca: e.CAFile, suffix: e.Suffix, realm: e.Realm,
		adminKeytab: e.AdminKeytab, delegateKeytab: e.DelegateKeytab, adminPasswordFile: e.AdminPasswordFile}
}

// principal returns the first principal of a keytab.
func principal(t *testing.T, path string) string {
	t.Helper()
	kt, err := keytab.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(kt.Entries) == 0 {
		t.Fatalf("keytab %s is empty", path)
	}
	e := kt.Entries[0].Principal
	return strings.Join(e.Components, "/") + "@" + e.Realm
}

func (l live) opts(t *testing.T, servers ...string) Options {
	return Options{
		Servers:        servers,
		CAFile:         l.ca,
		ConnectTimeout: 2 * time.Second,
		Timeout:        10 * time.Second,
		Bind:           GSSAPI{Keytab: l.adminKeytab, Principal: principal(t, l.adminKeytab)},
		Debug:          testWriter{t},
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func dial(t *testing.T, o Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func whoami(t *testing.T, c *Client) string {
	t.Helper()
	id, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	return id
}

func userDN(l live, uid string) string {
	return "uid=" + uid + ",cn=users,cn=accounts," + l.suffix
}

func TestLiveGSSAPI(t *testing.T) {
	l := liveEnv(t)
	admin := principal(t, l.adminKeytab)
	delegate := ""
	if l.delegateKeytab != "" {
		delegate = principal(t, l.delegateKeytab)
	}
	tests := []struct {
		name     string
		url      string
		startTLS bool
		insecure bool
		keytab   string
		princ    string
	}{
		{"ldaps admin", l.ldapsURL, false, false, l.adminKeytab, admin},
		{"ldaps delegate", l.ldapsURL, false, false, l.delegateKeytab, delegate},
		{"starttls admin", l.ldapURL, true, false, l.adminKeytab, admin},
		{"plain ldap with the security layer only", l.ldapURL, false, true, l.adminKeytab, admin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.url == "" || tt.keytab == "" {
				skipUnlessCI(t, "not configured")
			}
			o := l.opts(t, tt.url)
			o.StartTLS, o.Insecure = tt.startTLS, tt.insecure
			o.Bind = GSSAPI{Keytab: tt.keytab, Principal: tt.princ}
			c := dial(t, o)
			uid, _, _ := strings.Cut(tt.princ, "@")
			if got := whoami(t, c); !strings.EqualFold(got, userDN(l, uid)) {
				t.Fatalf("whoami = %q, want %q", got, userDN(l, uid))
			}
			if !strings.EqualFold(c.Suffix(), l.suffix) {
				t.Errorf("suffix %q from the root DSE, want %q", c.Suffix(), l.suffix)
			}
			es, err := c.Search(context.Background(), directory.SearchRequest{BaseDN: l.suffix, Scope: directory.ScopeSub,
				Filter: "(uid=" + uid + ")", Attributes: []string{"uid", "memberOf"}})
			if err != nil || len(es) != 1 {
				t.Fatalf("search: %d entries, %v", len(es), err)
			}
		})
	}
}

func TestLiveCCache(t *testing.T) {
	l := liveEnv(t)
	kinit, err := exec.LookPath("kinit")
	if err != nil {
		t.Skip("no kinit")
	}
	cc := filepath.Join(t.TempDir(), "cc")
	princ := principal(t, l.adminKeytab)
	out, err := exec.Command(kinit, "-k", "-t", l.adminKeytab, "-c", "FILE:"+cc, princ).CombinedOutput()
	if err != nil {
		t.Fatalf("kinit: %v: %s", err, out)
	}
	for _, spec := range []string{"FILE:" + cc, cc} {
		t.Run(spec, func(t *testing.T) {
			t.Setenv("KRB5CCNAME", spec)
			o := l.opts(t, l.ldapsURL)
			o.Bind = GSSAPI{}
			c := dial(t, o)
			if got := whoami(t, c); !strings.EqualFold(got, userDN(l, "admin")) {
				t.Fatalf("whoami = %q", got)
			}
		})
	}
}

func TestLiveSimpleBind(t *testing.T) {
	l := liveEnv(t)
	if l.adminPasswordFile == "" {
		skipUnlessCI(t, "no admin password file")
	}
	pw, err := os.ReadFile(l.adminPasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	o := l.opts(t, l.ldapsURL)
	o.Bind = Simple{DN: userDN(l, "admin"), Password: strings.TrimRight(string(pw), "\r\n")}
	c := dial(t, o)
	if got := whoami(t, c); !strings.EqualFold(got, userDN(l, "admin")) {
		t.Fatalf("whoami = %q", got)
	}
	o.Bind = Simple{DN: userDN(l, "admin"), Password: "wrong"}
	_, err = Dial(context.Background(), o)
	if !directory.IsCode(err, directory.CodeInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
}

// proxyURL is u with its host:port replaced by the proxy's port on the same host name
// (the certificate's name must still match).
func proxyURL(t *testing.T, u string, p *faultproxy.Proxy) string {
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.Host = net.JoinHostPort(pu.Hostname(), p.Port())
	return pu.String()
}

func startProxy(t *testing.T, target string) *faultproxy.Proxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(net.JoinHostPort("127.0.0.1", u.Port()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func closedURL(t *testing.T, l live) string {
	pu, _ := url.Parse(l.ldapsURL)
	_, port, _ := net.SplitHostPort(closedPort(t))
	pu.Host = net.JoinHostPort(pu.Hostname(), port)
	return pu.String()
}

func TestLiveFailover(t *testing.T) {
	l := liveEnv(t)
	hole := startProxy(t, l.ldapsURL)
	hole.BlackHole()
	dead := closedURL(t, l)
	holeURL := proxyURL(t, l.ldapsURL, hole)

	t.Run("closed port then black hole then the server", func(t *testing.T) {
		o := l.opts(t, dead, holeURL, l.ldapsURL)
		o.ConnectTimeout = time.Second
		start := time.Now()
		c := dial(t, o)
		took := time.Since(start)
		t.Logf("connected to %s after %s; failed %v", c.Server(), took, c.FailedServers())
		if c.Server() != l.ldapsURL || len(c.FailedServers()) != 2 {
			t.Fatalf("server %s, failed %v", c.Server(), c.FailedServers())
		}
		if took > 2*o.ConnectTimeout+3*time.Second {
			t.Errorf("failover took %s", took)
		}
		if got := whoami(t, c); !strings.EqualFold(got, userDN(l, "admin")) {
			t.Fatalf("whoami %q", got)
		}
	})
	t.Run("both down", func(t *testing.T) {
		o := l.opts(t, dead, holeURL)
		o.ConnectTimeout = time.Second
		start := time.Now()
		_, err := Dial(context.Background(), o)
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), dead) || !strings.Contains(err.Error(), holeURL) {
			t.Fatalf("err = %v", err)
		}
		if !directory.IsCode(err, directory.CodeNetwork) {
			t.Errorf("code %d", directory.CodeOf(err))
		}
		if took > 2*o.ConnectTimeout+time.Second {
			t.Errorf("took %s", took)
		}
		t.Logf("%s: %v", took, err)
	})
}

func TestLiveUntrustedCA(t *testing.T) {
	l := liveEnv(t)
	o := l.opts(t, l.ldapsURL)
	o.CAFile = writeSystemlessCA(t)
	_, err := Dial(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority; pass --ca-file") {
		t.Fatalf("err = %v", err)
	}
}

func TestLiveNetworkFaults(t *testing.T) {
	l := liveEnv(t)
	for _, tt := range []struct {
		name  string
		fault func(p *faultproxy.Proxy) error
		limit time.Duration
	}{
		{"dropped", func(p *faultproxy.Proxy) error { return p.DropAfter(100, faultproxy.Downstream) }, 2 * time.Second},
		{"stalled", func(p *faultproxy.Proxy) error { return p.StallAfter(0, faultproxy.Both) }, 4 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, l.ldapsURL)
			o := l.opts(t, proxyURL(t, l.ldapsURL, p))
			o.Timeout = 2 * time.Second
			c := dial(t, o)
			if err := tt.fault(p); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := c.Search(context.Background(), directory.SearchRequest{BaseDN: l.suffix, Scope: directory.ScopeSub, Filter: "(objectClass=*)"})
			took := time.Since(start)
			if !directory.IsCode(err, directory.CodeNetwork) {
				t.Fatalf("err = %v (code %d)", err, directory.CodeOf(err))
			}
			if took > tt.limit {
				t.Errorf("took %s", took)
			}
			t.Logf("%s: %v", took, err)
			// The client stays usable as an error source, not a hang.
			if _, err := c.WhoAmI(context.Background()); err == nil && tt.name == "dropped" {
				t.Error("whoami after a drop succeeded")
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		p := startProxy(t, l.ldapsURL)
		c := dial(t, l.opts(t, proxyURL(t, l.ldapsURL, p)))
		p.StallAfter(0, faultproxy.Both)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.WhoAmI(ctx)
		if err == nil || time.Since(start) > 2*time.Second {
			t.Fatalf("err = %v after %s", err, time.Since(start))
		}
	})
}

func TestLiveWrites(t *testing.T) {
	l := liveEnv(t)
	c := dial(t, l.opts(t, l.ldapsURL))
	ctx := context.Background()
	base := fmt.Sprintf("cn=ldapdir-test-%d,%s", time.Now().UnixNano(), l.suffix)
	if _, err := c.Add(ctx, directory.NewEntry(base, directory.A("objectClass", "top", "nsContainer"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup(t, c, base) })
	child := "cn=one," + base
	if dn, err := c.Add(ctx, directory.NewEntry(child, directory.A("objectClass", "top", "nsContainer"))); err != nil || dn != child {
		t.Fatalf("add: %q %v", dn, err)
	}
	if _, err := c.Add(ctx, directory.NewEntry(child, directory.A("objectClass", "top", "nsContainer"))); !directory.IsExists(err) {
		t.Fatalf("second add: %v", err)
	}
	if err := c.Modify(ctx, "cn=missing,"+base, []directory.Mod{{Op: directory.ModAdd, Attr: "description", Values: []string{"x"}}}); !directory.IsNotFound(err) {
		t.Fatalf("modify missing: %v", err)
	} else if de := err.(*directory.Error); de.Op != "modify" || de.DN != "cn=missing,"+base {
		t.Fatalf("error %+v", de)
	}
	if err := c.Rename(ctx, child, "cn=two", ""); err != nil {
		t.Fatal(err)
	}
	es, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeOne, Attributes: []string{"cn"}})
	if err != nil || len(es) != 1 || !strings.EqualFold(es[0].DN, "cn=two,"+base) || es[0].First("cn") != "two" {
		t.Fatalf("after rename: %+v %v", es, err)
	}
	if err := c.Delete(ctx, base); !directory.IsCode(err, directory.CodeNotAllowedOnNonLeaf) {
		t.Fatalf("delete non-leaf: %v", err)
	}
	if _, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Filter: "(cn=unbalanced"}); directory.CodeOf(err) != directory.CodeProtocolError {
		t.Fatalf("bad filter: %v", err)
	}

	t.Run("ipaUniqueID autogenerate", func(t *testing.T) {
		e := directory.NewEntry("ipaUniqueID=autogenerate,cn=hbac,"+l.suffix,
			directory.A("objectClass", "ipaassociation", "ipahbacrule"),
			directory.A("cn", fmt.Sprintf("ldapdir-test-%d", time.Now().UnixNano())),
			directory.A("accessRuleType", "allow"), directory.A("ipaEnabledFlag", "TRUE"),
			directory.A("ipaUniqueID", "autogenerate"))
		dn, err := c.Add(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Delete(ctx, dn)
		if strings.Contains(strings.ToLower(dn), "autogenerate") || !directory.IsUnder(dn, "cn=hbac,"+l.suffix) {
			t.Fatalf("stored DN %q", dn)
		}
		got, err := c.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Attributes: []string{"cn"}})
		if err != nil || len(got) != 1 || got[0].First("cn") != e.First("cn") {
			t.Fatalf("read back: %+v %v", got, err)
		}
	})
}

func cleanup(t *testing.T, c *Client, base string) {
	ctx := context.Background()
	es, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeOne, Attributes: []string{"1.1"}})
	if err != nil {
		t.Logf("cleanup: %v", err)
	}
	for _, e := range es {
		c.Delete(ctx, e.DN)
	}
	c.Delete(ctx, base)
}

func TestLivePagedSearch(t *testing.T) {
	l := liveEnv(t)
	if testing.Short() {
		t.Skip("short")
	}
	c := dial(t, l.opts(t, l.ldapsURL))
	ctx := context.Background()
	base := fmt.Sprintf("cn=ldapdir-paged-%d,%s", time.Now().UnixNano(), l.suffix)
	if _, err := c.Add(ctx, directory.NewEntry(base, directory.A("objectClass", "top", "nsContainer"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup(t, c, base) })
	const n = 1201
	start := time.Now()
	for i := range n {
		if _, err := c.Add(ctx, directory.NewEntry(fmt.Sprintf("cn=e%04d,%s", i, base), directory.A("objectClass", "top", "nsContainer"))); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d adds in %s", n, time.Since(start))
	before := c.Ops()
	es, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeOne, Filter: "(objectClass=nsContainer)", Attributes: []string{"cn"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != n {
		t.Fatalf("%d entries, want %d", len(es), n)
	}
	if pages := c.Ops() - before; pages != 3 {
		t.Errorf("%d operations for %d entries in pages of 500, want 3", pages, n)
	}
	limited, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeOne, Attributes: []string{"cn"}, SizeLimit: 700})
	if err != nil || len(limited) != 700 {
		t.Fatalf("size limit 700: %d, %v", len(limited), err)
	}
}

func TestLiveCompatSkipped(t *testing.T) {
	l := liveEnv(t)
	c := dial(t, l.opts(t, l.ldapsURL))
	es, err := c.Search(context.Background(), directory.SearchRequest{BaseDN: l.suffix, Scope: directory.ScopeSub, Attributes: []string{"1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if directory.IsUnder(e.DN, "cn=compat,"+l.suffix) || directory.IsUnder(e.DN, "ou=sudoers,"+l.suffix) {
			t.Fatalf("compat entry %s returned", e.DN)
		}
	}
	t.Logf("%d entries, %d ops", len(es), c.Ops())
}

// skipUnlessCI skips a live case whose setting is missing, or fails it in CI, where the
// test directory must provide everything.
func skipUnlessCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (CI=true: the live test directory must provide it)")
	}
	t.Skip(why)
}
