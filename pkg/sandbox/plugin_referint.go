package sandbox

import (
	"github.com/accessctl/accessctl/pkg/directory"
)

// Referential integrity over FreeIPA's link attributes.

// referint replaces (or, for "", removes) references to the moved or deleted DNs.
func (d *Dir) referint(moved map[string]string) {
	sources := map[string]bool{}
	for old := range moved {
		for src := range d.refs[old] {
			sources[src] = true
		}
	}
	for src := range sources {
		cur := d.entries[src]
		if cur == nil {
			continue
		}
		e := cur.clone()
		changed := false
		for i, a := range e.attrs {
			if !isIn(referintAttrs, a.Name) {
				continue
			}
			var nv []string
			for _, v := range a.Values {
				if to, ok := moved[directory.NormalizeDN(v)]; ok {
					changed = true
					if to != "" {
						nv = append(nv, to)
					}
					continue
				}
				nv = append(nv, v)
			}
			e.attrs[i].Values = nv
		}
		if changed {
			var keep []directory.Attribute
			for _, a := range e.attrs {
				if len(a.Values) > 0 {
					keep = append(keep, a)
				}
			}
			e.attrs = keep
			d.put(e)
		}
	}
}
