package audit

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// bindDNs: entries under cn=sysaccounts,cn=etc not made the way ITTN-010 §7.3 makes
// service bind DNs.
func (a *auditor) bindDNs() {
	c := directory.In(directory.SysAccounts, a.snap.Suffix)
	for _, e := range a.snap.Entries {
		if !(e.HasObjectClass("simpleSecurityObject") || e.HasObjectClass("account")) ||
			!directory.EqualDN(directory.Parent(e.DN), c) || len(e.Get("nsds5ReplConflict")) > 0 {
			continue
		}
		var bad []string
		for _, oc := range []string{"account", "simpleSecurityObject"} {
			if !e.HasObjectClass(oc) {
				bad = append(bad, "objectClass "+oc)
			}
		}
		if e.First("passwordExpirationTime") != "20380119031407Z" {
			bad = append(bad, "passwordExpirationTime 20380119031407Z")
		}
		if e.First("nsIdleTimeout") != "0" {
			bad = append(bad, "nsIdleTimeout 0")
		}
		if uid := e.First("uid"); uid == "" || !directory.EqualDN(e.DN, a.conv.BindDN(uid, a.snap.Suffix)) {
			bad = append(bad, "uid RDN")
		}
		if len(bad) > 0 {
			name := directory.RDNValue(e.DN)
			a.add("service-binddn", Warning, "", fmt.Sprintf("service bind DN %s was not made by convention: lacks %s", name, strings.Join(bad, ", ")), "binddn:"+name)
		}
	}
}
