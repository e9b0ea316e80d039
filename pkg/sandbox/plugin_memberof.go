package sandbox

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// memberOf, bounded in depth and work.

// members returns the direct grouping-attribute members (ndn) of e.
func (d *Dir) members(e *entry) []string {
	var out []string
	for _, a := range groupingAttrs {
		for _, v := range e.get(a) {
			out = append(out, directory.NormalizeDN(v))
		}
	}
	return out
}

// parents returns the entries that list ndn in a grouping attribute.
func (d *Dir) parents(ndn string) []*entry {
	var out []*entry
	for src := range d.refs[ndn] {
		g := d.entries[src]
		if g == nil {
			continue
		}
		for _, m := range d.members(g) {
			if m == ndn {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// Bounds of the memberOf update of one operation, so that a pathological nesting (a
// chain of 50,000 groups, where memberOf grows with the square of the depth) fails the
// operation cleanly instead of exhausting time and memory. 389-ds has no such limit; a
// FreeIPA site nests groups a few levels deep.
const (
	// MaxNesting is the deepest group nesting walked up from an entry.
	MaxNesting = 1000
	// maxMemberOfWork bounds the groups visited walking up from every entry below the
	// groups an operation changed (a few per entry on a real site).
	maxMemberOfWork = 4_000_000
)

// errNesting is the refusal for a nesting beyond the bounds.
func errNesting(dn, why string) error {
	return directory.Errorf(directory.CodeUnwillingToPerform, "modify", dn, "group nesting too deep to maintain memberOf: %s", why)
}

// fixMemberOf recomputes memberOf for every entry below a group whose grouping
// attributes changed in this operation (using the state before and after). The walks
// are iterative with visited sets, and bounded (MaxNesting, maxMemberOfWork).
func (d *Dir) fixMemberOf() error {
	if d.txn == nil || len(d.txn.changed) == 0 {
		return nil
	}
	dirty := map[string]bool{}
	down := func(start string, get func(string) *entry) {
		stack := []string{start}
		for len(stack) > 0 {
			g := get(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			if g == nil {
				continue
			}
			for _, m := range d.members(g) {
				if !dirty[m] {
					dirty[m] = true
					stack = append(stack, m)
				}
			}
		}
	}
	now := func(ndn string) *entry { return d.entries[ndn] }
	before := func(ndn string) *entry {
		if b, ok := d.txn.before[ndn]; ok {
			return b
		}
		return d.entries[ndn]
	}
	for g := range d.txn.changed {
		dirty[g] = true
		down(g, now)
		down(g, before)
	}
	keys := make([]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	budget := maxMemberOfWork
	for _, ndn := range keys {
		e := d.entries[ndn]
		if e == nil || d.under(ndn, "cn=provisioning") || d.under(ndn, "cn=compat") {
			continue
		}
		if err := d.setMemberOf(e, &budget); err != nil {
			return err
		}
	}
	return nil
}

// setMemberOf sets e's memberOf to every group above it, walking up level by level;
// each group visited costs one unit of budget.
func (d *Dir) setMemberOf(e *entry, budget *int) error {
	seen := map[string]bool{e.ndn: true}
	var groups []*entry
	level := []string{e.ndn}
	for depth := 0; len(level) > 0; depth++ {
		if depth > MaxNesting {
			return errNesting(e.dn, fmt.Sprintf("nested more than %d levels deep", MaxNesting))
		}
		var next []string
		for _, n := range level {
			for _, p := range d.parents(n) {
				if seen[p.ndn] {
					continue
				}
				if *budget--; *budget < 0 {
					return errNesting(e.dn, fmt.Sprintf("more than %d group memberships to recompute in one operation", maxMemberOfWork))
				}
				seen[p.ndn] = true
				groups = append(groups, p)
				next = append(next, p.ndn)
			}
		}
		level = next
	}
	want := map[string]string{}
	for _, g := range groups {
		want[g.ndn] = g.dn
	}
	var nv []string
	have := map[string]bool{}
	for _, v := range e.get("memberOf") {
		n := directory.NormalizeDN(v)
		if dn, ok := want[n]; ok && !have[n] {
			nv = append(nv, dn)
			have[n] = true
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].id < groups[j].id })
	for _, g := range groups {
		if !have[g.ndn] {
			nv = append(nv, g.dn)
			have[g.ndn] = true
		}
	}
	old := e.get("memberOf")
	if strings.Join(old, "\x00") == strings.Join(nv, "\x00") {
		return nil
	}
	x := e.clone()
	x.set("memberOf", nv...)
	if len(nv) > 0 && !d.allows(x, "memberOf") {
		x.set("objectClass", append(append([]string(nil), x.get("objectClass")...), "nsMemberOf")...)
	}
	d.put(x)
	return nil
}

func (d *Dir) allows(e *entry, attr string) bool {
	must, may, ext, _ := d.classSets(e)
	k := d.canon(attr)
	return ext || must[k] || may[k]
}
