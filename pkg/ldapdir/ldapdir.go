// Package ldapdir is the LDAP backend of accessctl's directory layer: a directory.Client
// over github.com/go-ldap/ldap/v3 with server failover, TLS verified against the IPA CA,
// GSSAPI binds with the SASL security layer a FreeIPA server demands (package saslgss),
// simple binds, paged searches, and every error mapped to a *directory.Error.
package ldapdir

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/client"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/ldapdir/saslgss"
)

// Defaults.
const (
	DefaultConnectTimeout = 3 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultPageSize       = 500
	// DefaultMaxEntries and DefaultMaxBytes cap one search (all its pages): far above
	// FreeIPA's own performance-test directory (144,000 entries, 104 MB of LDIF), low
	// enough that a hostile or broken server cannot exhaust the client's memory.
	DefaultMaxEntries = 2_000_000
	DefaultMaxBytes   = 2 << 30
	// DefaultCAFile is the IPA CA a FreeIPA client has.
	DefaultCAFile = "/etc/ipa/ca.crt"
	// SystemRoots as the CA file trusts the system's root certificates instead of the
	// IPA CA (for servers with certificates from a public CA).
	SystemRoots = "system"
)

// Bind is how the client authenticates: GSSAPI, Simple, or nil for anonymous.
type Bind interface{ bindName() string }

// GSSAPI binds with Kerberos. With Keytab (and Principal) it logs in from the keytab;
// otherwise it uses the credential cache CCache ("" = KRB5CCNAME, then default_ccache_name,
// then FILE:/tmp/krb5cc_UID), as klist picks it (package ccache).
type GSSAPI struct {
	CCache    string
	Keytab    string
	Principal string
	// Krb5Conf lists the Kerberos configuration files, colon-separated ("" = KRB5_CONFIG,
	// then /etc/krb5.conf), read as MIT reads them (package krb5conf).
	Krb5Conf string
}

func (GSSAPI) bindName() string { return "GSSAPI" }

// Simple binds with a DN and password. The password is never logged.
type Simple struct {
	DN       string
	Password string
}

func (Simple) bindName() string { return "simple" }

// Options configure Dial.
type Options struct {
	// Servers are tried in order: ldaps://host[:port] or ldap://host[:port].
	Servers []string
	// StartTLS upgrades ldap:// servers with the StartTLS operation.
	StartTLS bool
	// CAFile is the CA bundle to verify servers with: "" means /etc/ipa/ca.crt, and
	// without it TLS is refused; SystemRoots ("system") means the system's roots.
	CAFile string
	// Insecure allows ldap:// without StartTLS (the caller warns).
	Insecure bool
	// ConnectTimeout bounds TCP connect, TLS handshake, StartTLS and a plain-LDAP server's
	// first answer (default 3s).
	ConnectTimeout time.Duration
	// Timeout bounds every operation, binds included (default 30s).
	Timeout time.Duration
	// Suffix is the naming context ("" = read from the root DSE).
	Suffix string
	// Bind is GSSAPI, Simple or nil (anonymous).
	Bind Bind
	// PageSize for paged searches (default 500).
	PageSize int
	// MaxEntries and MaxBytes cap the entries, and the octets of entry messages, one
	// search may return (0 = DefaultMaxEntries / DefaultMaxBytes, negative = no cap);
	// beyond them the search fails.
	MaxEntries, MaxBytes int64
	// Debug receives servers, binds, filters, operation counts and timings; never secrets.
	Debug io.Writer

	krb *krbSetup // set by Dial for a GSSAPI bind from a cache
}

// Client is a bound connection to one directory server. It implements directory.Client
// and directory.Identifier. Operations are serialized.
type Client struct {
	mu       sync.Mutex
	conn     *ldap.Conn
	tap      *tap // under conn: decodes the entries of searches itself
	raw      net.Conn
	server   string
	failed   []string
	suffix   string
	timeout  time.Duration
	page     int
	maxEnt   int64 // per search; 0 = no cap
	maxBytes int64
	debug    io.Writer
	ops      atomic.Int64
	controls []string
	ccache   string // the Kerberos credential cache of the bind, as klist names it
}

var (
	_ directory.Client     = (*Client)(nil)
	_ directory.Identifier = (*Client)(nil)
)

func (o *Options) defaults() {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
}

func (o *Options) debugf(format string, args ...any) {
	if o.Debug != nil {
		fmt.Fprintf(o.Debug, "ldap: "+format+"\n", args...)
	}
}

// TLSConfig returns the TLS configuration for host: verified against caFile, "" meaning
// the IPA CA /etc/ipa/ca.crt. The system roots are trusted only when caFile is
// SystemRoots: a FreeIPA server's certificate comes from the IPA CA, and any public CA
// could otherwise vouch for a server that is not it.
func TLSConfig(caFile, host string) (*tls.Config, error) {
	pool, err := CAPool(caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
}

// CAPool loads the roots TLSConfig verifies servers with (nil for the system roots).
// Its errors say how to fix the configuration.
func CAPool(caFile string) (*x509.CertPool, error) {
	if caFile == SystemRoots {
		return nil, nil
	}
	if caFile == "" {
		caFile = DefaultCAFile
	}
	pem, err := inputfile.ReadFile(caFile, inputfile.CA)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no CA to verify the servers with: %s does not exist; pass --ca-file with the IPA CA (a copy of /etc/ipa/ca.crt from an IPA client), or --ca-file %s to trust the system roots", caFile, SystemRoots)
	}
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// CheckTrust loads the CA the servers of o will be verified with, when any of them
// needs TLS (ldaps://, or ldap:// with StartTLS), so that a missing or unreadable CA
// is reported before anything is dialled.
func (o *Options) CheckTrust() error {
	for _, s := range o.Servers {
		u, err := url.Parse(s)
		if err != nil {
			continue // Dial names the bad URL
		}
		if scheme := strings.ToLower(u.Scheme); scheme == "ldaps" || scheme == "ldap" && o.StartTLS {
			_, err := CAPool(o.CAFile)
			return err
		}
	}
	return nil
}

// Dial connects and binds to the first server of opts.Servers that answers, trying them
// in order. The error names every server tried and why it failed.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	opts.defaults()
	if len(opts.Servers) == 0 {
		return nil, &directory.Error{Code: directory.CodeNetwork, Op: "connect", Message: "no directory server configured"}
	}
	if err := opts.CheckTrust(); err != nil {
		return nil, &directory.Error{Code: directory.CodeOther, Op: "connect", Message: err.Error(), Err: err}
	}
	var krb *client.Client
	var ccName string
	if g, ok := opts.Bind.(GSSAPI); ok {
		ks, err := kerberosClient(g)
		if ks != nil {
			for _, n := range ks.notes {
				opts.debugf("%s", n)
			}
		}
		if err != nil {
			code := directory.CodeInvalidCredentials
			if isNetErr(err) {
				code = directory.CodeNetwork
			}
			return nil, &directory.Error{Code: code, Op: "bind", Message: err.Error(), Err: err}
		}
		krb, ccName = ks.client, ks.ccache
		opts.krb = ks
		opts.debugf("kerberos: principal %s@%s", krb.Credentials.UserName(), krb.Credentials.Domain())
	}
	var failed, reasons []string
	lastCode := directory.CodeNetwork
	var lastErr error
	for _, server := range opts.Servers {
		start := time.Now()
		c, err := dialOne(ctx, &opts, server, krb)
		if err == nil {
			c.failed = failed
			c.ccache = ccName
			opts.debugf("connected to %s in %s", server, time.Since(start).Round(time.Millisecond))
			if err := c.init(ctx, opts.Suffix); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		}
		took := time.Since(start).Round(time.Millisecond)
		opts.debugf("%s failed after %s: %v", server, took, err)
		failed = append(failed, server)
		reasons = append(reasons, fmt.Sprintf("%s: %s", server, reasonOf(err)))
		lastErr = err
		if code := directory.CodeOf(err); code >= 0 && code != directory.CodeNetwork {
			lastCode = code
		}
		if ctx.Err() != nil {
			break
		}
	}
	what := "no directory server answered"
	if len(failed) == 1 {
		what = "directory server failed"
	}
	return nil, &directory.Error{Code: lastCode, Op: "connect",
		Message: what + ": " + strings.Join(reasons, "; "), Err: lastErr}
}

func reasonOf(err error) string {
	var de *directory.Error
	if errors.As(err, &de) {
		if de.Message != "" {
			return de.Message
		}
		if de.Err != nil {
			return de.Err.Error()
		}
	}
	return describeNetErr(err)
}

// dialOne connects, secures and binds to one server.
func dialOne(ctx context.Context, o *Options, server string, krb *client.Client) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return nil, &directory.Error{Code: directory.CodeNetwork, Op: "connect", DN: server, Message: "not an LDAP URL (want ldaps://host[:port] or ldap://host[:port])"}
	}
	scheme := strings.ToLower(u.Scheme)
	host := u.Hostname()
	port := u.Port()
	switch scheme {
	case "ldaps":
		if port == "" {
			port = "636"
		}
	case "ldap":
		if port == "" {
			port = "389"
		}
		if !o.StartTLS && !o.Insecure {
			return nil, &directory.Error{Code: directory.CodeNetwork, Op: "connect", DN: server,
				Message: "plain LDAP without TLS refused; use ldaps://, StartTLS (--starttls) or --insecure"}
		}
	default:
		return nil, &directory.Error{Code: directory.CodeNetwork, Op: "connect", DN: server, Message: "unsupported URL scheme " + u.Scheme}
	}
	fail := func(op string, err error) error {
		if de := (*directory.Error)(nil); errors.As(err, &de) {
			return err
		}
		var le *ldap.Error
		if errors.As(err, &le) {
			return mapError(err, op, "")
		}
		if op == "bind" && !isNetErr(err) {
			// Kerberos and GSSAPI failures: credentials, not the network.
			return &directory.Error{Code: directory.CodeInvalidCredentials, Op: op, Message: err.Error(), Err: err}
		}
		return &directory.Error{Code: directory.CodeNetwork, Op: op, Message: describeNetErr(err), Err: err}
	}

	cctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	d := net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	raw, err := d.DialContext(cctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fail("connect", err)
	}
	o.debugf("%s: tcp connected to %s", server, raw.RemoteAddr())
	ok := false
	defer func() {
		if !ok {
			raw.Close()
		}
	}()
	// Abort the whole set-up when ctx is cancelled.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()

	conn := raw
	isTLS := false
	firstAnswer := o.Timeout
	if scheme == "ldaps" || o.StartTLS {
		cfg, err := TLSConfig(o.CAFile, host)
		if err != nil {
			return nil, &directory.Error{Code: directory.CodeNetwork, Op: "connect", Message: err.Error(), Err: err}
		}
		if scheme == "ldaps" {
			tc := tls.Client(raw, cfg)
			if err := tc.HandshakeContext(cctx); err != nil {
				return nil, fail("tls", err)
			}
			conn = tc
		} else {
			tc, err := saslgss.StartTLS(raw, cfg, o.ConnectTimeout)
			if err != nil {
				return nil, fail("starttls", err)
			}
			conn = tc
		}
		isTLS = true
		o.debugf("%s: tls established", server)
	} else {
		// Nothing has answered yet: a hanging server must not cost the whole Timeout.
		firstAnswer = min(o.ConnectTimeout, o.Timeout)
	}

	c := &Client{server: server, timeout: o.Timeout, page: o.PageSize, debug: o.Debug, raw: raw,
		maxEnt: max(o.MaxEntries, 0), maxBytes: max(o.MaxBytes, 0)}
	start := time.Now()
	switch b := o.Bind.(type) {
	case GSSAPI:
		spn := "ldap/" + host
		if err := o.krb.serviceTicket(spn, o.debugf); err != nil {
			conn.Close()
			return nil, fail("bind", err)
		}
		mech := saslgss.New(krb, spn, saslgss.Options{})
		wrapped, err := saslgss.Bind(conn, mech, saslgss.BindTimeouts{First: firstAnswer, Step: o.Timeout})
		c.ops.Add(1)
		if err != nil {
			return nil, fail("bind", fmt.Errorf("gssapi bind as %s to %s: %w", krb.Credentials.CName().PrincipalNameString(), spn, err))
		}
		layer := map[byte]string{saslgss.LayerNone: "none", saslgss.LayerIntegrity: "integrity", saslgss.LayerConfidentiality: "confidentiality"}[mech.Security().Layer]
		o.debugf("%s: gssapi bind as %s (spn %s, security layer %s) in %s", server,
			krb.Credentials.CName().PrincipalNameString(), spn, layer, time.Since(start).Round(time.Millisecond))
		c.start(wrapped, isTLS)
	case Simple:
		c.start(conn, isTLS)
		c.conn.SetTimeout(firstAnswer)
		err := c.conn.Bind(b.DN, b.Password)
		c.ops.Add(1)
		if err != nil {
			c.conn.Close()
			return nil, fail("bind", err)
		}
		o.debugf("%s: simple bind as %s in %s", server, b.DN, time.Since(start).Round(time.Millisecond))
	case nil:
		c.start(conn, isTLS)
		o.debugf("%s: anonymous", server)
	default:
		return nil, fmt.Errorf("unknown bind %T", o.Bind)
	}
	c.conn.SetTimeout(o.Timeout)
	ok = true
	return c, nil
}

// start hands conn, under the tap, to go-ldap.
func (c *Client) start(conn net.Conn, isTLS bool) {
	c.tap = newTap(conn)
	c.conn = ldap.NewConn(c.tap, isTLS)
	c.conn.Start()
}

// init reads the root DSE when no suffix was given: the suffix and the supported controls.
func (c *Client) init(ctx context.Context, suffix string) error {
	if suffix != "" {
		// Known suffix: spare the round trip.
		c.suffix = suffix
		return nil
	}
	entries, err := c.search(ctx, directory.SearchRequest{BaseDN: "", Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"namingContexts", "defaultNamingContext", "supportedControl"}}, false)
	if err != nil {
		if suffix != "" {
			c.suffix = suffix
			c.debugf("root DSE unreadable (%v); suffix %s as given", err, suffix)
			return nil
		}
		return fmt.Errorf("read the root DSE for the suffix: %w", err)
	}
	if len(entries) > 0 {
		c.controls = entries[0].Get("supportedControl")
		if suffix == "" {
			suffix = entries[0].First("defaultNamingContext")
		}
		if suffix == "" {
			for _, nc := range entries[0].Get("namingContexts") {
				if strings.HasPrefix(strings.ToLower(nc), "dc=") {
					suffix = nc
					break
				}
			}
		}
	}
	if suffix == "" {
		return &directory.Error{Code: directory.CodeNoSuchObject, Op: "search", Message: "the root DSE names no naming context; pass the suffix"}
	}
	c.suffix = suffix
	c.debugf("suffix %s", suffix)
	return nil
}

func (c *Client) debugf(format string, args ...any) {
	if c.debug != nil {
		fmt.Fprintf(c.debug, "ldap: "+format+"\n", args...)
	}
}

// Server returns the URL of the server the client is bound to.
func (c *Client) Server() string { return c.server }

// CCache is the Kerberos credential cache the bind used ("" for a keytab or simple bind).
func (c *Client) CCache() string { return c.ccache }

// FailedServers returns the servers tried before this one, in order.
func (c *Client) FailedServers() []string { return append([]string(nil), c.failed...) }

// Ops returns the number of LDAP operations sent (binds included; one per search page).
func (c *Client) Ops() int64 { return c.ops.Load() }

// Suffix is the naming context.
func (c *Client) Suffix() string { return c.suffix }

// Describe names the server.
func (c *Client) Describe() string { return c.server }

// SupportsControl reports whether the root DSE lists the control OID (known only when
// the suffix was read from the root DSE).
func (c *Client) SupportsControl(oid string) bool {
	for _, s := range c.controls {
		if s == oid {
			return true
		}
	}
	return false
}

// Close closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.debugf("closing %s after %d operations", c.server, c.ops.Load())
		c.conn.Close()
	}
	return nil
}

// run serializes one operation under the operation timeout and ctx.
func (c *Client) run(ctx context.Context, op, dn string, f func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return &directory.Error{Code: directory.CodeNetwork, Op: op, DN: dn, Message: describeNetErr(err), Err: err}
	}
	if c.conn.IsClosing() {
		err := c.conn.GetLastError()
		if err == nil {
			err = errors.New("connection closed")
		}
		return &directory.Error{Code: directory.CodeNetwork, Op: op, DN: dn, Message: "connection to " + c.server + " lost: " + err.Error(), Err: err}
	}
	d := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			d = max(left, time.Millisecond)
		}
	}
	c.conn.SetTimeout(d)
	stop := context.AfterFunc(ctx, func() { c.raw.Close() })
	defer stop()
	// 389-ds answers Busy (51) when a write's transaction lost a database deadlock with
	// another write (plugins such as memberOf and referint widen them); nothing was
	// applied, so the operation is sent again a few times.
	var err error
	for attempt := 0; ; attempt++ {
		err = f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &directory.Error{Code: directory.CodeNetwork, Op: op, DN: dn, Message: describeNetErr(ctx.Err()), Err: ctx.Err()}
		}
		mapped := mapError(err, op, dn)
		if directory.IsCode(mapped, directory.CodeNetwork) {
			// After a timeout or a broken read the connection's state is unknown: drop
			// it, so later operations (a rollback) fail at once instead of each waiting
			// out its own timeout on a dead connection.
			c.raw.Close()
			return mapped
		}
		if !directory.IsCode(mapped, directory.CodeBusy) || attempt == busyRetries {
			return mapped
		}
		c.debugf("%s %s: busy, retrying", op, dn)
		select {
		case <-ctx.Done():
			return mapped
		case <-time.After(time.Duration(50*(attempt+1)) * time.Millisecond):
		}
	}
}

// busyRetries is how often a Busy answer is retried.
const busyRetries = 4
