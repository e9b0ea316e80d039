package sandbox

import (
	"context"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/accessctl/accessctl/pkg/directory"
)

func now() string { return time.Now().UTC().Format("20060102150405Z") }

// Add implements directory.Client.
func (d *Dir) Add(ctx context.Context, in *directory.Entry) (string, error) {
	var stored string
	if directory.IsUnder(in.DN, "cn=automember rebuild membership,cn=tasks,cn=config") {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.addTask(in)
	}
	err := d.mutate(ctx, func() error {
		e, err := d.addEntry(in.Clone(), true)
		if e != nil {
			stored = e.dn
		}
		return err
	})
	return stored, err
}

// addEntry validates, runs the pre-operation plugins, stores the entry and runs the
// post-operation plugins.
func (d *Dir) addEntry(in *directory.Entry, plugins bool) (*entry, error) {
	if _, err := ldap.ParseDN(in.DN); err != nil || !strings.Contains(in.DN, "=") {
		return nil, directory.Errorf(directory.CodeInvalidDNSyntax, "add", in.DN, "invalid DN")
	}
	e := &entry{dn: in.DN, ndn: directory.NormalizeDN(in.DN)}
	// merge attributes of the same name
	for _, a := range in.Attributes {
		if len(a.Values) == 0 {
			continue
		}
		if cur := e.get(a.Name); cur != nil {
			e.set(a.Name, append(append([]string(nil), cur...), a.Values...)...)
		} else {
			e.attrs = append(e.attrs, directory.Attribute{Name: a.Name, Values: append([]string(nil), a.Values...)})
		}
	}
	if plugins {
		d.uuidPre(e)
	}
	if _, ok := d.entries[e.ndn]; ok {
		return nil, directory.Errorf(directory.CodeEntryAlreadyExists, "add", e.dn, "entry already exists")
	}
	parent := directory.Parent(e.ndn)
	if _, ok := d.entries[parent]; !ok && len(d.entries) > 0 {
		return nil, directory.Errorf(directory.CodeNoSuchObject, "add", e.dn, "parent %s does not exist", directory.Parent(e.dn))
	}
	// RDN values are added to the entry when missing (as 389 does)
	for _, ava := range rdnAVAsFirst(e.dn) {
		if !d.hasValue(e, ava[0], ava[1]) {
			e.set(ava[0], append(append([]string(nil), e.get(ava[0])...), ava[1])...)
		}
	}
	if err := d.checkDuplicates(e, "add"); err != nil {
		return nil, err
	}
	d.expandClasses(e)
	if plugins {
		if err := d.dnaPre(e); err != nil {
			return nil, err
		}
	}
	if err := d.checkSchema(e, "add", nil); err != nil {
		return nil, err
	}
	if plugins {
		if err := d.checkUniqueness(e, "add"); err != nil {
			return nil, err
		}
	}
	ts := now()
	if e.get("createTimestamp") == nil {
		e.set("createTimestamp", ts)
		e.set("modifyTimestamp", ts)
	}
	d.put(e)
	if plugins {
		if err := d.mepAdd(e); err != nil {
			return nil, err
		}
		if err := d.automemberAdd(e); err != nil {
			return nil, err
		}
	}
	return d.entries[e.ndn], nil
}

func rdnAVAsFirst(dn string) [][2]string {
	p, err := ldap.ParseDN(dn)
	if err != nil || len(p.RDNs) == 0 {
		return nil
	}
	var out [][2]string
	for _, a := range p.RDNs[0].Attributes {
		out = append(out, [2]string{a.Type, a.Value})
	}
	return out
}

func (d *Dir) hasValue(e *entry, attr, v string) bool {
	nv := d.m.norm(attr, v)
	for _, x := range e.get(attr) {
		if d.m.norm(attr, x) == nv {
			return true
		}
	}
	return false
}

func (d *Dir) checkDuplicates(e *entry, op string) error {
	for _, a := range e.attrs {
		seen := map[string]bool{}
		for _, v := range a.Values {
			nv := d.m.norm(a.Name, v)
			if seen[nv] {
				return directory.Errorf(directory.CodeAttributeOrValueExists, op, e.dn, "value #%d provided more than once for %s", len(seen), a.Name)
			}
			seen[nv] = true
		}
	}
	return nil
}

// expandClasses adds superior object classes (389 does this on ADD).
func (d *Dir) expandClasses(e *entry) {
	ocs := e.get("objectClass")
	have := map[string]bool{}
	for _, o := range ocs {
		have[strings.ToLower(o)] = true
	}
	out := append([]string(nil), ocs...)
	for _, o := range ocs {
		for _, s := range d.schema.Superiors(o) {
			if !have[strings.ToLower(s)] {
				have[strings.ToLower(s)] = true
				out = append(out, s)
			}
		}
	}
	if !have["top"] && len(out) > 0 {
		out = append(out, "top")
	}
	e.set("objectClass", out...)
}

// classSets returns the MUST and MAY attribute sets of e's classes; extensible reports
// extensibleObject.
func (d *Dir) classSets(e *entry) (must, may map[string]bool, extensible bool, unknown string) {
	must, may = map[string]bool{}, map[string]bool{}
	for _, o := range e.get("objectClass") {
		for _, s := range d.schema.Superiors(o) {
			c := d.schema.Class(s)
			if strings.EqualFold(c.Name(), "extensibleObject") {
				extensible = true
			}
			for _, a := range c.Must {
				must[d.canon(a)] = true
			}
			for _, a := range c.May {
				may[d.canon(a)] = true
			}
		}
		if d.schema.Class(o) == nil && unknown == "" {
			unknown = o
		}
	}
	return
}

// canon returns the attribute's canonical key (lower-cased OID when known).
func (d *Dir) canon(name string) string {
	if a := d.schema.Attr(name); a != nil {
		return strings.ToLower(a.OID)
	}
	return strings.ToLower(name)
}

// checkSchema checks e against the schema; only attributes in touched (all when nil) are
// checked for being allowed, as 389 checks the whole entry on every write.
func (d *Dir) checkSchema(e *entry, op string, touched map[string]bool) error {
	ocs := e.get("objectClass")
	if len(ocs) == 0 {
		return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "missing objectclass")
	}
	must, may, ext, unknown := d.classSets(e)
	if unknown != "" {
		return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "unknown object class %q", unknown)
	}
	for k := range must {
		found := false
		for _, a := range e.attrs {
			if d.canon(a.Name) == k {
				found = true
				break
			}
		}
		if !found {
			name := k
			if at := d.schema.Attr(k); at != nil {
				name = at.Name()
			}
			return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "missing attribute %q required by object class", name)
		}
	}
	for _, a := range e.attrs {
		at := d.schema.Attr(baseName(a.Name))
		if at == nil {
			if ext {
				continue
			}
			return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "attribute %q not allowed", strings.ToLower(a.Name))
		}
		if at.Operational() || ext {
			goto values
		}
		if k := strings.ToLower(at.OID); !must[k] && !may[k] && !strings.EqualFold(a.Name, "objectClass") {
			return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "attribute %q not allowed", strings.ToLower(a.Name))
		}
	values:
		if at.SingleValue && len(a.Values) > 1 {
			return directory.Errorf(directory.CodeObjectClassViolation, op, e.dn, "single-valued attribute %q has multiple values", a.Name)
		}
		if d.schema.IsInteger(a.Name) {
			for _, v := range a.Values {
				if !isInteger(v) {
					return directory.Errorf(directory.CodeInvalidAttributeSyntax, op, e.dn, "%s: value #0 invalid per syntax", a.Name)
				}
			}
		}
	}
	return nil
}

// baseName strips attribute options (";binary").
func baseName(n string) string {
	if i := strings.IndexByte(n, ';'); i >= 0 {
		return n[:i]
	}
	return n
}

func isInteger(v string) bool {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "-")
	if v == "" {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Modify implements directory.Client.
func (d *Dir) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	return d.mutate(ctx, func() error { return d.modifyEntry(dn, mods, true) })
}

func (d *Dir) modifyEntry(dn string, mods []directory.Mod, plugins bool) error {
	ndn := directory.NormalizeDN(dn)
	cur, ok := d.entries[ndn]
	if !ok {
		return directory.Errorf(directory.CodeNoSuchObject, "modify", dn, "no such object")
	}
	e := cur.clone()
	touched := map[string]bool{}
	for _, m := range mods {
		touched[strings.ToLower(m.Attr)] = true
		vals := e.get(m.Attr)
		switch m.Op {
		case directory.ModAdd:
			if len(m.Values) == 0 {
				return directory.Errorf(directory.CodeProtocolError, "modify", dn, "add of %s without values", m.Attr)
			}
			nv := append([]string(nil), vals...)
			for _, v := range m.Values {
				if d.hasValue(&entry{attrs: []directory.Attribute{{Name: m.Attr, Values: nv}}}, m.Attr, v) {
					return directory.Errorf(directory.CodeAttributeOrValueExists, "modify", dn, "type or value exists: %s: %s", m.Attr, v)
				}
				nv = append(nv, v)
			}
			if vals == nil {
				e.attrs = append(e.attrs, directory.Attribute{Name: m.Attr, Values: nv})
			} else {
				e.set(m.Attr, nv...)
			}
		case directory.ModDelete:
			if vals == nil {
				return directory.Errorf(directory.CodeNoSuchAttribute, "modify", dn, "no such attribute %s", m.Attr)
			}
			if len(m.Values) == 0 {
				e.set(m.Attr)
				continue
			}
			nv := append([]string(nil), vals...)
			for _, v := range m.Values {
				want := d.m.norm(m.Attr, v)
				i := -1
				for j, x := range nv {
					if d.m.norm(m.Attr, x) == want {
						i = j
						break
					}
				}
				if i < 0 {
					return directory.Errorf(directory.CodeNoSuchAttribute, "modify", dn, "no such value %s: %s", m.Attr, v)
				}
				nv = append(nv[:i], nv[i+1:]...)
			}
			e.set(m.Attr, nv...)
		case directory.ModReplace:
			if vals == nil && len(m.Values) > 0 {
				e.attrs = append(e.attrs, directory.Attribute{Name: m.Attr, Values: append([]string(nil), m.Values...)})
			} else {
				e.set(m.Attr, m.Values...)
			}
		}
	}
	for _, ava := range rdnAVAsFirst(e.dn) {
		if !d.hasValue(e, ava[0], ava[1]) {
			return directory.Errorf(directory.CodeNotAllowedOnRDN, "modify", dn, "cannot remove the RDN value %s=%s", ava[0], ava[1])
		}
	}
	if err := d.checkDuplicates(e, "modify"); err != nil {
		return err
	}
	if plugins {
		if err := d.dnaPre(e); err != nil {
			return err
		}
	}
	if err := d.checkSchema(e, "modify", touched); err != nil {
		return err
	}
	if plugins {
		if err := d.checkUniqueness(e, "modify"); err != nil {
			return err
		}
	}
	e.set("modifyTimestamp", now())
	d.put(e)
	if plugins {
		if err := d.mepModify(cur, e); err != nil {
			return err
		}
		if err := d.automemberModify(cur, e); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements directory.Client.
func (d *Dir) Delete(ctx context.Context, dn string) error {
	return d.mutate(ctx, func() error { return d.deleteEntry(dn) })
}

func (d *Dir) deleteEntry(dn string) error {
	e, ok := d.entries[directory.NormalizeDN(dn)]
	if !ok {
		return directory.Errorf(directory.CodeNoSuchObject, "delete", dn, "no such object")
	}
	if len(e.children) > 0 {
		return directory.Errorf(directory.CodeNotAllowedOnNonLeaf, "delete", dn, "entry has children")
	}
	d.remove(e)
	d.referint(map[string]string{e.ndn: ""})
	return d.mepDelete(e)
}

// Rename implements directory.Client.
func (d *Dir) Rename(ctx context.Context, dn, newRDN, newSuperior string) error {
	return d.mutate(ctx, func() error { return d.renameEntry(dn, newRDN, newSuperior) })
}

func (d *Dir) renameEntry(dn, newRDN, newSuperior string) error {
	ndn := directory.NormalizeDN(dn)
	e, ok := d.entries[ndn]
	if !ok {
		return directory.Errorf(directory.CodeNoSuchObject, "rename", dn, "no such object")
	}
	parent := directory.Parent(e.dn)
	if newSuperior != "" {
		if _, ok := d.entries[directory.NormalizeDN(newSuperior)]; !ok {
			return directory.Errorf(directory.CodeNoSuchObject, "rename", dn, "new superior %s does not exist", newSuperior)
		}
		parent = newSuperior
		if directory.IsUnder(newSuperior, e.dn) {
			return directory.Errorf(directory.CodeUnwillingToPerform, "rename", dn, "cannot move an entry below itself")
		}
	}
	if _, err := ldap.ParseDN(newRDN); err != nil || !strings.Contains(newRDN, "=") {
		return directory.Errorf(directory.CodeInvalidDNSyntax, "rename", dn, "invalid RDN %q", newRDN)
	}
	newDN := newRDN + "," + parent
	nn := directory.NormalizeDN(newDN)
	if nn != ndn {
		if _, ok := d.entries[nn]; ok {
			return directory.Errorf(directory.CodeEntryAlreadyExists, "rename", dn, "entry %s already exists", newDN)
		}
	}
	// collect the subtree, parents first
	var sub []*entry
	var walk func(x *entry)
	walk = func(x *entry) {
		sub = append(sub, x)
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(e)
	moved := map[string]string{}
	oldEntries := map[string]*entry{}
	for _, x := range sub {
		oldEntries[x.ndn] = x.clone()
	}
	for i := len(sub) - 1; i >= 0; i-- {
		d.remove(sub[i])
	}
	for _, x := range sub {
		o := oldEntries[x.ndn]
		nx := o.clone()
		nx.children = nil
		if x == e {
			nx.dn = newDN
			for _, ava := range rdnAVAsFirst(o.dn) {
				nv := []string{}
				for _, v := range nx.get(ava[0]) {
					if d.m.norm(ava[0], v) != d.m.norm(ava[0], ava[1]) {
						nv = append(nv, v)
					}
				}
				nx.set(ava[0], nv...)
			}
			for _, ava := range rdnAVAsFirst(newDN) {
				if !d.hasValue(nx, ava[0], ava[1]) {
					nx.set(ava[0], append(append([]string(nil), nx.get(ava[0])...), ava[1])...)
				}
			}
			if err := d.checkSchema(nx, "rename", nil); err != nil {
				return err
			}
			if err := d.checkUniqueness(nx, "rename"); err != nil {
				return err
			}
		} else {
			nx.dn = o.dn[:len(o.dn)-len(e.dn)] + newDN
		}
		nx.ndn = directory.NormalizeDN(nx.dn)
		moved[o.ndn] = nx.dn
		d.put(nx)
	}
	d.referint(moved)
	for _, x := range sub {
		if err := d.mepRename(oldEntries[x.ndn], d.entries[directory.NormalizeDN(moved[x.ndn])]); err != nil {
			return err
		}
	}
	return nil
}
