package krb5conf

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
)

// Gokrb5 builds gokrb5's configuration from the merged view, setting by setting.
// The merged text is never handed to gokrb5's own parser, which refuses settings MIT
// accepts (dns_canonicalize_hostname = fallback, enctype families, ...).
func (p *Profile) Gokrb5() *config.Config {
	c := config.New()
	l := &c.LibDefaults
	get := func(name string) (string, bool) { return p.Value("libdefaults", name) }
	boolean := func(name string, def bool) bool { return p.Bool(def, "libdefaults", name) }

	l.DefaultRealm = p.DefaultRealm()
	l.AllowWeakCrypto = boolean("allow_weak_crypto", false)
	l.Canonicalize = boolean("canonicalize", false)
	// gokrb5 never looks KDCs up itself: LocateKDCs hands it explicit ones, found
	// as MIT finds them (kdc lines, sssd's kdcinfo, DNS SRV).
	l.DNSLookupKDC = false
	l.DNSLookupRealm = boolean("dns_lookup_realm", false)
	if v, ok := get("dns_canonicalize_hostname"); ok {
		// "fallback" (MIT 1.18+) first tries the name as given, then canonicalized.
		b, isBool := ParseBool(v)
		l.DNSCanonicalizeHostname = b || !isBool
	}
	l.Forwardable = boolean("forwardable", false)
	l.Proxiable = boolean("proxiable", false)
	l.NoAddresses = boolean("noaddresses", true)
	l.RDNS = boolean("rdns", true)
	if v, ok := get("udp_preference_limit"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			l.UDPPreferenceLimit = min(n, 32700)
		}
	}
	for name, dst := range map[string]*time.Duration{"clockskew": &l.Clockskew,
		"ticket_lifetime": &l.TicketLifetime, "renew_lifetime": &l.RenewLifetime} {
		if v, ok := get(name); ok {
			if d, ok := parseDuration(v); ok {
				*dst = d
			}
		}
	}
	if v, ok := get("default_keytab_name"); ok {
		l.DefaultKeytabName = v
	}
	if v, ok := get("default_client_keytab_name"); ok {
		l.DefaultClientKeytabName = v
	}
	l.DefaultTktEnctypeIDs = p.enctypes("default_tkt_enctypes")
	l.DefaultTGSEnctypeIDs = p.enctypes("default_tgs_enctypes")
	l.PermittedEnctypeIDs = p.enctypes("permitted_enctypes")

	for _, realm := range p.Sections("realms") {
		r := config.Realm{Realm: realm}
		r.KDC = withPort(p.Values("realms", realm, "kdc"), "88")
		r.AdminServer = p.Values("realms", realm, "admin_server")
		r.MasterKDC = withPort(p.Values("realms", realm, "master_kdc"), "88")
		r.KPasswdServer = withPort(p.Values("realms", realm, "kpasswd_server"), "464")
		if len(r.KPasswdServer) == 0 {
			for _, a := range r.AdminServer {
				host := a
				if h, _, err := net.SplitHostPort(a); err == nil {
					host = h
				}
				r.KPasswdServer = append(r.KPasswdServer, net.JoinHostPort(host, "464"))
			}
		}
		r.DefaultDomain = p.Get("realms", realm, "default_domain")
		c.Realms = append(c.Realms, r)
	}
	for _, domain := range p.Relations("domain_realm") {
		c.DomainRealm[domain] = p.Get("domain_realm", domain)
	}
	return c
}

// withPort gives each host:port entry MIT's default port when it has none.
func withPort(hosts []string, port string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), port)
		}
		out = append(out, h)
	}
	return out
}

// defaultEnctypes is MIT 1.20's default_enctype_list (init_ctx.c) restricted to what
// gokrb5 implements (no camellia).
var defaultEnctypes = []int32{
	etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96,
	etypeID.AES256_CTS_HMAC_SHA384_192, etypeID.AES128_CTS_HMAC_SHA256_128,
	etypeID.DES3_CBC_SHA1_KD, etypeID.RC4_HMAC,
}

// enctypeFamilies are the family names of MIT's krb5int_parse_enctype_list.
var enctypeFamilies = map[string][]int32{
	"aes": {etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96,
		etypeID.AES256_CTS_HMAC_SHA384_192, etypeID.AES128_CTS_HMAC_SHA256_128},
	"rc4":      {etypeID.RC4_HMAC},
	"des3":     {etypeID.DES3_CBC_SHA1_KD},
	"camellia": {},
	// MIT's names of enctype 16, which gokrb5 files under other numbers.
	"des3-cbc-sha1": {etypeID.DES3_CBC_SHA1_KD}, "des3-hmac-sha1": {etypeID.DES3_CBC_SHA1_KD},
	"des3-cbc-sha1-kd": {etypeID.DES3_CBC_SHA1_KD},
}

// enctypes parses an enctype list as MIT 1.20 does: names or families separated by
// blanks or commas, case-insensitive; "-name" removes, "+name" or "name" adds (an
// enctype already listed keeps its place); DEFAULT is the default list. Names gokrb5
// does not implement (camellia) and unknown ones are skipped. Unset means the default
// list. MIT's weak enctypes (single DES, export RC4) are not in gokrb5 at all.
func (p *Profile) enctypes(name string) []int32 {
	v, ok := p.Value("libdefaults", name)
	if !ok {
		return slices.Clone(defaultEnctypes)
	}
	out := []int32{}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" \t\r\n,", r) }) {
		add := true
		if tok[0] == '+' || tok[0] == '-' {
			add, tok = tok[0] == '+', tok[1:]
		}
		tok = strings.ToLower(tok)
		ids, known := enctypeFamilies[tok]
		switch {
		case tok == "default":
			ids = defaultEnctypes
		case !known:
			if id := etypeID.EtypeSupported(tok); id != 0 {
				ids = []int32{id}
			}
		}
		for _, id := range ids {
			switch {
			case !add:
				out = slices.DeleteFunc(out, func(x int32) bool { return x == id })
			case !slices.Contains(out, id):
				out = append(out, id)
			}
		}
	}
	return out
}

// parseDuration reads MIT's duration forms: seconds, h:m[:s], and NdNhNmNs.
func parseDuration(s string) (time.Duration, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if parts := strings.Split(s, ":"); len(parts) == 2 || len(parts) == 3 {
		var d time.Duration
		units := []time.Duration{time.Hour, time.Minute, time.Second}
		for i, part := range parts {
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 {
				return 0, false
			}
			d += time.Duration(n) * units[i]
		}
		return d, true
	}
	days := time.Duration(0)
	if before, after, found := strings.Cut(s, "d"); found {
		n, err := strconv.Atoi(before)
		if err != nil || n < 0 {
			return 0, false
		}
		days, s = time.Duration(n)*24*time.Hour, after
		if s == "" {
			return days, true
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return days + d, true
}
