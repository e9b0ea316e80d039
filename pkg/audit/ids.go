package audit

import (
	"strconv"

	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
)

// ids: the ID rules of pkg/ids (the same findings as `id check`), over the snapshot.
func (a *auditor) ids() {
	var ipaRanges []idrange.Range
	for _, e := range a.snap.Entries {
		if !e.HasObjectClass("ipaIDrange") {
			continue
		}
		b, err1 := strconv.Atoi(e.First("ipaBaseID"))
		n, err2 := strconv.Atoi(e.First("ipaIDRangeSize"))
		if err1 == nil && err2 == nil {
			ipaRanges = append(ipaRanges, idrange.FromIPA(e.First("cn"), b, n))
		}
	}
	a.out = append(a.out, ids.Check(ids.HoldersFrom(a.clean(), a.snap.Suffix), ipaRanges, a.conv)...)
}
