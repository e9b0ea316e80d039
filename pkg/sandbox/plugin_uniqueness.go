package sandbox

import (
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Attribute uniqueness, as FreeIPA configures 389-ds's uniqueness plugin.

func (d *Dir) checkUniqueness(e *entry, op string) error {
	staged := directory.In(directory.StagedUsers, d.suffix)
	conflict := func(attr string, ok func(o *entry) bool) error {
		for _, v := range e.get(attr) {
			for ndn := range d.index[strings.ToLower(attr)][d.m.norm(attr, v)] {
				if ndn == e.ndn {
					continue
				}
				if o := d.entries[ndn]; o != nil && ok(o) {
					return directory.Errorf(directory.CodeConstraintViolation, op, e.dn, "Another entry with the same attribute value already exists (attribute: %q)", attr)
				}
			}
		}
		return nil
	}
	if e.hasOC("posixAccount") && !directory.IsUnder(e.ndn, staged) && !d.under(e.ndn, "cn=compat") {
		if err := conflict("uid", func(o *entry) bool {
			return o.hasOC("posixAccount") && !directory.IsUnder(o.ndn, staged) && !d.under(o.ndn, "cn=compat")
		}); err != nil {
			return err
		}
	}
	for _, c := range []string{directory.SudoRules, directory.Netgroups} {
		if d.under(e.ndn, c) {
			if err := conflict("cn", func(o *entry) bool { return d.under(o.ndn, c) }); err != nil {
				return err
			}
		}
	}
	if !directory.IsUnder(e.ndn, staged) {
		if err := conflict("ipaUniqueID", func(o *entry) bool { return !directory.IsUnder(o.ndn, staged) }); err != nil {
			return err
		}
	}
	return nil
}
