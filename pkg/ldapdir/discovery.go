package ldapdir

import (
	"context"
	"fmt"
	"net"
	"strings"
)

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
