package sandbox

import (
	"regexp"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Managed Entries: user private groups and hostgroup netgroups.

type mepDef struct {
	scope, filter, base string
	tmpl                *entry
}

func (d *Dir) mepDefs() []mepDef {
	defs := d.entries[directory.NormalizeDN("cn=Definitions,cn=Managed Entries,cn=etc,"+d.suffix)]
	if defs == nil {
		return nil
	}
	var out []mepDef
	for _, c := range defs.children {
		t := d.entries[directory.NormalizeDN(c.first("managedTemplate"))]
		if t == nil || c.first("originScope") == "" {
			continue
		}
		// A definition disabled the FreeIPA way (ipa-managed-entries disable ANDs
		// (objectclass=disable) into originFilter) matches no entry, here as in 389-ds,
		// so it makes nothing: no special case, the filter decides (TestMEPDisabledUPG).
		out = append(out, mepDef{scope: c.first("originScope"), filter: c.first("originFilter"), base: c.first("managedBase"), tmpl: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].scope < out[j].scope })
	return out
}

func (d *Dir) matches(e *entry, f string) bool {
	cf, err := compileFilter(f)
	if err != nil {
		return false
	}
	return d.m.match(cf.p, e)
}

func (d *Dir) mepApplies(def mepDef, e *entry) bool {
	return directory.IsUnder(e.ndn, def.scope) && directory.NormalizeDN(def.scope) != e.ndn && d.matches(e, def.filter)
}

var mapRe = regexp.MustCompile(`\$\$?(\{[A-Za-z0-9;-]+\}|[A-Za-z][A-Za-z0-9;-]*)`)

func (d *Dir) mepMap(s string, origin *entry) string {
	return mapRe.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(strings.TrimLeft(m, "$"), "{}")
		if strings.EqualFold(name, "dn") {
			return origin.dn
		}
		return origin.first(name)
	})
}

// mepBuild renders the managed entry for origin.
func (d *Dir) mepBuild(def mepDef, origin *entry) *directory.Entry {
	t := def.tmpl
	rdnAttr := t.first("mepRDNAttr")
	me := &directory.Entry{}
	add := func(a, v string) {
		me.Set(a, append(append([]string(nil), me.Get(a)...), v)...)
	}
	for _, s := range t.get("mepStaticAttr") {
		if i := strings.Index(s, ":"); i > 0 {
			add(strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]))
		}
	}
	add("objectClass", "mepManagedEntry")
	for _, s := range t.get("mepMappedAttr") {
		if i := strings.Index(s, ":"); i > 0 {
			add(strings.TrimSpace(s[:i]), d.mepMap(strings.TrimSpace(s[i+1:]), origin))
		}
	}
	me.Set("mepManagedBy", origin.dn)
	me.DN = rdnAttr + "=" + directory.EscapeDNValue(me.First(rdnAttr)) + "," + def.base
	return me
}

func (d *Dir) mepAdd(e *entry) error {
	for _, def := range d.mepDefs() {
		if !d.mepApplies(def, e) || e.hasOC("mepManagedEntry") && e.first("mepManagedBy") != "" {
			continue
		}
		me := d.mepBuild(def, e)
		if _, err := d.addEntry(me, true); err != nil {
			// 389 rejects the origin's add whatever failed (an existing entry with the
			// managed entry's DN, a schema error), as unwilling to perform.
			return directory.Errorf(directory.CodeUnwillingToPerform, "add", e.dn,
				"Managed Entry Plugin rejected add operation (managed entry %s: %v)", me.DN, err)
		}
		o := d.entries[e.ndn].clone()
		if !o.hasOC("mepOriginEntry") {
			o.set("objectClass", append(append([]string(nil), o.get("objectClass")...), "mepOriginEntry")...)
		}
		o.set("mepManagedEntry", d.entries[directory.NormalizeDN(me.DN)].dn)
		d.put(o)
	}
	return nil
}

func (d *Dir) managedOf(origin *entry) *entry {
	if v := origin.first("mepManagedEntry"); v != "" {
		return d.entries[directory.NormalizeDN(v)]
	}
	return nil
}

func (d *Dir) mepModify(old, nw *entry) error {
	me := d.managedOf(nw)
	if me == nil {
		return nil
	}
	for _, def := range d.mepDefs() {
		if !directory.IsUnder(nw.ndn, def.scope) || !directory.IsUnder(me.ndn, def.base) {
			continue
		}
		want := d.mepBuild(def, nw)
		x := me.clone()
		changed := false
		for _, s := range def.tmpl.get("mepMappedAttr") {
			i := strings.Index(s, ":")
			if i <= 0 {
				continue
			}
			a := strings.TrimSpace(s[:i])
			if strings.EqualFold(a, def.tmpl.first("mepRDNAttr")) {
				continue
			}
			if strings.Join(x.get(a), "\x00") != strings.Join(want.Get(a), "\x00") {
				x.set(a, want.Get(a)...)
				changed = true
			}
		}
		if changed {
			d.put(x)
		}
	}
	return nil
}

func (d *Dir) mepDelete(origin *entry) error {
	if me := d.managedOf(origin); me != nil && directory.EqualDN(me.first("mepManagedBy"), origin.dn) {
		if len(me.children) == 0 {
			d.remove(me)
			d.referint(map[string]string{me.ndn: ""})
		}
	}
	return nil
}

func (d *Dir) mepRename(old, nw *entry) error {
	if nw == nil {
		return nil
	}
	me := d.managedOf(nw)
	if me == nil {
		return nil
	}
	for _, def := range d.mepDefs() {
		if !directory.IsUnder(me.ndn, def.base) {
			continue
		}
		if !d.mepApplies(def, nw) {
			// moved out of scope: remove the managed entry
			d.remove(me)
			d.referint(map[string]string{me.ndn: ""})
			o := nw.clone()
			o.set("mepManagedEntry")
			var ocs []string
			for _, oc := range o.get("objectClass") {
				if !strings.EqualFold(oc, "mepOriginEntry") {
					ocs = append(ocs, oc)
				}
			}
			o.set("objectClass", ocs...)
			d.put(o)
			return nil
		}
		x := me.clone()
		x.set("mepManagedBy", nw.dn)
		d.put(x)
		want := d.mepBuild(def, nw)
		if !directory.EqualDN(want.DN, me.dn) {
			rdn := want.DN[:len(want.DN)-len(def.base)-1]
			if err := d.renameEntry(me.dn, rdn, ""); err != nil {
				return err
			}
			o := d.entries[nw.ndn].clone()
			o.set("mepManagedEntry", want.DN)
			d.put(o)
		}
		return d.mepModify(old, d.entries[nw.ndn])
	}
	return nil
}
