package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
	"github.com/accessctl/accessctl/pkg/users"
)

// TestPlantedBothBackends plants violations under names unique to the run in the demo
// sandbox and in the live test directory (shared with other tests: nothing that widens
// anyone's access), audits, and expects each planted violation exactly once among the
// findings naming the run's objects. Everything planted is removed afterwards.
func TestPlantedBothBackends(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { planted(t, b.Open(t)) })
	}
}

func planted(t *testing.T, dir directory.Client) {
	ctx := context.Background()
	raw := make([]byte, 3)
	_, _ = rand.Read(raw)
	T := "a11" + hex.EncodeToString(raw)
	s := dir.Suffix()
	var added []string
	add := func(e *directory.Entry) string {
		t.Helper()
		dn, err := dir.Add(ctx, e)
		if err != nil {
			t.Fatalf("plant %s: %v", e.DN, err)
		}
		added = append(added, dn)
		return dn
	}
	t.Cleanup(func() {
		for i := len(added) - 1; i >= 0; i-- {
			if err := dir.Delete(ctx, added[i]); err != nil && !directory.IsNotFound(err) {
				t.Errorf("cleanup %s: %v", added[i], err)
			}
		}
	})
	cfg := users.ConfigFrom(nil)
	user := func(login, uid string, extra ...directory.Attribute) string {
		e := users.Entry(users.Spec{Login: login, First: "Planted", Last: "User", UID: uid}, cfg, s)
		for _, a := range extra {
			e.Set(a.Name, a.Values...)
		}
		return add(e)
	}
	c, g := "c"+T, "g"+T
	u, v, o, r, x := "u"+T, "v"+T, "o"+T, "r"+T, "x"+T
	fqdn := "h" + T + ".a11.test"
	uDN := user(u, ipa.DNAMagic)
	vDN := user(v, ipa.DNAMagic)
	oDN := user(o, ipa.DNAMagic, directory.A("nsAccountLock", "TRUE"))
	rDN := user(r, ipa.DNAMagic, directory.A("userPassword", "planted-"+T))
	user(x, fmt.Sprint(59000+int(raw[0])))
	hdn := ipa.HostDN(fqdn, s) // FreeIPA's host_add shape (freeipa-ldap.md §2.4)
	hostDN := add(directory.NewEntry(hdn,
		directory.A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
			"ipasshhost", "krbprincipalaux", "krbprincipal"),
		directory.A("fqdn", fqdn), directory.A("cn", fqdn), directory.A("serverHostName", "h"+T),
		directory.A("krbPrincipalName", "host/"+fqdn+"@EXAMPLE.TEST"), directory.A("krbCanonicalName", "host/"+fqdn+"@EXAMPLE.TEST"),
		directory.A("managedBy", hdn), directory.A("ipaUniqueID", ipa.Autogenerate)))
	grp := ipa.PosixGroup(c, c+" users", ipa.DNAMagic, s)
	grp.Set("member", oDN)
	add(grp)
	g2 := ipa.PosixGroup(g, "planted", ipa.DNAMagic, s)
	g2.Set("member", vDN)
	gDN := add(g2)
	hg := ipa.Hostgroup(c, c+" servers", s)
	hg.Set("member", hostDN)
	hgDN := add(hg)
	add(ipa.HBACRule("d"+T, []string{uDN}, []string{hgDN}, s))
	sudoto := c + "-sudoto-" + r
	add(ipa.SudoRule(ipa.SudoRuleSpec{Name: sudoto, CmdAll: true, UserDNs: []string{gDN}, HostDNs: []string{hgDN}, RunAsUserDNs: []string{rDN}}, s))
	bind := directory.NewEntry(directory.Join("uid", "b"+T, directory.SysAccounts, s),
		directory.A("objectClass", "account", "simplesecurityobject"), directory.A("uid", "b"+T),
		directory.A("userPassword", "planted-"+T), directory.A("passwordExpirationTime", "20380119031407Z"))
	add(bind)

	snap, err := access.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(snap, siteconv.Default())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if strings.Contains(strings.Join(f.Objects, " "), T) {
			got = append(got, f.ID+" "+strings.Join(f.Objects, " "))
		}
	}
	want := []string{
		"cluster-half cluster:" + c + " group:" + c + "-sudo hbacrule:" + c + "-users sudorule:" + c + "-sudo",
		"offboard-membership user:" + o + " group:" + c,
		"rule-direct-user hbacrule:d" + T + " user:" + u,
		"automember-unmatched-member hostgroup:" + c + " host:" + fqdn,
		"sudo-without-login user:" + v + " sudorule:" + sudoto + " host:" + fqdn,
		"role-password user:" + r,
		"sudoto-options sudorule:" + sudoto,
		"id-outside-range user:" + x,
		"service-binddn binddn:b" + T,
	}
	// An enabled allow_all rule (the demo's, FreeIPA's default) lets everyone log in
	// everywhere: then nobody may sudo where they may not log in.
	for _, r := range snap.HBAC {
		if r.Enabled && r.UserAll && r.HostAll {
			want = append(want[:4], want[5:]...)
			break
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("planted findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}
