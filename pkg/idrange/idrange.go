// Package idrange allocates UIDs/GIDs over named ranges (ITTN-010 §6).
//
// The site's rules: nothing central below 60001; UID == GID, so an ID is free
// only when no entry uses it as a uidNumber or a gidNumber; a reserved ID
// goes only to its named account (§6.2); an ID once handed out is never
// handed out again (a per-range high-water mark, kept by the caller).
//
// The package is pure: the caller supplies the used set (every uidNumber and
// gidNumber in the directory), the reservations and the high-water mark.
package idrange

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MinCentralID is the lowest centrally allocated ID (ITTN-010 §6: EL7's
// UID_MAX/GID_MAX is 60000).
const MinCentralID = 60001

// Unnamed is the reservation name that holds an ID for nobody.
const Unnamed = "(reserved)"

// Error kinds, matched with errors.Is.
var (
	ErrInvalid   = errors.New("invalid range")     // bad range or reservation data
	ErrExhausted = errors.New("range exhausted")   // not enough free IDs
	ErrOutside   = errors.New("id outside range")  // an ID lies outside its range
	ErrReserved  = errors.New("id reserved")       // an ID is reserved for another name
	ErrInUse     = errors.New("id already in use") // an ID is already a uidNumber or gidNumber
)

// Error is an ID-allocation error: one lower-case line, matched by kind with
// errors.Is (ErrInvalid, ErrExhausted, ErrOutside, ErrReserved, ErrInUse).
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Range is a named, inclusive span of IDs.
type Range struct {
	Name     string
	Min, Max int
}

// Contains reports whether id lies in r.
func (r Range) Contains(id int) bool { return id >= r.Min && id <= r.Max }

// Size is the number of IDs in r.
func (r Range) Size() int { return r.Max - r.Min + 1 }

// String gives `"general" (70000-79999)`.
func (r Range) String() string { return fmt.Sprintf("%q (%d-%d)", r.Name, r.Min, r.Max) }

// Reservation holds an ID for a named account. An empty Name or Unnamed
// holds it for nobody.
type Reservation struct {
	ID   int
	Name string
}

// ForNobody reports whether the reservation holds its ID for no account.
func (r Reservation) ForNobody() bool { return r.Name == "" || r.Name == Unnamed }

// Set builds a used-ID predicate from a list of uidNumbers and gidNumbers.
func Set(ids ...int) func(int) bool {
	m := make(map[int]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return func(id int) bool { _, ok := m[id]; return ok }
}

// Validate checks a set of ranges: names present and unique, Min <= Max,
// every range at or above MinCentralID, no two ranges overlapping.
func Validate(ranges []Range) error {
	seen := map[string]bool{}
	for _, r := range ranges {
		if err := validateOne(r); err != nil {
			return err
		}
		if seen[r.Name] {
			return errorf(ErrInvalid, "range %q is defined twice", r.Name)
		}
		seen[r.Name] = true
	}
	s := append([]Range(nil), ranges...)
	sort.Slice(s, func(i, j int) bool { return s[i].Min < s[j].Min })
	for i := 1; i < len(s); i++ {
		if s[i].Min <= s[i-1].Max {
			return errorf(ErrInvalid, "range %s overlaps range %s", s[i], s[i-1])
		}
	}
	return nil
}

func validateOne(r Range) error {
	if r.Name == "" {
		return errorf(ErrInvalid, "range (%d-%d) has no name", r.Min, r.Max)
	}
	if r.Min > r.Max {
		return errorf(ErrInvalid, "range %s starts after it ends", r)
	}
	if r.Min < MinCentralID {
		return errorf(ErrInvalid, "range %s starts below %d (central IDs must be >= %d)", r, MinCentralID, MinCentralID)
	}
	return nil
}

// ValidateReservations checks the reservations table: every ID at or above
// MinCentralID and reserved once, every named account holding one ID.
func ValidateReservations(reservations []Reservation) error {
	ids := map[int]string{}
	names := map[string]int{}
	for _, r := range reservations {
		if r.ID < MinCentralID {
			return errorf(ErrInvalid, "reservation %d (%s) is below %d", r.ID, displayName(r), MinCentralID)
		}
		if prev, ok := ids[r.ID]; ok {
			return errorf(ErrInvalid, "id %d is reserved twice (%s and %s)", r.ID, prev, displayName(r))
		}
		ids[r.ID] = displayName(r)
		if !r.ForNobody() {
			if prev, ok := names[r.Name]; ok {
				return errorf(ErrInvalid, "%q has two reserved ids (%d and %d)", r.Name, prev, r.ID)
			}
			names[r.Name] = r.ID
		}
	}
	return nil
}

func displayName(r Reservation) string {
	if r.ForNobody() {
		return Unnamed
	}
	return fmt.Sprintf("%q", r.Name)
}

func reservedSet(reservations []Reservation) map[int]Reservation {
	m := make(map[int]Reservation, len(reservations))
	for _, r := range reservations {
		m[r.ID] = r
	}
	return m
}

// Next returns the next count IDs of r above highWater that are free as both
// UID and GID (used(id) is false; used must report every uidNumber and
// gidNumber) and not reserved, lowest first. highWater is the highest ID the
// range ever handed out (0 or anything below r.Min for none); IDs at or below
// it are never returned again, even when their entries are gone.
func Next(r Range, used func(int) bool, reservations []Reservation, count, highWater int) ([]int, error) {
	if err := validateOne(r); err != nil {
		return nil, err
	}
	if count < 1 {
		return nil, errorf(ErrInvalid, "count must be at least 1 (is %d)", count)
	}
	reserved := reservedSet(reservations)
	start := max(r.Min, highWater+1)
	out := make([]int, 0, count)
	for id := start; id <= r.Max && len(out) < count; id++ {
		if _, ok := reserved[id]; ok || used(id) {
			continue
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, errorf(ErrExhausted, "range %q is exhausted (%d-%d)", r.Name, r.Min, r.Max)
	}
	if len(out) < count {
		return nil, errorf(ErrExhausted, "range %q has only %d free ids left (%d-%d), %d requested", r.Name, len(out), r.Min, r.Max, count)
	}
	return out, nil
}

// ForName returns the ID reserved for the named account.
func ForName(name string, reservations []Reservation) (int, bool) {
	if name == "" || name == Unnamed {
		return 0, false
	}
	for _, r := range reservations {
		if r.Name == name {
			return r.ID, true
		}
	}
	return 0, false
}

// Check validates an ID chosen by hand (e.g. `role create --id N`) for the
// account name in range r: the ID lies in r, is not reserved for another
// account (or for nobody) and is not in use.
func Check(r Range, id int, name string, used func(int) bool, reservations []Reservation) error {
	if !r.Contains(id) {
		return errorf(ErrOutside, "id %d lies outside range %q (%d-%d)", id, r.Name, r.Min, r.Max)
	}
	if res, ok := reservedSet(reservations)[id]; ok && (res.ForNobody() || res.Name != name) {
		return errorf(ErrReserved, "id %d is reserved for %s, not %q", id, displayName(res), name)
	}
	if used(id) {
		return errorf(ErrInUse, "id %d is already in use as a uidNumber or gidNumber", id)
	}
	return nil
}

// RangeOf returns the range holding id.
func RangeOf(id int, ranges []Range) (Range, bool) {
	for _, r := range ranges {
		if r.Contains(id) {
			return r, true
		}
	}
	return Range{}, false
}

// Stats describes the occupation of one range.
type Stats struct {
	Used     int // IDs in use as a uidNumber or gidNumber
	Reserved int // reserved IDs not (yet) in use
	Free     int // neither used nor reserved (including IDs at or below the high-water mark)
	NextFree int // the ID Next would return first; 0 when the range is exhausted
}

// RangeStats counts used, reserved and free IDs of r and finds the next ID
// Next would hand out above highWater.
func RangeStats(r Range, used func(int) bool, reservations []Reservation, highWater int) Stats {
	reserved := reservedSet(reservations)
	var s Stats
	for id := r.Min; id <= r.Max; id++ {
		_, isRes := reserved[id]
		switch {
		case used(id):
			s.Used++
		case isRes:
			s.Reserved++
		default:
			s.Free++
			if s.NextFree == 0 && id > highWater {
				s.NextFree = id
			}
		}
	}
	return s
}

// FromIPA converts a FreeIPA ID range entry (cn, ipaBaseID, ipaIDRangeSize)
// into a Range.
func FromIPA(name string, baseID, size int) Range {
	return Range{Name: name, Min: baseID, Max: baseID + size - 1}
}

// Uncovered returns the parts of r that lie in no FreeIPA ID range, lowest
// first. An ID outside every FreeIPA ID range gets no SID, which breaks
// Kerberos for that account.
func Uncovered(r Range, ipaRanges []Range) []Range {
	s := append([]Range(nil), ipaRanges...)
	sort.Slice(s, func(i, j int) bool { return s[i].Min < s[j].Min })
	var gaps []Range
	next := r.Min // lowest ID of r not yet known to be covered
	for _, ir := range s {
		if next > r.Max {
			break
		}
		if ir.Max < next {
			continue
		}
		if ir.Min > next {
			gaps = append(gaps, Range{Name: r.Name, Min: next, Max: min(ir.Min-1, r.Max)})
		}
		if ir.Max >= r.Max {
			return gaps
		}
		next = max(next, ir.Max+1)
	}
	if next <= r.Max {
		gaps = append(gaps, Range{Name: r.Name, Min: next, Max: r.Max})
	}
	return gaps
}

// Covered reports whether every ID of r lies inside some FreeIPA ID range.
func Covered(r Range, ipaRanges []Range) bool { return len(Uncovered(r, ipaRanges)) == 0 }

// FixCommand gives the ipa command that adds a FreeIPA ID range covering gap:
//
//	ipa idrange-add NAME --base-id=N --range-size=M
//
// On servers with SID generation enabled (FreeIPA 4.9.8 and later, or after
// ipa-adtrust-install) ipa also asks for --rid-base and --secondary-rid-base,
// which must not overlap the RID bases of the existing ranges; FixCommandRID
// includes them.
func FixCommand(name string, gap Range) string {
	return fmt.Sprintf("ipa idrange-add %s --base-id=%d --range-size=%d", shellWord(name), gap.Min, gap.Size())
}

// FixCommandRID is FixCommand with the RID bases.
func FixCommandRID(name string, gap Range, ridBase, secondaryRIDBase int) string {
	return fmt.Sprintf("%s --rid-base=%d --secondary-rid-base=%d", FixCommand(name, gap), ridBase, secondaryRIDBase)
}

// shellWord quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
