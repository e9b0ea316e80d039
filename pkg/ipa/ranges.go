package ipa

import (
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
)

// LocalIDRange finds the realm's own ID range (ipaRangeType ipa-local) among the entries
// of cn=ranges,cn=etc and returns it with the realm its name carries
// (cn=<REALM>_id_range).
func LocalIDRange(ranges []*directory.Entry) (r idrange.Range, realm string, ok bool) {
	for _, e := range ranges {
		if !strings.EqualFold(e.First("ipaRangeType"), "ipa-local") {
			continue
		}
		base, err1 := strconv.Atoi(e.First("ipaBaseID"))
		size, err2 := strconv.Atoi(e.First("ipaIDRangeSize"))
		if err1 != nil || err2 != nil {
			continue
		}
		name := e.First("cn")
		return idrange.FromIPA(name, base, size), strings.TrimSuffix(name, "_id_range"), true
	}
	return idrange.Range{}, "", false
}

// DNAFits reports whether the server's DNA plugin hands out IDs inside [min, max]: the
// realm's local ID range lies inside it, so new entries may ask for DNAMagic.
func DNAFits(ranges []*directory.Entry, min, max int) bool {
	local, _, ok := LocalIDRange(ranges)
	return ok && local.Min >= min && local.Max <= max
}

// IDRangeFilter is a filter for attr (uidNumber, gidNumber) between min and max inclusive.
// 389-ds answers >= and <= on these attributes from an equality index whose keys sort as
// strings and then checks the values as numbers (uidNumber and gidNumber have no ORDERING
// rule), so a range filter is exact only when min and max have the same number of digits.
// Otherwise it asks for every value; callers filter numerically anyway.
func IDRangeFilter(attr string, min, max int) string {
	if len(strconv.Itoa(min)) != len(strconv.Itoa(max)) || min < 0 {
		return "(" + attr + "=*)"
	}
	return "(&(" + attr + ">=" + strconv.Itoa(min) + ")(" + attr + "<=" + strconv.Itoa(max) + "))"
}
