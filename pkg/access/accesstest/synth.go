// Package accesstest synthesizes FreeIPA-shaped directories in memory for benchmarks of
// access evaluation and the audit, without the data generator of the benchmarks issue.
package accesstest

import (
	"fmt"
	"strconv"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Size is the shape of a synthetic directory.
type Size struct {
	Users, Groups, Hosts, Hostgroups, HBACRules, SudoRules int
}

// PerfScale is FreeIPA's perf-test scale: 50,000 users, 40,000 hosts, 1,000 nested
// groups, 1,000 nested hostgroups, 100 HBAC and 100 sudo rules.
var PerfScale = Size{Users: 50000, Groups: 1000, Hosts: 40000, Hostgroups: 1000, HBACRules: 100, SudoRules: 100}

// Suffix of the synthetic directory.
const Suffix = "dc=perf,dc=test"

// IDBase is the first UID; IDs run upwards from it (UID == GID).
const IDBase = 100000

// HostName is the FQDN of host i.
func HostName(i, perGroup int) string {
	return fmt.Sprintf("hg%04d-node%03d.perf.test", i/perGroup, i%perGroup)
}

// Entries builds the directory: users spread over the groups (group j > 0 nested in group
// j/10), hosts spread over the hostgroups (same nesting) with one automember rule each,
// rule i naming group 10i (HBAC) or 10i+1 (sudo) and hostgroup 10i, every user in
// ipausers, and one FreeIPA ID range covering the IDs.
func Entries(sz Size) []*directory.Entry {
	A := directory.A
	s := Suffix
	var out []*directory.Entry
	userDN := func(i int) string { return directory.Join("uid", fmt.Sprintf("u%05d", i), directory.Users, s) }
	groupDN := func(j int) string { return directory.Join("cn", fmt.Sprintf("g%04d", j), directory.Groups, s) }
	hgDN := func(k int) string { return directory.Join("cn", fmt.Sprintf("hg%04d", k), directory.Hostgroups, s) }
	perGroup := (sz.Hosts + sz.Hostgroups - 1) / sz.Hostgroups
	hostDN := func(i int) string { return directory.Join("fqdn", HostName(i, perGroup), directory.Computers, s) }
	for i := 0; i < sz.Users; i++ {
		id := strconv.Itoa(IDBase + i)
		uid := fmt.Sprintf("u%05d", i)
		out = append(out, directory.NewEntry(userDN(i),
			A("objectClass", "top", "person", "inetorgperson", "posixaccount", "ipaobject"),
			A("uid", uid), A("cn", uid), A("uidNumber", id), A("gidNumber", id)))
	}
	members := make([][]string, sz.Groups)
	for i := 0; i < sz.Users; i++ {
		members[i%sz.Groups] = append(members[i%sz.Groups], userDN(i))
	}
	for j := 1; j < sz.Groups; j++ {
		members[j/10] = append(members[j/10], groupDN(j))
	}
	for j := 0; j < sz.Groups; j++ {
		name := fmt.Sprintf("g%04d", j)
		out = append(out, directory.NewEntry(groupDN(j),
			A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "posixgroup", "ipaobject"),
			A("cn", name), A("gidNumber", strconv.Itoa(IDBase+sz.Users+j)), A("member", members[j]...)))
	}
	all := make([]string, sz.Users)
	for i := range all {
		all[i] = userDN(i)
	}
	out = append(out, directory.NewEntry(directory.Join("cn", "ipausers", directory.Groups, s),
		A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject"), A("cn", "ipausers"), A("member", all...)))
	hmembers := make([][]string, sz.Hostgroups)
	for i := 0; i < sz.Hosts; i++ {
		f := HostName(i, perGroup)
		out = append(out, directory.NewEntry(hostDN(i),
			A("objectClass", "top", "ipaobject", "nshost", "ipahost"), A("fqdn", f), A("cn", f)))
		hmembers[i/perGroup] = append(hmembers[i/perGroup], hostDN(i))
	}
	for k := 1; k < sz.Hostgroups; k++ {
		hmembers[k/10] = append(hmembers[k/10], hgDN(k))
	}
	for k := 0; k < sz.Hostgroups; k++ {
		name := fmt.Sprintf("hg%04d", k)
		out = append(out, directory.NewEntry(hgDN(k),
			A("objectClass", "top", "groupofnames", "nestedgroup", "ipahostgroup", "ipaobject"), A("cn", name), A("member", hmembers[k]...)),
			directory.NewEntry(directory.Join("cn", name, directory.AutomemberHG, s),
				A("objectClass", "top", "automemberregexrule"), A("cn", name), A("automemberTargetGroup", hgDN(k)),
				A("automemberInclusiveRegex", `fqdn=^`+name+`-node[0-9]+\.perf\.test$`)))
	}
	for r := 0; r < sz.HBACRules; r++ {
		name := fmt.Sprintf("r%03d-users", r)
		out = append(out, directory.NewEntry("ipaUniqueID="+name+","+directory.In(directory.HBAC, s),
			A("objectClass", "ipaassociation", "ipahbacrule"), A("cn", name), A("accessRuleType", "allow"), A("ipaEnabledFlag", "TRUE"),
			A("serviceCategory", "all"), A("memberUser", groupDN((r*10)%sz.Groups)), A("memberHost", hgDN((r*10)%sz.Hostgroups))))
	}
	for r := 0; r < sz.SudoRules; r++ {
		name := fmt.Sprintf("r%03d-sudo", r)
		out = append(out, directory.NewEntry("ipaUniqueID="+name+","+directory.In(directory.SudoRules, s),
			A("objectClass", "ipaassociation", "ipasudorule"), A("cn", name), A("ipaEnabledFlag", "TRUE"),
			A("cmdCategory", "all"), A("ipaSudoRunAsUserCategory", "all"), A("ipaSudoRunAsGroupCategory", "all"),
			A("memberUser", groupDN((r*10+1)%sz.Groups)), A("memberHost", hgDN((r*10)%sz.Hostgroups))))
	}
	out = append(out, directory.NewEntry(directory.Join("cn", "PERF.TEST_id_range", directory.Ranges, s),
		A("objectClass", "top", "ipaIDrange", "ipaDomainIDRange"), A("cn", "PERF.TEST_id_range"),
		A("ipaBaseID", strconv.Itoa(IDBase)), A("ipaIDRangeSize", "200000"), A("ipaRangeType", "ipa-local")))
	return out
}
