package ids

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Check is the one definition of the ID rules of ITTN-010 §6, which `id check` and
// `audit` both report:
//
//	id-outside-range    an ID in no range of the conventions (warning)
//	id-reserved         a reserved ID held by another name than its own (error)
//	id-uid-gid          a user whose UID and GID differ, where UID == GID is the rule (warning)
//	id-duplicate        one UID on two users, one GID on two groups, or a user's UID that
//	                    is the GID of another group than its own (error)
//	id-range-uncovered  IDs of a convention range no FreeIPA ID range covers (error)
//
// A user's private group is judged with its user; names compare case-insensitively,
// as LDAP compares them.
func Check(holders []Holder, ipaRanges []idrange.Range, conv *siteconv.Conventions) []finding.Finding {
	ranges := Ranges(conv)
	reserved := map[int]siteconv.Reservation{}
	for _, r := range conv.IDs.Reservations {
		reserved[r.ID] = r
	}
	var out []finding.Finding
	add := func(id, sev, fix, format string, objects []string, args ...any) {
		out = append(out, finding.New(id, sev, fix, fmt.Sprintf(format, args...), objects...))
	}
	uids := map[int][]Holder{}
	gids := map[int][]Holder{}
	for _, h := range holders {
		obj := []string{h.Kind + ":" + h.Name}
		var own []int // the numbers the holder owns
		switch {
		case h.IsUser():
			if h.UID > 0 {
				own = append(own, h.UID)
				uids[h.UID] = append(uids[h.UID], h)
			}
			if conv.IDs.UIDEqualsGID && h.UID > 0 && h.GID > 0 && h.UID != h.GID {
				add("id-uid-gid", finding.Warning, "", "%s %s has UID %d but GID %d", obj, h.Kind, h.Name, h.UID, h.GID)
			}
		case h.IsGroup():
			if h.GID > 0 {
				gids[h.GID] = append(gids[h.GID], h)
				if h.Kind != KindPrivateGroup {
					own = append(own, h.GID)
				}
			}
		default:
			for _, n := range []int{h.UID, h.GID} {
				if n > 0 {
					own = append(own, n)
				}
			}
		}
		for _, n := range own {
			if _, ok := idrange.RangeOf(n, ranges); !ok {
				add("id-outside-range", finding.Warning, "", "%s %s has ID %d, outside every ID range of the conventions", obj, h.Kind, h.Name, n)
			}
			if r, ok := reserved[n]; ok && !strings.EqualFold(r.Name, h.Name) {
				who := r.Name
				if who == "" {
					who = "nobody"
					if r.Note != "" {
						who += " (" + r.Note + ")"
					}
				}
				add("id-reserved", finding.Error, "", "%s %s has ID %d, which is reserved for %s", obj, h.Kind, h.Name, n, who)
			}
		}
	}
	duplicates := func(m map[int][]Holder, what string) {
		for _, n := range sortedKeys(m) {
			hs := m[n]
			if len(hs) < 2 {
				continue
			}
			var names, objs []string
			for _, h := range hs {
				names = append(names, h.Name)
				objs = append(objs, h.Kind+":"+h.Name)
			}
			add("id-duplicate", finding.Error, "", "%d holders share %s %d: %s", objs, len(hs), what, n, strings.Join(names, ", "))
		}
	}
	duplicates(uids, "UID")
	duplicates(gids, "GID")
	if conv.IDs.UIDEqualsGID {
		for _, n := range sortedKeys(uids) {
			for _, g := range gids[n] {
				for _, u := range uids[n] {
					// Not a clash: the user's private group, or its primary group
					// (FreeIPA's own admin and admins share one number this way).
					if !strings.EqualFold(u.Name, g.Name) && u.GID != n {
						add("id-duplicate", finding.Error, "", "GID %d of %s %s is also the UID of %s %s (UID == GID: one number, one name)",
							[]string{g.Kind + ":" + g.Name, u.Kind + ":" + u.Name}, n, g.Kind, g.Name, u.Kind, u.Name)
					}
				}
			}
		}
	}
	for _, r := range ranges {
		for _, gap := range idrange.Uncovered(r, ipaRanges) {
			add("id-range-uncovered", finding.Error, idrange.FixCommand(r.Name, gap),
				"IDs %d-%d of range %s are not covered by any FreeIPA ID range", []string{"range:" + r.Name}, gap.Min, gap.Max, r.Name)
		}
	}
	finding.Sort(out)
	return out
}

func sortedKeys(m map[int][]Holder) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
