package krb5conf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
)

// DefaultPubconf is where sssd writes kdcinfo.REALM, the file its locator plugin
// hands to MIT's libkrb5.
const DefaultPubconf = "/var/lib/sss/pubconf"

// PubconfEnv names another directory for kdcinfo files. It is for tests (the test bed
// cannot write /var/lib/sss); an admin has no reason to set it.
const PubconfEnv = "ACCESSCTL_TEST_SSSD_PUBCONF"

// Locator finds the KDCs of a realm that has no kdc line. The zero value reads sssd's
// pubconf directory (or PubconfEnv) and asks the system resolver.
type Locator struct {
	// Pubconf is the directory of kdcinfo.REALM; "" means PubconfEnv, else DefaultPubconf.
	Pubconf string
	// LookupSRV is net.Resolver.LookupSRV's shape; nil means the system resolver.
	LookupSRV func(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	// Timeout bounds the DNS queries; 0 means 5 seconds.
	Timeout time.Duration
}

// KDCSource says where a realm's KDC list came from, for --debug.
type KDCSource string

const (
	FromConfig  KDCSource = "krb5.conf kdc lines"
	FromKdcinfo KDCSource = "sssd kdcinfo"
	FromDNS     KDCSource = "DNS SRV"
)

// ErrNoKDC is wrapped when no source names a KDC for the realm.
var ErrNoKDC = errors.New("no KDC found")

// KDCs returns the KDCs of realm as host:port, in the order MIT's locator tries the
// sources on an IPA client: the kdc lines of the merged configuration; when there are
// none and dns_lookup_kdc is not false (MIT's default is true), sssd's kdcinfo.REALM
// when it exists, then the DNS SRV records _kerberos._udp.REALM and
// _kerberos._tcp.REALM (MIT's order in dns_locate_server_srv). MIT's URI records
// (_kerberos.REALM URI) are not queried.
func (p *Profile) KDCs(realm string, loc Locator) ([]string, KDCSource, error) {
	if kdcs := withPort(p.Values("realms", realm, "kdc"), "88"); len(kdcs) > 0 {
		return kdcs, FromConfig, nil
	}
	if !p.Bool(true, "libdefaults", "dns_lookup_kdc") {
		return nil, "", fmt.Errorf("%w for realm %s: no kdc line in the Kerberos configuration and dns_lookup_kdc is false", ErrNoKDC, realm)
	}
	path := filepath.Join(loc.pubconf(), "kdcinfo."+realm)
	kdcs, err := readKdcinfo(path)
	if err != nil {
		return nil, "", err
	}
	if len(kdcs) > 0 {
		return kdcs, FromKdcinfo, nil
	}
	kdcs, errs := loc.srv(realm)
	if len(kdcs) > 0 {
		return kdcs, FromDNS, nil
	}
	if errs != nil {
		// %v, not %w: the cause is that no KDC is named, not the network.
		return nil, "", fmt.Errorf("%w for realm %s: no kdc line in the Kerberos configuration, no %s, and the DNS SRV lookup failed: %v",
			ErrNoKDC, realm, path, errs)
	}
	return nil, "", fmt.Errorf("%w for realm %s: no kdc line in the Kerberos configuration, no %s, no DNS SRV record _kerberos._udp/_tcp.%s",
		ErrNoKDC, realm, path, realm)
}

// pubconf is the kdcinfo directory: Pubconf, else PubconfEnv, else DefaultPubconf.
func (l Locator) pubconf() string {
	if l.Pubconf != "" {
		return l.Pubconf
	}
	if d := os.Getenv(PubconfEnv); d != "" {
		return d
	}
	return DefaultPubconf
}

// readKdcinfo reads sssd's kdcinfo file: one address a line, "host", "host:port",
// "[v6]" or "[v6]:port"; a bare IPv6 address has no port. Port 88 when none is
// given; a line with a bad port is skipped, as sssd's locator plugin skips it. A
// missing file is no answer (nil, nil): the plugin then lets MIT go on.
func readKdcinfo(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sssd kdcinfo: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if a, ok := kdcinfoAddr(sc.Text()); ok && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sssd kdcinfo %s: %w", path, err)
	}
	return out, nil
}

// kdcinfoAddr is one kdcinfo line as host:port.
func kdcinfoAddr(line string) (string, bool) {
	line = strings.TrimSpace(line)
	host, port := line, ""
	switch {
	case line == "":
		return "", false
	case strings.HasPrefix(line, "["):
		end := strings.IndexByte(line, ']')
		if end < 0 {
			return "", false
		}
		host, port = line[1:end], line[end+1:]
		if port != "" {
			if port[0] != ':' {
				return "", false
			}
			port = port[1:]
		}
	case strings.Count(line, ":") == 1:
		host, port, _ = strings.Cut(line, ":")
	}
	if host == "" {
		return "", false
	}
	if port == "" {
		port = "88"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", false
	}
	return net.JoinHostPort(host, port), true
}

// srv asks DNS for _kerberos._udp.REALM then _kerberos._tcp.REALM, as MIT does; each answer is in
// priority order (weights shuffled by the resolver), targets kept once, "." (no
// service) dropped.
func (l Locator) srv(realm string) ([]string, error) {
	lookup := l.LookupSRV
	if lookup == nil {
		lookup = net.DefaultResolver.LookupSRV
	}
	timeout := l.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []string
	var errs []error
	for _, proto := range []string{"udp", "tcp"} {
		_, recs, err := lookup(ctx, "kerberos", proto, realm)
		if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			continue // no such record: an answer, not a failure
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("_kerberos._%s.%s: %w", proto, realm, err))
			continue
		}
		for _, r := range recs {
			target := strings.TrimSuffix(r.Target, ".")
			if target == "" {
				continue
			}
			a := net.JoinHostPort(target, strconv.Itoa(int(r.Port)))
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(errs) > 0 {
		return out, errs[0] // the first says enough on one line
	}
	return out, nil
}

// LocateKDCs gives realm its KDC list in c (built by Gokrb5) from KDCs, adding the
// realm when the configuration has no section for it, so that gokrb5 is handed
// explicit KDCs and never looks in DNS itself.
func (p *Profile) LocateKDCs(c *config.Config, realm string, loc Locator) (KDCSource, error) {
	kdcs, src, err := p.KDCs(realm, loc)
	if err != nil {
		return "", err
	}
	for i := range c.Realms {
		if c.Realms[i].Realm == realm {
			c.Realms[i].KDC = kdcs
			return src, nil
		}
	}
	c.Realms = append(c.Realms, config.Realm{Realm: realm, KDC: kdcs})
	return src, nil
}
