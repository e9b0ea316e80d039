// Package ids reads every UID/GID in the directory, the FreeIPA ID ranges and
// accessctl's per-range high-water marks, and claims IDs with a compare-and-swap
// on the mark (ITTN-010 §6).
//
// The high-water mark of range R lives in
//
//	cn=R,cn=accessctl-idalloc,cn=etc,<suffix>   (objectClass top, nsContainer, extensibleObject)
//
// with the highest ID ever handed out in its description. A claim replaces the
// value with one modify that deletes the old value and adds the new one: the
// server applies a modify atomically and refuses it (noSuchAttribute) when
// another run moved the mark first, so of two concurrent claims exactly one
// wins and the other re-reads and retries. This holds on one server only:
// multi-master replication applies the same modify independently on every
// replica, so two runs on two servers could both win. Claims therefore go to one
// designated server (the first configured).
package ids

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/realm"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Container holds the high-water mark entries, relative to the suffix.
const Container = "cn=accessctl-idalloc,cn=etc"

// MarkAttr holds the mark value.
const MarkAttr = "description"

// UsedFilter finds every entry with a uidNumber or gidNumber.
const UsedFilter = "(|(uidNumber=*)(gidNumber=*))"

// Kinds of ID holders.
const (
	KindUser          = "user"
	KindStagedUser    = "staged-user"
	KindPreservedUser = "preserved-user"
	KindGroup         = "group"
	KindPrivateGroup  = "private-group"
	KindOther         = "other"
)

// Holder is one entry that holds a uidNumber and/or gidNumber.
type Holder struct {
	DN   string `json:"dn" yaml:"dn"`
	Name string `json:"name" yaml:"name"`
	Kind string `json:"kind" yaml:"kind"`
	UID  int    `json:"uid,omitempty" yaml:"uid,omitempty"` // 0 = none (or DNA magic)
	GID  int    `json:"gid,omitempty" yaml:"gid,omitempty"`
}

// IsUser reports a user of any kind (active, staged, preserved).
func (h Holder) IsUser() bool {
	return h.Kind == KindUser || h.Kind == KindStagedUser || h.Kind == KindPreservedUser
}

// IsGroup reports a group or private group.
func (h Holder) IsGroup() bool { return h.Kind == KindGroup || h.Kind == KindPrivateGroup }

// Mark is one range's high-water mark.
type Mark struct {
	Range string `json:"range" yaml:"range"`
	DN    string `json:"dn" yaml:"dn"`
	Value int    `json:"value" yaml:"value"`
	Raw   string `json:"-" yaml:"-"` // the stored value, compared by the CAS
	// Err is set when the stored value is not one decimal ID: the mark cannot be trusted,
	// so nothing that depends on it (a claim, a choice of ID) may go ahead.
	Err error `json:"-" yaml:"-"`
}

// State is everything the ID commands need.
type State struct {
	Holders   []Holder
	IPARanges []idrange.Range
	// Local is the realm's own range (<REALM>_id_range): where the server's DNA plugin
	// assigns IDs; nil when unknown (see DNARange).
	Local *idrange.Range
	// Realm is the directory's Kerberos realm (cn=REALM,cn=kerberos), "" when it has none.
	Realm string
	Marks map[string]Mark
	// ContainerExists reports whether the marks' container exists.
	ContainerExists bool
}

// MarkDN is the DN of range's high-water mark entry.
func MarkDN(rangeName, suffix string) string {
	return directory.Join("cn", rangeName, Container, suffix)
}

// ContainerDN is the DN of the marks' container.
func ContainerDN(suffix string) string { return directory.In(Container, suffix) }

// Ranges converts the conventions' ranges.
func Ranges(conv *siteconv.Conventions) []idrange.Range {
	out := make([]idrange.Range, len(conv.IDs.Ranges))
	for i, r := range conv.IDs.Ranges {
		out[i] = idrange.Range{Name: r.Name, Min: r.Min, Max: r.Max}
	}
	return out
}

// Range returns one named range, or an error naming the valid ones.
func Range(conv *siteconv.Conventions, name string) (idrange.Range, error) {
	r, ok := conv.RangeByName(name)
	if !ok {
		return idrange.Range{}, fmt.Errorf("unknown range %q: the conventions define %s", name, strings.Join(conv.RangeNames(), ", "))
	}
	return idrange.Range{Name: r.Name, Min: r.Min, Max: r.Max}, nil
}

// Reservations converts the conventions' reservations.
func Reservations(conv *siteconv.Conventions) []idrange.Reservation {
	out := make([]idrange.Reservation, len(conv.IDs.Reservations))
	for i, r := range conv.IDs.Reservations {
		out[i] = idrange.Reservation{ID: r.ID, Name: r.Name}
	}
	return out
}

// ReadHolders reads every uidNumber/gidNumber in the directory in one paged search:
// users, groups, private groups, staged and preserved users.
func ReadHolders(ctx context.Context, dir directory.Client) ([]Holder, error) {
	suffix := dir.Suffix()
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub,
		Filter: UsedFilter, Attributes: []string{"uid", "cn", "uidNumber", "gidNumber", "objectClass"}})
	if err != nil {
		return nil, fmt.Errorf("read uid and gid numbers: %w", err)
	}
	return HoldersFrom(entries, suffix), nil
}

// HoldersFrom classifies entries already read (a whole-directory snapshot, as `audit`
// has) into ID holders, as ReadHolders does.
func HoldersFrom(entries []*directory.Entry, suffix string) []Holder {
	staged := directory.In(directory.StagedUsers, suffix)
	deleted := directory.In(directory.DeletedUsers, suffix)
	out := make([]Holder, 0, len(entries))
	for _, e := range entries {
		h := Holder{DN: e.DN, UID: num(e.First("uidNumber")), GID: num(e.First("gidNumber"))}
		switch {
		case e.HasObjectClass("posixAccount") || e.First("uid") != "" && e.First("uidNumber") != "":
			h.Name = e.First("uid")
			h.Kind = KindUser
			if directory.IsUnder(e.DN, staged) {
				h.Kind = KindStagedUser
			} else if directory.IsUnder(e.DN, deleted) {
				h.Kind = KindPreservedUser
			}
		case e.HasObjectClass("posixGroup"):
			h.Name = e.First("cn")
			h.Kind = KindGroup
			if e.HasObjectClass("mepManagedEntry") {
				h.Kind = KindPrivateGroup
			}
		default:
			h.Name = e.First("cn")
			if h.Name == "" {
				h.Name = directory.RDNValue(e.DN)
			}
			h.Kind = KindOther
		}
		if h.UID == 0 && h.GID == 0 {
			continue // DNA magic (-1) on staged users: no number yet
		}
		out = append(out, h)
	}
	return out
}

// HeldBy reads the entries that hold id as a uidNumber or gidNumber (one search).
func HeldBy(ctx context.Context, dir directory.Client, id int) ([]*directory.Entry, error) {
	n := strconv.Itoa(id)
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter: "(|(uidNumber=" + n + ")(gidNumber=" + n + "))", Attributes: []string{"uid", "cn"}})
	if err != nil {
		return nil, fmt.Errorf("read the holders of id %d: %w", id, err)
	}
	return es, nil
}

func num(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// ReadIPARanges reads FreeIPA's ID ranges (cn=ranges,cn=etc).
func ReadIPARanges(ctx context.Context, dir directory.Client) ([]idrange.Range, error) {
	r, _, _, err := readIPARanges(ctx, dir)
	return r, err
}

// readIPARanges also returns the DNA range (see DNARange) and the directory's realm, read
// in the same search.
func readIPARanges(ctx context.Context, dir directory.Client) ([]idrange.Range, *idrange.Range, string, error) {
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter:     "(|(objectClass=ipaIDrange)" + realm.Filter + ")",
		Attributes: []string{"cn", "objectClass", "ipaBaseID", "ipaIDRangeSize", "ipaRangeType"}})
	if err != nil && !directory.IsNotFound(err) {
		return nil, nil, "", fmt.Errorf("read freeipa id ranges: %w", err)
	}
	rlm := realm.FromEntries(entries, dir.Suffix())
	rangesDN := directory.In(directory.Ranges, dir.Suffix())
	var out, rangeEntries = []idrange.Range(nil), []*directory.Entry(nil)
	for _, e := range entries {
		if !e.HasObjectClass("ipaIDrange") || !directory.EqualDN(directory.Parent(e.DN), rangesDN) {
			continue
		}
		rangeEntries = append(rangeEntries, e)
		base, size := num(e.First("ipaBaseID")), num(e.First("ipaIDRangeSize"))
		if size == 0 {
			continue
		}
		out = append(out, idrange.FromIPA(e.First("cn"), base, size))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Min < out[j].Min })
	var local *idrange.Range
	if r, ok := DNARange(rangeEntries, rlm); ok {
		local = &r
	}
	return out, local, rlm, nil
}

// ReadMarks reads every high-water mark (one search under the container). A mark whose
// value is not one decimal ID comes back with Err set.
func ReadMarks(ctx context.Context, dir directory.Client) (map[string]Mark, bool, error) {
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ContainerDN(dir.Suffix()),
		Scope: directory.ScopeSub, Filter: "(objectClass=*)", Attributes: []string{"cn", MarkAttr}})
	if directory.IsNotFound(err) {
		return map[string]Mark{}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read id high-water marks: %w", err)
	}
	out := map[string]Mark{}
	cdn := ContainerDN(dir.Suffix())
	for _, e := range entries {
		if !directory.EqualDN(directory.Parent(e.DN), cdn) {
			continue // the container itself, or something below a mark: not a mark
		}
		m := markFrom(e)
		out[m.Range] = m
	}
	return out, true, nil
}

// ReadMark reads one range's high-water mark (one base search); ok is false when the
// range has none. A malformed mark is an error.
func ReadMark(ctx context.Context, dir directory.Client, rangeName string) (Mark, bool, error) {
	dn := MarkDN(rangeName, dir.Suffix())
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase,
		Filter: "(objectClass=*)", Attributes: []string{"cn", MarkAttr}})
	if directory.IsNotFound(err) || err == nil && len(es) == 0 {
		return Mark{}, false, nil
	}
	if err != nil {
		return Mark{}, false, fmt.Errorf("read the high-water mark of range %s: %w", rangeName, err)
	}
	m := markFrom(es[0])
	m.Range = rangeName
	return m, true, m.Err
}

// ErrBadMark: a high-water mark holds something other than one decimal ID. Reading it as
// "no mark" would let the next claim overwrite it with a lower value and hand out again
// every ID it covered, so every claim in its range stops until it is repaired.
var ErrBadMark = errors.New("malformed id high-water mark")

func markFrom(e *directory.Entry) Mark {
	m := Mark{Range: e.First("cn"), DN: e.DN}
	vals := e.Get(MarkAttr)
	bad := func(what string) {
		m.Err = fmt.Errorf("%w: the high-water mark of range %s (%s) %s: nothing was changed; set it by hand to the highest id ever handed out in range %s",
			ErrBadMark, m.Range, m.DN, what, m.Range)
	}
	switch len(vals) {
	case 0:
		bad("holds no value")
		return m
	case 1:
	default:
		bad(fmt.Sprintf("holds %d values", len(vals)))
		return m
	}
	m.Raw = vals[0]
	n, err := idrange.ParseID(m.Raw)
	if err != nil {
		bad(fmt.Sprintf("holds %s, not a decimal id", idrange.Quote(m.Raw)))
		return m
	}
	m.Value = n
	return m
}

// Read reads holders, FreeIPA ranges and marks (three searches).
func Read(ctx context.Context, dir directory.Client) (*State, error) {
	h, err := ReadHolders(ctx, dir)
	if err != nil {
		return nil, err
	}
	r, local, rlm, err := readIPARanges(ctx, dir)
	if err != nil {
		return nil, err
	}
	m, ok, err := ReadMarks(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &State{Holders: h, IPARanges: r, Local: local, Realm: rlm, Marks: m, ContainerExists: ok}, nil
}

// UsedIDs lists every uidNumber and gidNumber.
func UsedIDs(holders []Holder) []int {
	out := make([]int, 0, 2*len(holders))
	for _, h := range holders {
		if h.UID > 0 {
			out = append(out, h.UID)
		}
		if h.GID > 0 {
			out = append(out, h.GID)
		}
	}
	return out
}

// Used is the predicate idrange wants.
func (s *State) Used() func(int) bool { return idrange.Set(UsedIDs(s.Holders)...) }

// HighWater returns range name's mark (0 when none or malformed: check MarkErr first).
func (s *State) HighWater(name string) int { return s.Marks[name].Value }

// MarkErr is the error of range name's mark when it is malformed (ErrBadMark), else nil.
func (s *State) MarkErr(name string) error { return s.Marks[name].Err }

// Next returns the next count IDs of r free as UID and GID, above the mark.
func (s *State) Next(conv *siteconv.Conventions, r idrange.Range, count int) ([]int, error) {
	if err := s.MarkErr(r.Name); err != nil {
		return nil, err
	}
	return idrange.Next(r, s.Used(), Reservations(conv), count, s.HighWater(r.Name))
}

// MarkChanges returns the plan changes that move range's mark from its current value to
// newValue: creating the container and the mark entry when missing, or a compare-and-swap
// modify (delete the old value, add the new) that the server refuses if another run moved
// the mark first. No change when the mark is already at or above newValue.
func (s *State) MarkChanges(rangeName string, newValue int, suffix string) []plan.Change {
	m, ok := s.Marks[rangeName]
	if ok && m.Value >= newValue {
		return nil
	}
	var out []plan.Change
	if !ok {
		if !s.ContainerExists {
			out = append(out, plan.Change{Action: plan.Create, Kind: "idalloc", Name: "accessctl-idalloc", DN: ContainerDN(suffix),
				Entry: directory.NewEntry(ContainerDN(suffix), directory.A("objectClass", "top", "nsContainer"), directory.A("cn", "accessctl-idalloc")),
				Notes: []string{"container of accessctl's per-range id high-water marks"}})
		}
		dn := MarkDN(rangeName, suffix)
		out = append(out, plan.Change{Action: plan.Create, Kind: "idmark", Name: rangeName, DN: dn,
			Entry: markEntry(dn, rangeName, newValue),
			Notes: []string{fmt.Sprintf("high-water mark of range %s: %d", rangeName, newValue)}})
		return out
	}
	return append(out, plan.Change{Action: plan.Modify, Kind: "idmark", Name: rangeName, DN: m.DN,
		Mods:  casMods(m.Raw, newValue),
		Notes: []string{fmt.Sprintf("high-water mark of range %s: %d -> %d (compare-and-swap)", rangeName, m.Value, newValue)}})
}

func markEntry(dn, rangeName string, v int) *directory.Entry {
	return directory.NewEntry(dn, directory.A("objectClass", "top", "nsContainer", "extensibleObject"),
		directory.A("cn", rangeName), directory.A(MarkAttr, strconv.Itoa(v)))
}

func casMods(old string, v int) []directory.Mod {
	return []directory.Mod{
		{Op: directory.ModDelete, Attr: MarkAttr, Values: []string{old}},
		{Op: directory.ModAdd, Attr: MarkAttr, Values: []string{strconv.Itoa(v)}},
	}
}

// IsRace reports an error that means another run moved the mark (or created it) first.
// noSuchObject counts too: under concurrent first claims 389-ds can show a mark entry to a
// search while the add that makes it is still committing, and refuse a modify of it; the
// claim re-reads and retries.
func IsRace(err error) bool {
	return directory.IsCode(err, directory.CodeNoSuchAttribute) || directory.IsExists(err) ||
		directory.IsCode(err, directory.CodeAttributeOrValueExists) || directory.IsNotFound(err)
}

// ErrContended: the claim lost the race too many times.
var ErrContended = errors.New("id allocation contended")

// Allocation is the outcome of one claim.
type Allocation struct {
	Range    string `json:"range" yaml:"range"`
	IDs      []int  `json:"ids" yaml:"ids"`
	MarkDN   string `json:"mark_dn" yaml:"mark_dn"`
	Previous int    `json:"previous_mark" yaml:"previous_mark"`
	Attempts int    `json:"attempts" yaml:"attempts"`
}

// MaxAttempts bounds the retries of Allocate.
var MaxAttempts = 200

// Allocate claims count IDs of range r: it reads the used IDs and the mark, picks the next
// free IDs above the mark, and moves the mark with a compare-and-swap; when another run
// won, it re-reads and retries. dir must be the designated server (see the package doc).
//
// A claim holds no entry, so the server's DNA plugin cannot see it: Allocate refuses
// (ErrDNAServed) a range DNA may hand out IDs of.
func Allocate(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, r idrange.Range, count int) (*Allocation, error) {
	suffix := dir.Suffix()
	_, dna, _, err := readIPARanges(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := RefuseClaimUnderDNA(dna, r); err != nil {
		return nil, err
	}
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		holders, err := ReadHolders(ctx, dir)
		if err != nil {
			return nil, err
		}
		marks, cexists, err := ReadMarks(ctx, dir)
		if err != nil {
			return nil, err
		}
		s := &State{Holders: holders, Marks: marks, ContainerExists: cexists}
		got, err := s.Next(conv, r, count)
		if err != nil {
			return nil, err
		}
		hi := got[len(got)-1]
		err = applyMark(ctx, dir, s, r.Name, hi, suffix)
		if err == nil {
			return &Allocation{Range: r.Name, IDs: got, MarkDN: MarkDN(r.Name, suffix), Previous: s.HighWater(r.Name), Attempts: attempt}, nil
		}
		if !IsRace(err) {
			return nil, fmt.Errorf("claim ids in range %s: %w", r.Name, err)
		}
		// Lost the race: back off a little (jittered) and re-read.
		d := time.Duration(rand.IntN(5*min(attempt, 20))+1) * time.Millisecond
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
	}
	return nil, fmt.Errorf("%w: range %s: another run moved the mark first %d times", ErrContended, r.Name, MaxAttempts)
}

func applyMark(ctx context.Context, dir directory.Client, s *State, rangeName string, v int, suffix string) error {
	for _, c := range s.MarkChanges(rangeName, v, suffix) {
		var err error
		switch c.Action {
		case plan.Create:
			_, err = dir.Add(ctx, c.Entry)
			if err != nil && c.Kind == "idalloc" && directory.IsExists(err) {
				err = nil // another run made the container: fine
			}
		case plan.Modify:
			err = dir.Modify(ctx, c.DN, c.Mods)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// UseDNA reports whether new entries of range r ask the server's DNA plugin for their
// IDs (uidNumber/gidNumber -1), see the package function UseDNA.
func (s *State) UseDNA(r idrange.Range) (bool, error) {
	if err := s.MarkErr(r.Name); err != nil {
		return false, err
	}
	return UseDNA(s.Local, r, s.HighWater(r.Name)), nil
}

// Covered reports whether id lies inside some FreeIPA ID range (and so gets a SID).
func (s *State) Covered(id int) bool {
	_, ok := idrange.RangeOf(id, s.IPARanges)
	return ok
}

// FixCommands are the `ipa idrange-add` commands that would cover the parts of r outside
// every FreeIPA ID range.
func (s *State) FixCommands(r idrange.Range) []string {
	var out []string
	gaps := idrange.Uncovered(r, s.IPARanges)
	for i, g := range gaps {
		name := r.Name
		if len(gaps) > 1 {
			name = fmt.Sprintf("%s_%d", name, i+1)
		}
		out = append(out, idrange.FixCommand(name, g))
	}
	return out
}

// serverer is implemented by the LDAP backend.
type serverer interface{ Server() string }

// Designated checks that dir talks to the designated allocation server, the first
// configured one (servers[0]): an ID claim is a compare-and-swap, which only one server
// can make safe. The sandbox (a file under a lock) always qualifies.
func Designated(dir directory.Client, servers []string) error {
	c := dir
	for {
		switch w := c.(type) {
		case *directory.Counting:
			c = w.Client
			continue
		case *directory.Faulty:
			c = w.Client
			continue
		}
		break
	}
	s, ok := c.(serverer)
	if !ok || len(servers) == 0 {
		return nil
	}
	norm := func(u string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/") }
	if norm(s.Server()) != norm(servers[0]) {
		return fmt.Errorf("id claims go to the first configured server %s only (multi-master replication cannot make a compare-and-swap safe across servers), but the connection is to %s: retry when %s is back", servers[0], s.Server(), servers[0])
	}
	return nil
}
