// Package factory builds the Factory the real binary uses.
package factory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/accessctl/accessctl/pkg/ccache"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/iostreams"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/prompt"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Flags are the global settings given on the command line (only those set).
type Flags struct {
	Set   map[string]string
	Debug bool
}

// New returns the Factory for the binary. flags is filled by the root command before any
// command runs.
func New(version string, io *iostreams.IOStreams, flags *Flags) *cmdutil.Factory {
	f := &cmdutil.Factory{Version: version, IO: io}
	if io.CanPrompt() {
		f.Prompter = &prompt.Terminal{In: io.In, Out: io.ErrOut}
	}
	var (
		cfgOnce sync.Once
		cfg     *config.Config
		cfgErr  error
	)
	f.Config = func() (*config.Config, error) {
		cfgOnce.Do(func() {
			// Every configuration error is a bad value or file: exit 2.
			cfg, cfgErr = config.Load(flags.Set, config.DefaultPaths())
			cfgErr = cmdutil.InputError(cfgErr)
		})
		return cfg, cfgErr
	}
	var (
		convOnce sync.Once
		conv     *siteconv.Conventions
		convErr  error
	)
	f.Conventions = func() (*siteconv.Conventions, error) {
		convOnce.Do(func() {
			c, err := f.Config()
			if err != nil {
				convErr = err
				return
			}
			if path := c.Get("conventions"); path != "" {
				conv, convErr = siteconv.Load(path)
				if convErr != nil {
					convErr = cmdutil.InputError(convErr)
				}
				return
			}
			conv = siteconv.Default()
		})
		return conv, convErr
	}
	var (
		dirOnce sync.Once
		dir     *directory.Counting
		dirErr  error
	)
	f.Directory = func(ctx context.Context) (directory.Client, error) {
		dirOnce.Do(func() {
			var c directory.Client
			c, dirErr = open(ctx, f, flags)
			if dirErr != nil {
				return
			}
			dir = directory.NewCounting(c)
		})
		if dirErr != nil {
			return nil, dirErr
		}
		// ACCESSCTL_FAULT_AT=N fails the Nth write: the hook the rollback tests use.
		if n, err := strconv.ParseInt(os.Getenv("ACCESSCTL_FAULT_AT"), 10, 64); err == nil && n > 0 {
			return directory.NewFaulty(dir, n), nil
		}
		return dir, nil
	}
	f.Ops = func() int64 {
		if dir == nil {
			return 0
		}
		return dir.Count()
	}
	if flags.Debug || os.Getenv("ACCESSCTL_DEBUG") != "" {
		f.Debug = io.ErrOut
	}
	return f
}

func debugf(f *cmdutil.Factory, format string, args ...any) {
	if f.Debug != nil {
		fmt.Fprintf(f.Debug, "debug: "+format+"\n", args...)
	}
}

// open chooses the backend: a sandbox chosen by flag or environment wins; then configured
// servers; with nothing configured at all, the default sandbox in the state directory.
func open(ctx context.Context, f *cmdutil.Factory, flags *Flags) (directory.Client, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	sb, _ := cfg.Lookup("sandbox")
	servers := cfg.List("server")
	// No server named anywhere: FreeIPA publishes _ldap._tcp SRV records (site-local
	// first when --site is given), then the conventions may list the site's servers.
	if sb.Value == "" && len(servers) == 0 && cfg.Get("domain") != "" {
		srv, err := ldapdir.ServersFromSRV(ctx, cfg.Get("domain"), cfg.Get("site"))
		debugf(f, "DNS SRV _ldap._tcp.%s: %v %v", cfg.Get("domain"), srv, err)
		if err == nil && len(srv) > 0 {
			servers = srv
			cfg.Set("server", strings.Join(srv, ","), config.FromDerived, "DNS SRV _ldap._tcp."+cfg.Get("domain"))
		}
	}
	if sb.Value == "" && len(servers) == 0 {
		conv, err := f.Conventions()
		if err == nil && len(conv.Servers) > 0 {
			servers = conv.Servers
		}
	}
	if sb.Value != "" || len(servers) == 0 {
		path := sb.Value
		if path == "" {
			path = filepath.Join(cfg.StateDir(), "sandbox.ldif")
			cfg.Set("sandbox", path, config.FromDerived, "no server configured")
			fmt.Fprintf(f.IO.ErrOut, "accessctl: no server configured; using the sandbox %s\n", path)
		}
		return openSandbox(f, cfg, path)
	}
	return dialLDAP(ctx, f, cfg, servers)
}

func openSandbox(f *cmdutil.Factory, cfg *config.Config, path string) (directory.Client, error) {
	if _, err := os.Stat(path); os.IsNotExist(err) {
		opts := sandbox.InitOptions{Suffix: cfg.Get("suffix"), Realm: cfg.Get("realm")}
		if _, err := sandbox.CheckSuffix(opts.Suffix); opts.Suffix != "" && err != nil {
			return nil, cmdutil.InputError(fmt.Errorf("create sandbox %s: %w", path, err)) // a bad setting: exit 2
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create sandbox directory: %w", err)
		}
		if err := sandbox.Init(path, opts); err != nil {
			return nil, fmt.Errorf("create sandbox %s: %w", path, err)
		}
		fmt.Fprintf(f.IO.ErrOut, "accessctl: created an empty sandbox directory %s\n", path)
	}
	debugf(f, "sandbox %s", path)
	d, err := sandbox.Open(path)
	if err != nil {
		return nil, cmdutil.InputError(err) // sandbox errors name the file
	}
	return d, nil
}

func dialLDAP(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, servers []string) (directory.Client, error) {
	// A bare host name means LDAPS on the standard port, as FreeIPA servers offer it.
	for i, s := range servers {
		if !strings.Contains(s, "://") {
			servers[i] = "ldaps://" + s
		}
	}
	opts := ldapdir.Options{
		Servers:        servers,
		StartTLS:       cfg.Bool("starttls"),
		Insecure:       cfg.Bool("insecure"),
		ConnectTimeout: cfg.Duration("connect-timeout"),
		Timeout:        cfg.Duration("timeout"),
		Suffix:         cfg.Get("suffix"),
		Debug:          f.Debug,
		MaxEntries:     noCap(cfg.SearchMaxEntries()),
		MaxBytes:       noCap(cfg.SearchMaxBytes()),
	}
	// The IPA CA (default /etc/ipa/ca.crt), or "system" for the system roots; a missing
	// CA is a configuration error, never a fallback to the system roots.
	opts.CAFile = cfg.Get("ca-file")
	if err := opts.CheckTrust(); err != nil {
		return nil, cmdutil.InputError(err)
	}
	if opts.Insecure {
		fmt.Fprintln(f.IO.ErrOut, "accessctl: warning: --insecure: plain LDAP, the connection is not protected by TLS")
	}
	if dn := cfg.Get("bind-dn"); dn != "" {
		pw, err := readPassword(f, cfg)
		if err != nil {
			return nil, err
		}
		opts.Bind = ldapdir.Simple{DN: dn, Password: pw}
	} else {
		// A krb5.conf MIT would refuse (a missing include, a syntax error) is bad input.
		if _, err := cfg.Krb5(); err != nil {
			return nil, cmdutil.InputError(err)
		}
		g := ldapdir.GSSAPI{Keytab: cfg.Get("keytab"), Principal: cfg.Get("principal"),
			Krb5Conf: cfg.Krb5Explicit(), CCache: cfg.Get("ccache")}
		if g.Keytab != "" && g.Principal == "" {
			p, err := firstPrincipal(g.Keytab)
			if err != nil {
				return nil, cmdutil.InputError(err)
			}
			g.Principal = p
			debugf(f, "keytab %s: principal %s", g.Keytab, p)
		}
		opts.Bind = g
	}
	c, err := ldapdir.Dial(ctx, opts)
	if err != nil {
		// No ticket, an expired one, no KCM server, a cache type not read: the reason
		// alone, it says what to do.
		var de *directory.Error
		if (errors.Is(err, ccache.ErrNoCredentials) || errors.Is(err, ccache.ErrNoKCM) || errors.Is(err, ccache.ErrUnsupported) || errors.Is(err, ccache.ErrKeyring)) && errors.As(err, &de) && de.Err != nil {
			return nil, &cmdutil.AuthError{Err: de.Err}
		}
		if directory.IsAuth(err) {
			return nil, &cmdutil.AuthError{Err: err}
		}
		return nil, err
	}
	for _, s := range c.FailedServers() {
		debugf(f, "server failed: %s", s)
	}
	debugf(f, "connected to %s", c.Server())
	return c, nil
}

// noCap turns the configuration's "0: no cap" into ldapdir's (negative; zero is its default).
func noCap(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// readPassword takes the simple-bind password from --password-file, ACCESSCTL_BIND_PASSWORD,
// stdin when it is not a terminal, or a masked prompt; never from argv.
func readPassword(f *cmdutil.Factory, cfg *config.Config) (string, error) {
	if path := cfg.Get("password-file"); path != "" {
		data, err := inputfile.ReadFile(path, inputfile.Password)
		if err != nil {
			return "", cmdutil.InputError(err)
		}
		return trimNewline(string(data)), nil
	}
	// For automation that keeps the secret in its environment (never argv).
	if pw, ok := os.LookupEnv("ACCESSCTL_BIND_PASSWORD"); ok {
		return pw, nil
	}
	if !f.IO.IsStdinTTY() {
		data, err := io.ReadAll(io.LimitReader(f.IO.In, inputfile.Password.Max+1))
		if int64(len(data)) > inputfile.Password.Max {
			return "", cmdutil.InputErrorf("password on stdin: exceeds the size limit of %s", inputfile.Size(inputfile.Password.Max))
		}
		if err != nil {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return trimNewline(string(data)), nil
	}
	return readMasked(f)
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// firstPrincipal returns the first principal of a keytab, as kinit -k does without one.
func firstPrincipal(path string) (string, error) {
	kt, err := ldapdir.LoadKeytab(path)
	if err != nil {
		return "", err
	}
	if len(kt.Entries) == 0 {
		return "", fmt.Errorf("keytab %s holds no keys", path)
	}
	p := kt.Entries[0].Principal
	return strings.Join(p.Components, "/") + "@" + p.Realm, nil
}
