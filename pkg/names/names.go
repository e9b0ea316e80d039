// Package names holds FreeIPA's rules for the names accessctl handles (users,
// groups, hostgroups, HBAC and sudo rules, hosts, service principals) plus
// accessctl's own conventions on top of them (cluster and role names).
//
// Every value a user types is checked here before it reaches an LDAP filter
// or DN. The functions are pure: no I/O, no directory lookups.
//
// FreeIPA's pattern for user and group names (ipalib/constants.py) is
//
//	(?!^[0-9]+$)^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*[a-zA-Z0-9_.$-]?$
//
// (older releases spelled the middle part {0,252}). FreeIPA lower-cases user,
// group and hostgroup names when it stores them; accessctl refuses upper case
// instead of folding it silently, so what the operator typed is what is
// stored. Host names are normalised (lower case, trailing dot removed), as
// FreeIPA's normalize_hostname does.
package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/accessctl/accessctl/pkg/clip"
)

// Length limits.
const (
	// MaxUserLength is FreeIPA's default ipaMaxUsernameLength.
	MaxUserLength = 32
	// MaxGroupLength is the maxlength of the group and hostgroup cn parameter
	// (ipaserver/plugins/group.py, hostgroup.py).
	MaxGroupLength = 255
	// MaxRuleLength bounds HBAC and sudo rule names. FreeIPA sets no limit;
	// accessctl uses the group limit so derived names stay comparable.
	MaxRuleLength = 255
	// MaxHostLength is FreeIPA's default ipaMaxHostnameLength. host-add
	// compares it with the length of the whole FQDN.
	MaxHostLength = 64
	// MaxLabelLength is the DNS label limit of RFC 1035/1123.
	MaxLabelLength = 63
)

// Kinds of names, as they appear in error messages.
const (
	KindUser      = "user name"
	KindGroup     = "group name"
	KindHostgroup = "hostgroup name"
	KindRule      = "rule name"
	KindHost      = "host name"
	KindCluster   = "cluster name"
	KindRole      = "role name"
	KindService   = "service principal"
)

// Error is a name that breaks a rule. The CLI maps it to exit code 2 (bad
// input). Its message is one lower-case line:
//
//	invalid group name "Hvac": must be lower case
type Error struct {
	Kind  string // one of the Kind constants
	Value string // the value as given
	Rule  string // the rule broken
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid %s %s: %s", e.Kind, clip.Quote(e.Value), e.Rule)
}

func fail(kind, value, format string, args ...any) *Error {
	return &Error{Kind: kind, Value: value, Rule: fmt.Sprintf(format, args...)}
}

// User checks a user login against FreeIPA's pattern, lower case and the
// default ipaMaxUsernameLength (32).
func User(s string) error { return UserMax(s, MaxUserLength) }

// UserMax is User with the site's ipaMaxUsernameLength.
func UserMax(s string, max int) error { return groupUser(KindUser, s, max) }

// Group checks a user group name: FreeIPA's pattern, lower case, at most 255
// bytes, not all digits.
func Group(s string) error { return groupUser(KindGroup, s, MaxGroupLength) }

// Hostgroup checks a hostgroup name. accessctl holds hostgroups to the group
// rules (the same pattern, lower case, at most 255 bytes, not all digits).
func Hostgroup(s string) error { return groupUser(KindHostgroup, s, MaxGroupLength) }

// Role checks a role account name (ITTN-010 §5, §7.2): a user login that does
// not contain "-sudoto-", so the derived "<hostgroup>-sudoto-<role>" names
// stay unambiguous.
func Role(s string) error {
	if err := groupUser(KindRole, s, MaxUserLength); err != nil {
		return err
	}
	if strings.Contains(s, "-sudoto-") {
		return fail(KindRole, s, `must not contain "-sudoto-"`)
	}
	return nil
}

// Cluster checks a cluster base name (ITTN-010 §3.3): a valid group name that
// does not end in "-sudo" or "-users" and does not contain "-sudoto-", short
// enough that "<cluster>-users" is still a valid group name.
func Cluster(s string) error {
	if err := groupUser(KindCluster, s, MaxGroupLength-len("-users")); err != nil {
		return err
	}
	for _, suffix := range []string{"-sudo", "-users"} {
		if strings.HasSuffix(s, suffix) {
			return fail(KindCluster, s, "must not end in %q (accessctl adds it)", suffix)
		}
	}
	if strings.Contains(s, "-sudoto-") {
		return fail(KindCluster, s, `must not contain "-sudoto-"`)
	}
	if strings.HasSuffix(s, "$") {
		return fail(KindCluster, s, `must not end in "$"`)
	}
	return nil
}

// groupUser applies FreeIPA's PATTERN_GROUPUSER_NAME plus lower case and a
// length limit.
func groupUser(kind, s string, max int) error {
	if s == "" {
		return fail(kind, s, "must not be empty")
	}
	if len(s) > max {
		return fail(kind, s, "must be at most %d characters (is %d)", max, len(s))
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			allDigits = false
		}
		switch {
		case c >= 'A' && c <= 'Z':
			return fail(kind, s, "must be lower case")
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '.':
		case c == '-':
			if i == 0 {
				return fail(kind, s, `must not start with "-"`)
			}
		case c == '$':
			if i != len(s)-1 {
				return fail(kind, s, `"$" is allowed only as the last character`)
			}
			if i == 0 {
				return fail(kind, s, `must not start with "$"`)
			}
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fail(kind, s, "character %q at position %d is not allowed (only a-z, 0-9, _, -, . and a final $)", r, i+1)
		}
	}
	if allDigits {
		return fail(kind, s, "must not be all digits")
	}
	// FreeIPA's pattern lets them through, but they are path components: a login ".."
	// would get homeDirectory /home/.. (the parent of every home).
	if s == "." || s == ".." {
		return fail(kind, s, `must not be "." or ".."`)
	}
	return nil
}

// Rule checks an HBAC or sudo rule name. FreeIPA stores the rule name in cn
// with no pattern; accessctl requires a non-empty printable name without
// leading or trailing white space, at most 255 bytes. accessctl's own rules
// use conventional names ("<cluster>-users", "<hostgroup>-sudoto-<role>"),
// which are also valid group names.
func Rule(s string) error {
	if s == "" {
		return fail(KindRule, s, "must not be empty")
	}
	if len(s) > MaxRuleLength {
		return fail(KindRule, s, "must be at most %d characters (is %d)", MaxRuleLength, len(s))
	}
	if !utf8.ValidString(s) {
		return fail(KindRule, s, "must be valid UTF-8")
	}
	if strings.TrimSpace(s) != s {
		return fail(KindRule, s, "must not start or end with white space")
	}
	for i, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return fail(KindRule, s, "character %q at position %d is not printable", r, i+1)
		}
	}
	return nil
}

// Host normalises and checks a host FQDN with the default
// ipaMaxHostnameLength (64).
func Host(fqdn string) (string, error) { return HostMax(fqdn, MaxHostLength) }

// HostMax normalises fqdn (lower case, one trailing dot removed, as FreeIPA's
// normalize_hostname does) and checks it: at least two labels, each 1-63
// characters of a-z, 0-9 and "-", not starting or ending with "-", the last
// label not all digits (that would be an IP address), the whole name at most
// max characters (the site's ipaMaxHostnameLength).
func HostMax(fqdn string, max int) (string, error) {
	h := strings.ToLower(strings.TrimSuffix(fqdn, "."))
	if h == "" {
		return "", fail(KindHost, fqdn, "must not be empty")
	}
	if len(h) > max {
		return "", fail(KindHost, fqdn, "must be at most %d characters (is %d)", max, len(h))
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", fail(KindHost, fqdn, "must be fully qualified (at least two labels)")
	}
	for _, l := range labels {
		if l == "" {
			return "", fail(KindHost, fqdn, "must not contain an empty label")
		}
		if len(l) > MaxLabelLength {
			return "", fail(KindHost, fqdn, "label %s is longer than %d characters", clip.Quote(l), MaxLabelLength)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", fail(KindHost, fqdn, "label %q must not start or end with \"-\"", l)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				r, _ := utf8.DecodeRuneInString(l[i:])
				return "", fail(KindHost, fqdn, "character %q in label %q is not allowed (only a-z, 0-9 and -)", r, l)
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", fail(KindHost, fqdn, "last label must not be all digits")
	}
	return h, nil
}

// Service normalises and checks a service principal "svc/fqdn", optionally
// followed by "@REALM". The service part is 1 or more of a-z, A-Z, 0-9, ".",
// "_" and "-" (case kept: "HTTP/..." is conventional); the host part follows
// Host and is lower-cased; the realm, if given, is upper case letters,
// digits, "." and "-".
func Service(principal string) (string, error) {
	svc, rest, ok := strings.Cut(principal, "/")
	if !ok {
		return "", fail(KindService, principal, `must have the form "service/fqdn"`)
	}
	if svc == "" {
		return "", fail(KindService, principal, "service part must not be empty")
	}
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			r, _ := utf8.DecodeRuneInString(svc[i:])
			return "", fail(KindService, principal, "character %q in the service part is not allowed", r)
		}
	}
	host, realm, hasRealm := strings.Cut(rest, "@")
	if strings.Contains(host, "/") {
		return "", fail(KindService, principal, `must contain exactly one "/"`)
	}
	h, err := Host(host)
	if err != nil {
		return "", fail(KindService, principal, "host part: %s", err.(*Error).Rule)
	}
	out := svc + "/" + h
	if hasRealm {
		if realm == "" {
			return "", fail(KindService, principal, `realm after "@" must not be empty`)
		}
		for i := 0; i < len(realm); i++ {
			c := realm[i]
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
				r, _ := utf8.DecodeRuneInString(realm[i:])
				return "", fail(KindService, principal, "character %q in the realm is not allowed (upper case letters, digits, . and -)", r)
			}
		}
		out += "@" + realm
	}
	return out, nil
}

// LooksPlural reports whether a name looks like an English plural, for a
// warning (ITTN-010 names groups and hostgroups in the singular: "hvac", not
// "hvacs"). The heuristic looks at the last "-"-separated word only: it is
// plural-looking when it is at least four letters long and ends in "s" but
// not in "ss", "us" or "is" ("glass", "status", "analysis" are singular). It
// is a hint, never an error.
func LooksPlural(s string) bool {
	word := s
	if i := strings.LastIndexAny(s, "-_."); i >= 0 {
		word = s[i+1:]
	}
	if len(word) < 4 || !strings.HasSuffix(word, "s") {
		return false
	}
	for _, suffix := range []string{"ss", "us", "is"} {
		if strings.HasSuffix(word, suffix) {
			return false
		}
	}
	return true
}
