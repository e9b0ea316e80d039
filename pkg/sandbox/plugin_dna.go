package sandbox

import (
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// DNA: the Distributed Numeric Assignment plugin over the realm's ID range.

const dnaRangeName = "cn=posix ids,cn=distributed numeric assignment plugin,cn=plugins,cn=config"

func (d *Dir) dnaPre(e *entry) error {
	if !(e.hasOC("posixAccount") || e.hasOC("posixGroup") || e.hasOC("ipaIDobject")) {
		return nil
	}
	if d.under(e.ndn, "cn=provisioning") {
		return nil
	}
	var magic []string
	for _, a := range []string{"uidNumber", "gidNumber"} {
		if v := e.get(a); len(v) == 1 && strings.TrimSpace(v[0]) == "-1" {
			magic = append(magic, a)
		}
	}
	if len(magic) == 0 {
		return nil
	}
	base, size, ok := d.idRange()
	if !ok {
		return directory.Errorf(directory.CodeOperationsError, "add", e.dn, "Allocation of a new value for range %s failed! Unable to proceed.", dnaRangeName)
	}
	max := base + size - 1
	n := d.dnaNext
	if n < base {
		n = base
	}
	for ; n <= max; n++ {
		s := strconv.FormatInt(n, 10)
		if len(d.index["uidnumber"][s]) == 0 && len(d.index["gidnumber"][s]) == 0 {
			break
		}
	}
	if n > max {
		return directory.Errorf(directory.CodeOperationsError, "add", e.dn, "Allocation of a new value for range %s failed! Unable to proceed.", dnaRangeName)
	}
	for _, a := range magic {
		e.set(a, strconv.FormatInt(n, 10))
	}
	d.dnaNext = n + 1
	return nil
}

// idRange returns the local IPA ID range (cn=<REALM>_id_range,cn=ranges,cn=etc).
func (d *Dir) idRange() (base, size int64, ok bool) {
	rs, ok2 := d.entries[directory.NormalizeDN(directory.In(directory.Ranges, d.suffix))]
	if !ok2 {
		return 0, 0, false
	}
	var cands []*entry
	for _, c := range rs.children {
		if strings.EqualFold(c.first("ipaRangeType"), "ipa-local") || strings.HasSuffix(strings.ToLower(c.first("cn")), "_id_range") {
			cands = append(cands, c)
		}
	}
	// The realm's <REALM>_id_range first, whatever the order the ranges were added in: on
	// FreeIPA, DNA is configured from it, never from a range added later (issue 18).
	named := func(c *entry) bool { return strings.HasSuffix(strings.ToLower(c.first("cn")), "_id_range") }
	sort.Slice(cands, func(i, j int) bool {
		if named(cands[i]) != named(cands[j]) {
			return named(cands[i])
		}
		return cands[i].id < cands[j].id
	})
	for _, c := range cands {
		b, err1 := strconv.ParseInt(c.first("ipaBaseID"), 10, 64)
		s, err2 := strconv.ParseInt(c.first("ipaIDRangeSize"), 10, 64)
		if err1 == nil && err2 == nil {
			return b, s, true
		}
	}
	return 0, 0, false
}

func (e *entry) first(a string) string {
	if v := e.get(a); len(v) > 0 {
		return v[0]
	}
	return ""
}
