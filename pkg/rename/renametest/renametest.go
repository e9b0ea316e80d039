// Package renametest builds the host-rename test fixture on any directory: a host trusted
// for delegation with two services (one holding a certificate, one trusted for
// delegation) in three hostgroups by automember, an HBAC and a
// sudo rule reaching it, and a fourth rule for other names; and simulates the operator's
// `ipa host-del` and re-enrollment.
package renametest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TicketFlags are the krbTicketFlags of Old and of its nfs service: FreeIPA's default
// (requires pre-authentication, 0x80) plus ok-as-delegate (0x100000).
const TicketFlags = "1048704"

// Fixture names the objects made.
type Fixture struct {
	P     string // prefix of every name
	Realm string
	// Old is P-app01.example.test; Same (P-app02) keeps its access; Other (P-web01) changes it.
	Old, Same, Other string
	// Hostgroups are P+"a", P+"b", P+"c" (Old's) and P+"d" (Other's).
	Hostgroups []string
	dir        directory.Client
	made       []string
}

// HostEntry is the entry `ipa host-add FQDN` (as ipa-client-install runs it) makes.
func HostEntry(fqdn, realm, suffix string) *directory.Entry {
	dn := ipa.HostDN(fqdn, suffix)
	A := directory.A
	return directory.NewEntry(dn,
		A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
			"ipasshhost", "krbprincipalaux", "krbprincipal"),
		A("fqdn", fqdn), A("cn", fqdn), A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
		A("krbPrincipalName", "host/"+fqdn+"@"+realm), A("krbCanonicalName", "host/"+fqdn+"@"+realm),
		A("managedBy", dn), A("ipaUniqueID", ipa.Autogenerate))
}

// ServiceEntry is `ipa service-add svc/fqdn` (with a certificate when cert is set).
func ServiceEntry(t *testing.T, svc, fqdn, realm, suffix string, cert bool) *directory.Entry {
	p := svc + "/" + fqdn + "@" + realm
	A := directory.A
	e := directory.NewEntry(directory.Join("krbprincipalname", p, directory.Services, suffix),
		A("objectClass", "krbprincipal", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipaservice", "pkiuser", "ipakrbprincipal"),
		A("krbPrincipalName", p), A("krbCanonicalName", p), A("ipaKrbPrincipalAlias", p),
		A("managedBy", ipa.HostDN(fqdn, suffix)), A("ipaUniqueID", ipa.Autogenerate))
	if cert {
		e.Set("userCertificate", string(Certificate(t, fqdn)))
	}
	return e
}

// Certificate returns a self-signed DER certificate for cn.
func Certificate(t *testing.T, cn string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(0, 0).Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// New makes the fixture; everything it and the test make under the prefix is removed at
// cleanup.
func New(t *testing.T, dir directory.Client, p, realm string) *Fixture {
	t.Helper()
	ctx := context.Background()
	s := dir.Suffix()
	fx := &Fixture{P: p, Realm: realm, dir: dir, Old: p + "-app01.example.test", Same: p + "-app02.example.test",
		Other: p + "-web01.example.test", Hostgroups: []string{p + "a", p + "b", p + "c", p + "d"}}
	t.Cleanup(func() { fx.cleanup(t) })
	add := func(e *directory.Entry) {
		t.Helper()
		dn, err := dir.Add(ctx, e)
		if err != nil {
			t.Fatalf("fixture: add %s: %v", e.DN, err)
		}
		fx.made = append(fx.made, dn)
	}
	esc := strings.ReplaceAll(p, "-", `\-`)
	regex := map[string]string{
		p + "a": "^" + esc + `-app`,
		p + "b": "^" + esc + `-.*\.example\.test$`,
		p + "c": "^" + esc + `-app0[0-9]\.`,
		p + "d": "^" + esc + `-web`,
	}
	for _, hg := range fx.Hostgroups {
		add(ipa.Hostgroup(hg, hg+" nodes", s))
	}
	for _, hg := range fx.Hostgroups {
		add(ipa.AutomemberHostgroupRule(hg, []string{regex[hg]}, nil, "fqdn", s))
	}
	add(ipa.HBACRule(p+"-users", nil, []string{ipa.HostgroupDN(p+"a", s)}, s))
	add(ipa.SudoRule(ipa.SudoRuleSpec{Name: p + "-sudo", CmdAll: true, RunAsUserAll: true, RunAsGroupAll: true,
		HostDNs: []string{ipa.HostgroupDN(p+"c", s)}}, s))
	add(ipa.HBACRule(p+"-web", nil, []string{ipa.HostgroupDN(p+"d", s)}, s))
	host := HostEntry(fx.Old, realm, s)
	host.Set("objectClass", append(host.Get("objectClass"), "krbticketpolicyaux")...)
	host.Set("krbTicketFlags", TicketFlags) // ipa host-mod --ok-as-delegate=true
	if _, err := dir.Add(ctx, host); err != nil {
		t.Fatalf("fixture: add host: %v", err)
	}
	for _, sv := range []struct {
		name string
		cert bool
	}{{"HTTP", true}, {"nfs", false}} {
		e := ServiceEntry(t, sv.name, fx.Old, realm, s, sv.cert)
		if sv.name == "nfs" {
			e.Set("krbTicketFlags", TicketFlags) // ipa service-add --ok-as-delegate=true
		}
		if _, err := dir.Add(ctx, e); err != nil {
			t.Fatalf("fixture: add service: %v", err)
		}
	}
	return fx
}

// HostDel simulates `ipa host-del fqdn`: the host's services, then the host.
func (fx *Fixture) HostDel(t *testing.T, fqdn string) {
	t.Helper()
	for _, dn := range fx.entries(t, fqdn) {
		if err := fx.dir.Delete(context.Background(), dn); err != nil {
			t.Fatalf("host-del %s: delete %s: %v", fqdn, dn, err)
		}
	}
}

// Enroll simulates ipa-client-install: `ipa host-add fqdn` (automember places it).
func (fx *Fixture) Enroll(t *testing.T, fqdn string) {
	t.Helper()
	if _, err := fx.dir.Add(context.Background(), HostEntry(fqdn, fx.Realm, fx.dir.Suffix())); err != nil {
		t.Fatalf("enroll %s: %v", fqdn, err)
	}
}

// entries lists the DNs of fqdn's services, then its host entry.
func (fx *Fixture) entries(t *testing.T, fqdn string) []string {
	es, err := fx.dir.Search(context.Background(), directory.SearchRequest{
		BaseDN: directory.In("cn=accounts", fx.dir.Suffix()), Scope: directory.ScopeSub,
		Filter:     "(&(objectClass=ipaservice)(|(fqdn=" + directory.EscapeFilterValue(fqdn) + ")(krbPrincipalName=*/" + directory.EscapeFilterValue(fqdn) + "@*)))",
		Attributes: []string{"objectClass"},
	})
	if err != nil {
		t.Fatalf("search %s: %v", fqdn, err)
	}
	sort.SliceStable(es, func(i, j int) bool { return !es[i].HasObjectClass("ipahost") && es[j].HasObjectClass("ipahost") })
	var out []string
	for _, e := range es {
		out = append(out, e.DN)
	}
	return out
}

func (fx *Fixture) cleanup(t *testing.T) {
	ctx := context.Background()
	for _, h := range []string{fx.Old, fx.Same, fx.Other} {
		for _, dn := range fx.entries(t, h) {
			_ = fx.dir.Delete(ctx, dn)
		}
	}
	for i := len(fx.made) - 1; i >= 0; i-- {
		_ = fx.dir.Delete(ctx, fx.made[i])
	}
}
