package sandbox

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// MaxSuffixLength bounds a sandbox suffix; FreeIPA's are a few dc= labels.
const MaxSuffixLength = 255

var (
	// dcValue is one DNS label, as FreeIPA derives dc= values from the domain.
	dcValue = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// realmValue is a Kerberos realm as FreeIPA names it: the domain in upper case.
	realmValue = regexp.MustCompile(`^[A-Z0-9]([A-Z0-9-]*[A-Z0-9])?(\.[A-Z0-9]([A-Z0-9-]*[A-Z0-9])?)*$`)
)

// CheckSuffix parses a sandbox suffix as a DN and returns it in canonical form
// (lower-case attribute types, no spaces around separators). Only what FreeIPA makes of
// a domain is accepted — a sequence of single-valued dc= RDNs, each a DNS label (the
// suffix entry is a "domain", which requires dc) — so no value needs escaping: the
// suffix ends every DN of the tree and is rendered into the tree's LDIF, and
// `dc=x\,cn\=evil` or a value holding a newline must not get through.
func CheckSuffix(s string) (string, error) {
	if s == "" || len(s) > MaxSuffixLength {
		return "", fmt.Errorf("invalid suffix: must be 1 to %d bytes", MaxSuffixLength)
	}
	dn, err := ldap.ParseDN(s)
	if err != nil || len(dn.RDNs) == 0 {
		return "", fmt.Errorf("invalid suffix %q: not a DN such as dc=example,dc=test", s)
	}
	parts := make([]string, len(dn.RDNs))
	for i, r := range dn.RDNs {
		if len(r.Attributes) != 1 {
			return "", fmt.Errorf("invalid suffix %q: RDN %d is multi-valued", s, i+1)
		}
		a := r.Attributes[0]
		typ := strings.ToLower(a.Type)
		if typ != "dc" {
			return "", fmt.Errorf("invalid suffix %q: RDN %d is %s=, want dc= (the suffix FreeIPA derives from the domain)", s, i+1, a.Type)
		}
		if !dcValue.MatchString(a.Value) {
			return "", fmt.Errorf("invalid suffix %q: the value of RDN %d must be a DNS label (letters, digits and -)", s, i+1)
		}
		parts[i] = typ + "=" + a.Value
	}
	return strings.Join(parts, ","), nil
}

// CheckRealm checks a Kerberos realm for the sandbox (it is rendered into DNs and
// principals): upper-case DNS-style labels.
func CheckRealm(r string) error {
	if len(r) > MaxSuffixLength || !realmValue.MatchString(r) {
		return fmt.Errorf("invalid realm %q: want an upper-case DNS-style name such as EXAMPLE.TEST", r)
	}
	return nil
}
