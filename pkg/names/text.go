package names

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kinds of free text, as they appear in error messages.
const (
	KindFirst       = "first name"
	KindLast        = "last name"
	KindDescription = "description"
	KindMail        = "mail address"
)

// Length limits of free text.
const (
	// MaxTextLength bounds a person's name or a description. FreeIPA's Str parameters
	// for givenname, sn and description set none; 389-ds takes far more. A name or a
	// description longer than this is a mistake (a pasted file), not a name.
	MaxTextLength = 1024
	// MaxMailLength is RFC 5321's limit on a forward-path (254 octets for the address).
	MaxMailLength = 254
)

// Text checks free text stored in a name or description attribute (givenName, sn, cn,
// description): not empty, valid UTF-8, no control characters (a newline would split
// the LDIF and `ipa` lines accessctl prints, an escape sequence rewrites the operator's
// terminal), no leading or trailing white space (FreeIPA's Str parameters refuse it
// too), at most MaxTextLength bytes.
func Text(kind, s string) error {
	if strings.TrimSpace(s) == "" {
		return fail(kind, s, "must not be empty")
	}
	if len(s) > MaxTextLength {
		return fail(kind, s, "must be at most %d bytes (is %d)", MaxTextLength, len(s))
	}
	if !utf8.ValidString(s) {
		return fail(kind, s, "must be valid UTF-8")
	}
	for i, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fail(kind, s, "control character %U at byte %d is not allowed", r, i+1)
		}
	}
	if strings.TrimSpace(s) != s {
		return fail(kind, s, "must not start or end with white space")
	}
	return nil
}

// FreeIPA's e-mail check (ipapython/ipavalidate.py Email): a local part without white
// space, "@", "<", ">", "(" or ")", and a domain of letters, digits, ".", "-" and "_"
// ending in an alphabetic top-level label.
var (
	mailLocal  = regexp.MustCompile(`^[^ \t\n\r@<>()]+$`)
	mailDomain = regexp.MustCompile(`(?i)^[a-z0-9][a-z0-9.\-_]*\.[a-z]+$`)
)

// Mail checks one e-mail address as `ipa user-add --email` does (ipavalidate.Email),
// and as a mail parser reads it (net/mail): exactly one bare address — no display name,
// no angle brackets, no comments, no list — printable ASCII, at most MaxMailLength bytes.
func Mail(s string) error {
	if s == "" {
		return fail(KindMail, s, "must not be empty")
	}
	if len(s) > MaxMailLength {
		return fail(KindMail, s, "must be at most %d bytes (is %d)", MaxMailLength, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return fail(KindMail, s, "byte %#02x at position %d is not allowed (printable ASCII, no spaces)", c, i+1)
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return fail(KindMail, s, "not an address: %s", strings.TrimPrefix(err.Error(), "mail: "))
	}
	if a.Name != "" || a.Address != s {
		return fail(KindMail, s, "must be a bare address such as jdoe@example.org (no name, brackets or comments)")
	}
	local, domain, _ := strings.Cut(s, "@")
	if !mailLocal.MatchString(local) || !mailDomain.MatchString(domain) {
		return fail(KindMail, s, "must be LOCAL@DOMAIN with a domain such as example.org (FreeIPA's e-mail format)")
	}
	return nil
}
