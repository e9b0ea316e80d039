package ldapdir

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// IPAConf is what accessctl reads from /etc/ipa/default.conf ([global] section).
type IPAConf struct {
	Server    string
	XMLRPCURI string
	BaseDN    string
	Realm     string
	Domain    string
}

// DefaultIPAConf is where FreeIPA clients keep their configuration.
const DefaultIPAConf = "/etc/ipa/default.conf"

// ReadIPAConf parses the [global] section of an IPA default.conf.
func ReadIPAConf(path string) (*IPAConf, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &IPAConf{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		if section != "global" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "server":
			c.Server = v
		case "xmlrpc_uri":
			c.XMLRPCURI = v
		case "basedn":
			c.BaseDN = v
		case "realm":
			c.Realm = v
		case "domain":
			c.Domain = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return c, nil
}

// Servers returns ldaps URLs for the configured server and the host of xmlrpc_uri.
func (c *IPAConf) Servers() []string {
	var out []string
	add := func(host string) {
		host = strings.TrimSuffix(strings.TrimSpace(host), ".")
		if host == "" {
			return
		}
		u := "ldaps://" + host
		for _, s := range out {
			if strings.EqualFold(s, u) {
				return
			}
		}
		out = append(out, u)
	}
	add(c.Server)
	if c.XMLRPCURI != "" {
		if u, err := url.Parse(c.XMLRPCURI); err == nil {
			add(u.Hostname())
		}
	}
	return out
}

// ServersFromIPAConf returns ldaps URLs for the servers an IPA default.conf names.
func ServersFromIPAConf(path string) ([]string, error) {
	c, err := ReadIPAConf(path)
	if err != nil {
		return nil, err
	}
	return c.Servers(), nil
}

// SRVResolver is the part of *net.Resolver discovery uses.
type SRVResolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// ServersFromSRV returns ldaps URLs from the DNS SRV records FreeIPA publishes:
// _ldap._tcp.<site>._locations.<domain> first when site is set, then _ldap._tcp.<domain>.
func ServersFromSRV(ctx context.Context, domain, site string) ([]string, error) {
	return ServersFromSRVWith(ctx, net.DefaultResolver, domain, site)
}

// ServersFromSRVWith is ServersFromSRV with a resolver of the caller's choice.
func ServersFromSRVWith(ctx context.Context, r SRVResolver, domain, site string) ([]string, error) {
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return nil, fmt.Errorf("srv lookup: no domain")
	}
	var names []string
	if site != "" {
		names = append(names, "_ldap._tcp."+site+"._locations."+domain)
	}
	names = append(names, "_ldap._tcp."+domain)
	var out []string
	seen := map[string]bool{}
	var errs []string
	for _, name := range names {
		_, recs, err := r.LookupSRV(ctx, "", "", name)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		for _, rec := range recs {
			host := strings.ToLower(strings.TrimSuffix(rec.Target, "."))
			if host == "" || seen[host] {
				continue
			}
			seen[host] = true
			out = append(out, "ldaps://"+host)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("srv lookup found no LDAP servers: %s", strings.Join(errs, "; "))
	}
	return out, nil
}
