package ids

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
)

// The server's DNA plugin (Distributed Numeric Assignment) gives an entry added with
// uidNumber/gidNumber -1 the next free ID of the realm's own ID range. It skips IDs that
// an entry in its scope already holds, but it knows nothing of accessctl's high-water
// marks: an ID claimed with `id next --allocate` holds no entry until someone creates it,
// and DNA would hand it out again. So:
//   - a claim that holds no entry is refused in any range DNA may hand out IDs of
//     (RefuseClaimUnderDNA);
//   - new entries of a range DNA serves whole ask DNA for their IDs (UseDNA), unless an
//     earlier claim reaches into DNA's range: then the ID is chosen here, above the mark,
//     and the entry that holds it is what DNA sees.

// DNARange finds the ID range the server's DNA plugin assigns from among the entries of
// cn=ranges,cn=etc: the ipa-local range named <REALM>_id_range (ipa-server-install makes it),
// never "the first local range" (ipa idrange-add makes ipa-local ranges too, listed in any
// order). realm is the directory's realm (pkg/realm); when it is "", the one ipa-local range
// whose name ends in _id_range is taken, and with none or several DNA's range is unknown
// (ok false: IDs are then chosen here, in entries DNA sees).
func DNARange(entries []*directory.Entry, realm string) (r idrange.Range, ok bool) {
	n := 0
	for _, e := range entries {
		if !strings.EqualFold(e.First("ipaRangeType"), "ipa-local") {
			continue
		}
		name := e.First("cn")
		if realm != "" && name != realm+"_id_range" || realm == "" && !strings.HasSuffix(strings.ToLower(name), "_id_range") {
			continue
		}
		base, err1 := strconv.Atoi(strings.TrimSpace(e.First("ipaBaseID")))
		size, err2 := strconv.Atoi(strings.TrimSpace(e.First("ipaIDRangeSize")))
		if err1 != nil || err2 != nil || size <= 0 {
			continue
		}
		r, n = idrange.FromIPA(name, base, size), n+1
	}
	if n != 1 {
		return idrange.Range{}, false
	}
	return r, true
}

// DNAFits reports whether DNA's range (dna; nil: unknown) lies inside r, so that DNA never
// hands an entry of r an ID outside r.
func DNAFits(dna *idrange.Range, r idrange.Range) bool {
	return dna != nil && dna.Min >= r.Min && dna.Max <= r.Max
}

// DNAOverlaps reports whether DNA may hand out some ID of r.
func DNAOverlaps(dna *idrange.Range, r idrange.Range) bool {
	return dna != nil && dna.Min <= r.Max && r.Min <= dna.Max
}

// UseDNA reports whether new entries of range r ask DNA for their IDs: DNA's range lies
// inside r, and r's high-water mark (highWater; 0 for none) lies below DNA's first ID, so
// no claim that DNA cannot see lies in DNA's range. Otherwise IDs are chosen above the
// mark and claimed in the same plan as the entries that hold them.
func UseDNA(dna *idrange.Range, r idrange.Range, highWater int) bool {
	return DNAFits(dna, r) && highWater < dna.Min
}

// ErrDNAServed: a claim that holds no entry was asked for in a range DNA serves.
var ErrDNAServed = errors.New("claim refused")

// RefuseClaimUnderDNA returns an ErrDNAServed error when DNA may hand out IDs of r: a
// claim there holds no entry, so DNA cannot see it and would hand the ID out again.
func RefuseClaimUnderDNA(dna *idrange.Range, r idrange.Range) error {
	if !DNAOverlaps(dna, r) {
		return nil
	}
	return fmt.Errorf("%w: range %s (%d-%d) overlaps %s (%d-%d), from which the server's DNA plugin assigns ids; "+
		"a claim holds no entry, so DNA cannot see it and would hand the id out again. "+
		"Create the entry with uidNumber/gidNumber -1 instead (accessctl user create, cluster create; ipa user-add without --uid), "+
		"or claim in a range DNA does not serve",
		ErrDNAServed, r.Name, r.Min, r.Max, dna.Name, dna.Min, dna.Max)
}

// ServedByDNA is UseDNA for callers that read the range entries themselves (cn=ranges,
// cn=etc; realm as for DNARange): it reads r's high-water mark (one base search) only when DNA's range lies
// inside r. A malformed mark is an error.
func ServedByDNA(ctx context.Context, dir directory.Client, rangeEntries []*directory.Entry, realm string, r idrange.Range) (bool, error) {
	dna, ok := DNARange(rangeEntries, realm)
	if !ok || !DNAFits(&dna, r) {
		return false, nil
	}
	m, _, err := ReadMark(ctx, dir, r.Name)
	if err != nil {
		return false, err
	}
	return UseDNA(&dna, r, m.Value), nil
}
