package krb5conf

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeDNS answers SRV queries from a table and records the names asked.
type fakeDNS struct {
	records map[string][]*net.SRV
	asked   []string
}

func (f *fakeDNS) lookup(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	q := "_" + service + "._" + proto + "." + name
	f.asked = append(f.asked, q)
	recs, ok := f.records[q]
	if name == "FAIL.TEST" {
		return "", nil, &net.DNSError{Err: "i/o timeout", Name: q, IsTimeout: true}
	}
	if !ok {
		return "", nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
	}
	return q, recs, nil
}

func TestKDCsOrder(t *testing.T) {
	srv := map[string][]*net.SRV{
		"_kerberos._tcp.A.TEST":    {{Target: "kdc1.a.test.", Port: 88}, {Target: "kdc2.a.test.", Port: 8888}},
		"_kerberos._udp.A.TEST":    {{Target: "kdc1.a.test.", Port: 88}, {Target: "kdc3.a.test.", Port: 88}},
		"_kerberos._udp.NONE.TEST": {{Target: ".", Port: 0}},
	}
	realmKDC := "[realms]\n A.TEST = {\n  kdc = conf1.a.test\n  kdc = conf2.a.test:750\n }\n"
	tests := []struct {
		name    string
		conf    string
		realm   string
		kdcinfo string // "" for no file; "\n" for an empty one
		want    []string
		from    KDCSource
		wantDNS bool   // whether DNS may be asked
		wantErr string // a substring of the error
	}{
		{name: "kdc lines win over kdcinfo and DNS", conf: realmKDC, realm: "A.TEST", kdcinfo: "10.0.0.9\n",
			want: []string{"conf1.a.test:88", "conf2.a.test:750"}, from: FromConfig},
		{name: "kdc lines even with dns_lookup_kdc false", conf: "[libdefaults]\n dns_lookup_kdc = false\n" + realmKDC, realm: "A.TEST",
			want: []string{"conf1.a.test:88", "conf2.a.test:750"}, from: FromConfig},
		{name: "kdcinfo before DNS when no kdc line", conf: "[libdefaults]\n default_realm = A.TEST\n", realm: "A.TEST",
			kdcinfo: "10.0.0.9\n10.0.0.10:5908\n", want: []string{"10.0.0.9:88", "10.0.0.10:5908"}, from: FromKdcinfo},
		{name: "kdcinfo of another realm is not read", conf: realmKDC, realm: "B.TEST", kdcinfo: "10.0.0.9\n",
			wantDNS: true, wantErr: "no KDC found for realm B.TEST"},
		{name: "DNS SRV udp then tcp when no kdcinfo", conf: "", realm: "A.TEST",
			want: []string{"kdc1.a.test:88", "kdc3.a.test:88", "kdc2.a.test:8888"}, from: FromDNS, wantDNS: true},
		{name: "an empty kdcinfo falls through to DNS", conf: "", realm: "A.TEST", kdcinfo: "\n",
			want: []string{"kdc1.a.test:88", "kdc3.a.test:88", "kdc2.a.test:8888"}, from: FromDNS, wantDNS: true},
		{name: "dns_lookup_kdc true spelled yes", conf: "[libdefaults]\n dns_lookup_kdc = yes\n", realm: "A.TEST",
			want: []string{"kdc1.a.test:88", "kdc3.a.test:88", "kdc2.a.test:8888"}, from: FromDNS, wantDNS: true},
		{name: "dns_lookup_kdc false: neither kdcinfo nor DNS", conf: "[libdefaults]\n dns_lookup_kdc = false\n", realm: "A.TEST",
			kdcinfo: "10.0.0.9\n", wantErr: "dns_lookup_kdc is false"},
		{name: "SRV target . means no service", conf: "", realm: "NONE.TEST", wantDNS: true,
			wantErr: "no KDC found for realm NONE.TEST"},
		{name: "no such record is no answer, not a failure", conf: "", realm: "B.TEST", wantDNS: true,
			wantErr: "no DNS SRV record _kerberos._udp/_tcp.B.TEST"},
		{name: "a failing resolver is named", conf: "", realm: "FAIL.TEST", wantDNS: true,
			wantErr: "the DNS SRV lookup failed: _kerberos._udp.FAIL.TEST: lookup _kerberos._udp.FAIL.TEST: i/o timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "krb5.conf")
			if err := os.WriteFile(conf, []byte(tt.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			pubconf := filepath.Join(dir, "pubconf")
			os.Mkdir(pubconf, 0o755)
			if tt.kdcinfo != "" {
				if err := os.WriteFile(filepath.Join(pubconf, "kdcinfo.A.TEST"), []byte(tt.kdcinfo), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			prof, err := Load([]string{conf})
			if err != nil {
				t.Fatal(err)
			}
			dns := &fakeDNS{records: srv}
			got, from, err := prof.KDCs(tt.realm, Locator{Pubconf: pubconf, LookupSRV: dns.lookup})
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrNoKDC) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrNoKDC with %q", err, tt.wantErr)
				}
			} else if err != nil || !slices.Equal(got, tt.want) || from != tt.from {
				t.Fatalf("KDCs = %q from %q, %v; want %q from %q", got, from, err, tt.want, tt.from)
			}
			wantAsked := []string(nil)
			if tt.wantDNS {
				wantAsked = []string{"_kerberos._udp." + tt.realm, "_kerberos._tcp." + tt.realm}
			}
			if !slices.Equal(dns.asked, wantAsked) {
				t.Errorf("DNS asked %q, want %q", dns.asked, wantAsked)
			}
		})
	}
}

func TestKdcinfoPorts(t *testing.T) {
	tests := []struct {
		line, want string
		ok         bool
	}{
		{"10.0.0.1", "10.0.0.1:88", true},
		{"  10.0.0.1:5908 ", "10.0.0.1:5908", true},
		{"kdc.a.test:750", "kdc.a.test:750", true},
		{"[fe80::1]:89", "[fe80::1]:89", true},
		{"[fe80::1]", "[fe80::1]:88", true},
		{"fe80::1", "[fe80::1]:88", true}, // a bare IPv6 address has no port
		{"kdc.a.test:0", "", false},
		{"kdc.a.test:70000", "", false},
		{"kdc.a.test:x", "", false},
		{"kdc.a.test:", "kdc.a.test:88", true}, // empty port: the default
		{"[fe80::1", "", false},
		{"[fe80::1]89", "", false},
		{":88", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := kdcinfoAddr(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("kdcinfoAddr(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
	// kdc lines: MIT's port 88 when none is given, brackets kept for IPv6.
	if got := withPort([]string{"kdc.a.test", "kdc.a.test:750", "[::1]", "[::1]:89", " "}, "88"); !slices.Equal(got,
		[]string{"kdc.a.test:88", "kdc.a.test:750", "[::1]:88", "[::1]:89"}) {
		t.Errorf("withPort = %q", got)
	}
}

// TestLocateKDCs checks that gokrb5 is handed the KDCs found, for a realm the
// configuration does not name, and never looks in DNS itself.
func TestLocateKDCs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kdcinfo.A.TEST"), []byte("127.0.0.1:5908\n"), 0o644)
	conf := filepath.Join(dir, "krb5.conf")
	os.WriteFile(conf, []byte("[libdefaults]\n default_realm = A.TEST\n"), 0o644)
	prof, err := Load([]string{conf})
	if err != nil {
		t.Fatal(err)
	}
	c := prof.Gokrb5()
	if c.LibDefaults.DNSLookupKDC {
		t.Fatal("gokrb5's own DNS lookup is on")
	}
	if _, _, err := c.GetKDCs("A.TEST", true); err == nil {
		t.Fatal("gokrb5 found a KDC before LocateKDCs")
	}
	t.Setenv(PubconfEnv, dir)
	src, err := prof.LocateKDCs(c, "A.TEST", Locator{})
	if err != nil || src != FromKdcinfo {
		t.Fatalf("LocateKDCs: %q, %v", src, err)
	}
	n, kdcs, err := c.GetKDCs("A.TEST", true)
	if err != nil || n != 1 || kdcs[1] != "127.0.0.1:5908" {
		t.Fatalf("GetKDCs = %d %v %v", n, kdcs, err)
	}
}
