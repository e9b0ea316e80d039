package ldapdir

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/accessctl/accessctl/internal/testbed/faultproxy"
	"github.com/accessctl/accessctl/pkg/directory"
)

type fakeResolver map[string][]*net.SRV

func (f fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	if service != "" || proto != "" {
		return "", nil, errors.New("want the full name")
	}
	if recs, ok := f[name]; ok {
		return name, recs, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func TestServersFromSRV(t *testing.T) {
	r := fakeResolver{
		"_ldap._tcp.example.test": {
			{Target: "ipa1.example.test.", Port: 389}, {Target: "ipa2.example.test.", Port: 389}, {Target: "ipa3.example.test.", Port: 389},
		},
		"_ldap._tcp.berlin._locations.example.test": {{Target: "ipa3.example.test.", Port: 389}},
		// The records are the configured domain's; their targets may lie outside it.
		"_ldap._tcp.corp.test": {{Target: "ipa1.hosting.example.net.", Port: 389}},
	}
	tests := []struct {
		name, domain, site string
		want               []string
		wantErr            bool
	}{
		{"no site", "example.test", "", []string{"ldaps://ipa1.example.test", "ldaps://ipa2.example.test", "ldaps://ipa3.example.test"}, false},
		{"site first", "example.test", "berlin", []string{"ldaps://ipa3.example.test", "ldaps://ipa1.example.test", "ldaps://ipa2.example.test"}, false},
		{"unknown site falls back", "example.test.", "paris", []string{"ldaps://ipa1.example.test", "ldaps://ipa2.example.test", "ldaps://ipa3.example.test"}, false},
		{"no records", "other.test", "", nil, true},
		{"targets outside the domain", "corp.test", "", []string{"ldaps://ipa1.hosting.example.net"}, false},
		{"no domain", "", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ServersFromSRVWith(context.Background(), r, tt.domain, tt.site)
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"ldap result", &ldap.Error{ResultCode: ldap.LDAPResultNoSuchObject, Err: errors.New("no such entry")}, directory.CodeNoSuchObject, "no such entry"},
		{"already exists", &ldap.Error{ResultCode: ldap.LDAPResultEntryAlreadyExists}, directory.CodeEntryAlreadyExists, ""},
		{"network", ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed")), directory.CodeNetwork, "connection closed"},
		{"filter", ldap.NewError(ldap.ErrorFilterCompile, errors.New("unexpected end")), directory.CodeProtocolError, "bad filter"},
		{"eof", io.EOF, directory.CodeNetwork, "EOF"},
		{"timeout", os.ErrDeadlineExceeded, directory.CodeNetwork, "timed out"},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, directory.CodeNetwork, "dial: connection refused"},
		{"cancelled", context.Canceled, directory.CodeNetwork, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mapError(tt.err, "modify", "cn=x,dc=example,dc=test")
			var de *directory.Error
			if !errors.As(err, &de) {
				t.Fatalf("%T", err)
			}
			if de.Code != tt.code || de.Op != "modify" || de.DN != "cn=x,dc=example,dc=test" || !strings.Contains(de.Message, tt.msg) {
				t.Fatalf("got %+v", de)
			}
			if !errors.Is(err, tt.err) {
				t.Error("cause lost")
			}
		})
	}
	if mapError(nil, "x", "") != nil {
		t.Fatal("nil mapped")
	}
}

func TestIsAutogenerateRDN(t *testing.T) {
	for dn, want := range map[string]bool{
		"ipaUniqueID=autogenerate,cn=hbac,dc=example,dc=test":  true,
		"IPAUNIQUEID = Autogenerate,cn=sudorules,cn=sudo,dc=x": true,
		"cn=autogenerate,cn=hbac,dc=x":                         false,
		"ipaUniqueID=1234,cn=hbac,dc=x":                        false,
	} {
		if got := isAutogenerateRDN(dn); got != want {
			t.Errorf("%s: %v", dn, got)
		}
	}
}

func TestSkipped(t *testing.T) {
	trees := []string{"cn=compat,dc=example,dc=test", "ou=sudoers,dc=example,dc=test"}
	for dn, want := range map[string]bool{
		"uid=a,cn=users,cn=compat,dc=example,dc=test":   true,
		"cn=Compat,dc=example,dc=test":                  true,
		"cn=r,ou=SUDOers,dc=example,dc=test":            true,
		"uid=a,cn=users,cn=accounts,dc=example,dc=test": false,
	} {
		if got := skipped(dn, trees); got != want {
			t.Errorf("%s: %v", dn, got)
		}
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestFailoverAllDown needs no server: a refused port and a black hole each cost no
// more than the connect timeout, and the error names both.
func TestFailoverAllDown(t *testing.T) {
	p, err := faultproxy.Start(closedPort(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.BlackHole()
	refused := "ldaps://" + closedPort(t)
	hole := "ldaps://" + p.Addr()
	holePlain := "ldap://" + p.Addr()
	var dbg strings.Builder
	start := time.Now()
	_, err = Dial(context.Background(), Options{
		Servers:        []string{refused, hole, holePlain},
		CAFile:         writeSystemlessCA(t),
		Insecure:       true,
		ConnectTimeout: 300 * time.Millisecond,
		Timeout:        5 * time.Second,
		Bind:           Simple{DN: "cn=x", Password: "secret-never-logged"},
		Debug:          &dbg,
	})
	took := time.Since(start)
	if err == nil {
		t.Fatal("dial succeeded")
	}
	if !directory.IsCode(err, directory.CodeNetwork) {
		t.Errorf("code %d", directory.CodeOf(err))
	}
	for _, s := range []string{refused, hole, holePlain, "refused", "timed out"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not name %q: %v", s, err)
		}
	}
	if took > 1500*time.Millisecond {
		t.Errorf("took %s for three dead servers with a 300ms connect timeout", took)
	}
	if strings.Contains(dbg.String(), "secret-never-logged") {
		t.Error("password in debug output")
	}
	t.Logf("%s\n%s", took, err)
}

func TestPlainRefusedWithoutInsecure(t *testing.T) {
	_, err := Dial(context.Background(), Options{Servers: []string{"ldap://127.0.0.1:1"}})
	if err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("err = %v", err)
	}
}

func TestUntrustedCA(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	_, err := Dial(context.Background(), Options{
		Servers: []string{"ldaps://" + host},
		CAFile:  writeSystemlessCA(t),
		Bind:    Simple{DN: "cn=x", Password: "x"},
	})
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority; pass --ca-file with the IPA CA (/etc/ipa/ca.crt)") {
		t.Fatalf("err = %v", err)
	}
}

// TestTrust: servers are verified against the IPA CA (or the file named); with neither
// TLS is refused with the fix, and the system roots are used only when named.
func TestTrust(t *testing.T) {
	ca := writeSystemlessCA(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("no certificate here"), 0o600)
	_, haveIPACA := os.Stat(DefaultCAFile)
	tests := []struct {
		name    string
		opts    Options
		wantErr string // "" = trusted roots loaded (or none needed)
		system  bool   // the system roots
	}{
		{"IPA CA missing", Options{Servers: []string{"ldaps://ipa1.example.test"}}, "no CA to verify the servers with: /etc/ipa/ca.crt does not exist; pass --ca-file", false},
		{"IPA CA missing, StartTLS", Options{Servers: []string{"ldap://ipa1.example.test"}, StartTLS: true}, "/etc/ipa/ca.crt does not exist", false},
		{"IPA CA missing, second server", Options{Servers: []string{"ldap://a.example.test", "ldaps://b.example.test"}, Insecure: true}, "/etc/ipa/ca.crt does not exist", false},
		{"plain LDAP needs no CA", Options{Servers: []string{"ldap://ipa1.example.test"}, Insecure: true}, "", false},
		{"named file", Options{Servers: []string{"ldaps://ipa1.example.test"}, CAFile: ca}, "", false},
		{"named file missing", Options{Servers: []string{"ldaps://ipa1.example.test"}, CAFile: ca + ".gone"}, "ca.crt.gone does not exist", false},
		{"not PEM", Options{Servers: []string{"ldaps://ipa1.example.test"}, CAFile: notPEM}, "holds no PEM certificate", false},
		{"system roots named", Options{Servers: []string{"ldaps://ipa1.example.test"}, CAFile: SystemRoots}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if haveIPACA == nil && tt.opts.CAFile == "" {
				t.Skip("this host has " + DefaultCAFile)
			}
			err := tt.opts.CheckTrust()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "no certificate here") {
					t.Errorf("error echoes the file: %v", err)
				}
				// Dial refuses the same way, before anything is sent.
				_, derr := Dial(context.Background(), Options{Servers: tt.opts.Servers, StartTLS: tt.opts.StartTLS, CAFile: tt.opts.CAFile,
					Insecure: tt.opts.Insecure, ConnectTimeout: 200 * time.Millisecond, Bind: Simple{DN: "cn=x", Password: "x"}})
				if derr == nil || !strings.Contains(derr.Error(), tt.wantErr) {
					t.Fatalf("dial: err = %v, want %q", derr, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := TLSConfig(tt.opts.CAFile, "ipa1.example.test")
			if tt.opts.CAFile == "" {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (cfg.RootCAs == nil) != tt.system {
				t.Fatalf("system roots = %v, want %v", cfg.RootCAs == nil, tt.system)
			}
		})
	}
}

// TestSystemRootsOnlyWhenNamed: a server whose certificate no configured CA signed is
// refused, with the IPA CA and with the system roots alike.
func TestSystemRootsOnlyWhenNamed(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	for _, ca := range []string{writeSystemlessCA(t), SystemRoots} {
		_, err := Dial(context.Background(), Options{Servers: []string{"ldaps://" + host}, CAFile: ca, Bind: Simple{DN: "cn=x", Password: "x"}})
		if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Fatalf("CA %s: err = %v", ca, err)
		}
	}
}

// writeSystemlessCA writes a freshly made, unrelated CA so the system pool is not used.
func writeSystemlessCA(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ca.crt")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return p
}

func TestKDCUnreachableIsNetwork(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "krb5.conf")
	_, port, _ := net.SplitHostPort(closedPort(t))
	os.WriteFile(conf, []byte("[libdefaults]\n default_realm = EXAMPLE.TEST\n dns_lookup_kdc = false\n udp_preference_limit = 0\n"+
		"[realms]\n EXAMPLE.TEST = {\n  kdc = 127.0.0.1:"+port+"\n }\n"), 0o644)
	kt := filepath.Join(dir, "kt")
	k := keytab.New()
	if err := k.AddEntry("admin", "EXAMPLE.TEST", "secret", time.Now(), 1, 18); err != nil {
		t.Fatal(err)
	}
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(kt, b, 0o600)
	_, err = Dial(context.Background(), Options{Servers: []string{"ldaps://127.0.0.1:1"}, CAFile: writeSystemlessCA(t),
		Bind: GSSAPI{Keytab: kt, Principal: "admin", Krb5Conf: conf}})
	if !directory.IsCode(err, directory.CodeNetwork) {
		t.Fatalf("err = %v", err)
	}
	t.Log(err)
}
