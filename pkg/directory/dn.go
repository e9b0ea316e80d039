package directory

import "strings"

// Standard FreeIPA containers, relative to the suffix (freeipa-ldap.md §1).
const (
	Users        = "cn=users,cn=accounts"
	Groups       = "cn=groups,cn=accounts"
	Computers    = "cn=computers,cn=accounts"
	Hostgroups   = "cn=hostgroups,cn=accounts"
	Services     = "cn=services,cn=accounts"
	Roles        = "cn=roles,cn=accounts"
	HBAC         = "cn=hbac"
	HBACServices = "cn=hbacservices,cn=hbac"
	SudoRules    = "cn=sudorules,cn=sudo"
	SudoCmds     = "cn=sudocmds,cn=sudo"
	Automember   = "cn=automember,cn=etc"
	AutomemberHG = "cn=hostgroup,cn=automember,cn=etc"
	AutomemberG  = "cn=group,cn=automember,cn=etc"
	SysAccounts  = "cn=sysaccounts,cn=etc"
	Ranges       = "cn=ranges,cn=etc"
	Masters      = "cn=masters,cn=ipa,cn=etc"
	StagedUsers  = "cn=staged users,cn=accounts,cn=provisioning"
	DeletedUsers = "cn=deleted users,cn=accounts,cn=provisioning"
	Netgroups    = "cn=ng,cn=alt"
)

// EscapeDNValue escapes one RDN value (RFC 4514).
func EscapeDNValue(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == ',' || r == '+' || r == '"' || r == '\\' || r == '<' || r == '>' || r == ';' || r == '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '#' && i == 0, r == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EscapeFilterValue escapes a value for use inside an LDAP filter (RFC 4515).
func EscapeFilterValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '*', '(', ')', '\\', 0:
			b.WriteString(`\` + hex2(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hex2(c byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[c>>4], h[c&0xf]})
}

// Join builds "rdnAttr=escaped(value),container,suffix".
func Join(rdnAttr, value, container, suffix string) string {
	dn := rdnAttr + "=" + EscapeDNValue(value)
	if container != "" {
		dn += "," + container
	}
	return dn + "," + suffix
}

// In returns container,suffix.
func In(container, suffix string) string {
	if container == "" {
		return suffix
	}
	return container + "," + suffix
}

// RDNValue returns the value of the first RDN of dn, unescaped for the simple cases
// FreeIPA names use.
func RDNValue(dn string) string {
	first := dn
	depth := 0
	for i := 0; i < len(dn); i++ {
		if dn[i] == '\\' {
			i++
			continue
		}
		if dn[i] == ',' && depth == 0 {
			first = dn[:i]
			break
		}
	}
	if eq := strings.IndexByte(first, '='); eq >= 0 {
		first = first[eq+1:]
	}
	return unescapeDN(first)
}

func unescapeDN(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
				i += 2
				continue
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// EqualDN compares two DNs the way the directory does for FreeIPA names: case-insensitive,
// ignoring spaces after commas.
func EqualDN(a, b string) bool { return NormalizeDN(a) == NormalizeDN(b) }

// NormalizeDN lower-cases a DN and strips spaces around RDN separators and '='.
func NormalizeDN(dn string) string {
	if isNormal(dn) {
		return dn // most DNs a server returns: no copy
	}
	var b strings.Builder
	b.Grow(len(dn))
	esc := false
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		if esc {
			b.WriteByte(lower(c))
			esc = false
			continue
		}
		if c == '\\' {
			esc = true
			b.WriteByte(c)
			continue
		}
		if c == ' ' {
			// drop spaces adjacent to ',' or '='
			prev := byte(0)
			if b.Len() > 0 {
				prev = b.String()[b.Len()-1]
			}
			j := i
			for j < len(dn) && dn[j] == ' ' {
				j++
			}
			next := byte(0)
			if j < len(dn) {
				next = dn[j]
			}
			if prev == ',' || prev == '=' || next == ',' || next == '=' || prev == 0 || next == 0 {
				i = j - 1
				continue
			}
		}
		b.WriteByte(lower(c))
	}
	return b.String()
}

// isNormal reports whether NormalizeDN would return dn unchanged: no upper case, no
// spaces, no escapes.
func isNormal(dn string) bool {
	for i := 0; i < len(dn); i++ {
		if c := dn[i]; c == ' ' || c == '\\' || (c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Parent returns dn without its first RDN.
func Parent(dn string) string {
	for i := 0; i < len(dn); i++ {
		if dn[i] == '\\' {
			i++
			continue
		}
		if dn[i] == ',' {
			return strings.TrimLeft(dn[i+1:], " ")
		}
	}
	return ""
}

// IsUnder reports whether dn is base or lies below it.
func IsUnder(dn, base string) bool {
	n, b := NormalizeDN(dn), NormalizeDN(base)
	return n == b || strings.HasSuffix(n, ","+b)
}

// HasDN reports whether list holds dn (DNs compared as the directory does).
func HasDN(list []string, dn string) bool {
	for _, v := range list {
		if EqualDN(v, dn) {
			return true
		}
	}
	return false
}

// SameDNs reports whether a and b hold the same DNs (as sets: order and repeats aside).
func SameDNs(a, b []string) bool {
	for _, v := range a {
		if !HasDN(b, v) {
			return false
		}
	}
	for _, v := range b {
		if !HasDN(a, v) {
			return false
		}
	}
	return true
}
