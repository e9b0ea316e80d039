package plan

import (
	"errors"
	"fmt"
	"strings"
)

// Hidden stands in for a value a plan must not show (a generated password). It is the
// one placeholder: every value withheld from display uses it, so that the renderings
// meant to be applied (--emit ldif, update, ipa) can refuse a plan that still holds it.
const Hidden = "<hidden>"

// ErrPlaceholder is returned for a plan rendered for applying that still holds Hidden.
var ErrPlaceholder = errors.New("the plan holds a hidden value (" + Hidden + ") and cannot be emitted for applying")

// forApplying reports whether format f is meant to be applied by another tool.
func forApplying(f Format) bool { return f == LDIF || f == Update || f == IPA }

// CheckNoPlaceholder refuses a plan whose pending changes carry Hidden as a value (or, in
// an ipa command, anywhere): applied by ldapadd, ipa-ldap-updater or ipa, it would set
// the placeholder itself, a password everyone knows.
func CheckNoPlaceholder(p *Plan) error {
	for _, c := range p.Pending() {
		if c.Entry != nil {
			for _, a := range c.Entry.Attributes {
				if holdsHidden(a.Values) {
					return placeholderErr(c, a.Name)
				}
			}
		}
		for _, m := range c.Mods {
			if holdsHidden(m.Values) {
				return placeholderErr(c, m.Attr)
			}
		}
		for _, cmd := range c.IPA {
			if strings.Contains(cmd, Hidden) {
				return placeholderErr(c, "ipa command")
			}
		}
	}
	return nil
}

func holdsHidden(vals []string) bool {
	for _, v := range vals {
		if v == Hidden {
			return true
		}
	}
	return false
}

func placeholderErr(c Change, where string) error {
	return fmt.Errorf("%w: %s %s %q, %s", ErrPlaceholder, c.Action, c.Kind, c.Name, where)
}
