// Package automember models FreeIPA automember rules for hostgroups
// (freeipa-ldap.md §2.8): conditions "attr=<regex>", evaluated by 389-ds with
// PCRE2, unanchored unless the pattern says ^ or $, case-sensitive, against
// each value of the attribute, exclusive conditions first.
//
// accessctl computes previews in Go (RE2), so Validate admits only the regex
// subset that PCRE2 and RE2 read the same way. The package is pure: no I/O.
package automember

import (
	"fmt"
	"regexp"
	"strings"
)

// RegexError is a pattern outside the common PCRE2/RE2 subset, or one that
// does not compile. Pos is the 0-based byte offset of the offending
// construct (-1 when the whole pattern is at fault). The CLI maps it to exit
// code 2 (bad input).
type RegexError struct {
	Pattern string
	Pos     int
	Reason  string
}

func (e *RegexError) Error() string {
	if e.Pos < 0 {
		return fmt.Sprintf("invalid automember regex %q: %s", e.Pattern, e.Reason)
	}
	return fmt.Sprintf("invalid automember regex %q at byte %d: %s", e.Pattern, e.Pos, e.Reason)
}

const notCommon = "is not in the regex subset both PCRE2 (389-ds) and RE2 (Go) support"

// Validate reports whether pattern lies in the subset of regular expressions
// that PCRE2 (the server) and RE2 (Go) interpret the same way, and compiles
// in Go. It refuses, with the byte position:
//
//   - back-references and subroutine calls: \1-\9, \g, \k, (?P=name), (?P>name), (?&name), (?R), (?1)
//   - look-arounds (?=, (?!, (?<=, (?<! and atomic groups (?>
//   - conditionals (?(, branch resets (?|, comments (?#, verbs (*...), (?'name'...)
//   - possessive quantifiers (a++, a*+, a?+, a{n}+) and {,n} (a quantifier in PCRE2 10.43+, a literal in RE2)
//   - inline flags other than i (RE2 lacks x; m, s and U are left out of the subset)
//   - escapes RE2 lacks or reads differently: \Z \G \K \h \H \v \V \R \X \C \N \e \c \o \u \0, and \p/\P
//     (Unicode properties: 389-ds compiles without UTF mode)
//   - non-ASCII bytes (PCRE2 without UTF mode matches bytes, RE2 matches runes)
//   - control characters (raw newlines, tabs), patterns over MaxRegexLength bytes,
//     parentheses nested deeper than PCRE2MaxNesting, and patterns too large for PCRE2
//     10.42 once compiled (see checkPCRE2Limits)
//   - empty patterns
//
// Allowed: literals, ., classes (POSIX [[:alpha:]] included), \d \D \s \S \w \W \b \B \A \z,
// \xHH and \x{H..}, \Q...\E, groups ( ), (?:, named groups (?P<n> and (?<n>, (?i), alternation,
// greedy and lazy quantifiers, ^ and $. ($ in PCRE2 also matches before a final newline; FQDNs
// hold no newlines, so that difference cannot show.)
func Validate(pattern string) error {
	bad := func(pos int, format string, args ...any) error {
		return &RegexError{Pattern: pattern, Pos: pos, Reason: fmt.Sprintf(format, args...)}
	}
	if pattern == "" {
		return &RegexError{Pattern: pattern, Pos: -1, Reason: "must not be empty"}
	}
	p := pattern
	n := len(p)
	for i := 0; i < n; i++ {
		if p[i] >= 0x80 {
			return bad(i, "non-ASCII byte %#x %s", p[i], notCommon)
		}
	}
	if err := checkPCRE2Limits(p, bad); err != nil {
		return err
	}
	inClass := false
	afterQuant := false // the previous token was a quantifier
	for i := 0; i < n; {
		c := p[i]
		if c == '\\' {
			if i+1 >= n {
				return bad(i, `trailing "\"`)
			}
			e := p[i+1]
			if e == 'Q' {
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					i = n
				} else {
					i += 2 + end + 2
				}
				afterQuant = false
				continue
			}
			if err := checkEscape(p, i, inClass, bad); err != nil {
				return err
			}
			i += 2
			afterQuant = false
			continue
		}
		if inClass {
			if c == '[' && i+1 < n && p[i+1] == ':' {
				end := strings.Index(p[i+2:], ":]")
				if end >= 0 {
					i += 2 + end + 2
					continue
				}
			}
			if c == ']' {
				inClass = false
			}
			i++
			continue
		}
		switch c {
		case '[':
			inClass = true
			i++
			if i < n && p[i] == '^' {
				i++
			}
			if i < n && p[i] == ']' { // a ']' right after '[' or '[^' is a literal
				i++
			}
			afterQuant = false
			continue
		case '(':
			if i+1 < n && p[i+1] == '*' {
				return bad(i, "verb %q %s", "(*", notCommon)
			}
			if i+1 < n && p[i+1] == '?' {
				if err := checkGroup(p, i, bad); err != nil {
					return err
				}
			}
			afterQuant = false
		case '*', '+', '?':
			if afterQuant {
				if c == '+' {
					return bad(i, "possessive quantifier %s", notCommon)
				}
				if c == '?' {
					afterQuant = false // lazy
					i++
					continue
				}
			}
			afterQuant = true
			i++
			continue
		case '{':
			if end, ok := repeat(p, i); ok {
				if strings.HasPrefix(p[i:], "{,") {
					return bad(i, "quantifier %q %s (PCRE2 10.43+ reads {,n} as a quantifier, RE2 as literal text)", p[i:end], notCommon)
				}
				if afterQuant {
					return bad(i, "nested quantifier %q", p[i:end])
				}
				if end < n && p[end] == '+' {
					return bad(end, "possessive quantifier %s", notCommon)
				}
				i = end
				afterQuant = true
				continue
			}
		}
		afterQuant = false
		i++
	}
	if _, err := regexp.Compile(pattern); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		return &RegexError{Pattern: pattern, Pos: -1, Reason: "does not compile: " + msg}
	}
	return nil
}

// repeat reports whether p[i:] starts with a counted repetition {n}, {n,},
// {n,m} or {,m}, and where it ends.
func repeat(p string, i int) (end int, ok bool) {
	j := i + 1
	digits := func() int {
		k := j
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		return j - k
	}
	d1 := digits()
	if j < len(p) && p[j] == ',' {
		j++
		d2 := digits()
		if d1 == 0 && d2 == 0 {
			return 0, false
		}
	} else if d1 == 0 {
		return 0, false
	}
	if j < len(p) && p[j] == '}' {
		return j + 1, true
	}
	return 0, false
}

func checkEscape(p string, i int, inClass bool, bad func(int, string, ...any) error) error {
	e := p[i+1]
	switch {
	case e >= '1' && e <= '9':
		if inClass {
			return bad(i, "octal escape %q %s", p[i:i+2], notCommon)
		}
		return bad(i, "back-reference %q %s", p[i:i+2], notCommon)
	case e == '0':
		return bad(i, "octal escape %q %s (use \\x{..})", p[i:i+2], notCommon)
	}
	switch e {
	case 'g', 'k':
		return bad(i, "back-reference %q %s", p[i:i+2], notCommon)
	case 'Z':
		return bad(i, "%q %s (use \"$\" or \"\\z\")", p[i:i+2], notCommon)
	case 'G', 'K', 'h', 'H', 'v', 'V', 'R', 'X', 'C', 'N', 'e', 'c', 'o', 'u', 'U', 'L', 'l', 'E':
		return bad(i, "escape %q %s", p[i:i+2], notCommon)
	case 'p', 'P':
		return bad(i, "Unicode property %q %s", p[i:i+2], notCommon)
	}
	return nil
}

func checkGroup(p string, i int, bad func(int, string, ...any) error) error {
	rest := p[i+2:]
	at := func(prefix string) bool { return strings.HasPrefix(rest, prefix) }
	switch {
	case at("="):
		return bad(i, "look-ahead %q %s", "(?=", notCommon)
	case at("!"):
		return bad(i, "negative look-ahead %q %s", "(?!", notCommon)
	case at("<="):
		return bad(i, "look-behind %q %s", "(?<=", notCommon)
	case at("<!"):
		return bad(i, "negative look-behind %q %s", "(?<!", notCommon)
	case at(">"):
		return bad(i, "atomic group %q %s", "(?>", notCommon)
	case at("("):
		return bad(i, "conditional %q %s", "(?(", notCommon)
	case at("|"):
		return bad(i, "branch reset %q %s", "(?|", notCommon)
	case at("#"):
		return bad(i, "comment %q %s", "(?#", notCommon)
	case at("'"):
		return bad(i, "named group %q %s (use (?P<name>...))", "(?'", notCommon)
	case at("P="), at("P>"), at("&"):
		return bad(i, "named back-reference or subroutine %q %s", p[i:min(len(p), i+4)], notCommon)
	case at("R"), len(rest) > 0 && (rest[0] >= '0' && rest[0] <= '9' || rest[0] == '+' || rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'):
		return bad(i, "recursion %q %s", p[i:min(len(p), i+4)], notCommon)
	case at("P<"), at("<"), at(":"):
		return nil
	}
	// Inline flags: (?flags) or (?flags:...). Only i (and -i) is common.
	for j := 0; j < len(rest); j++ {
		f := rest[j]
		switch f {
		case 'i', '-':
			continue
		case ')', ':':
			return nil
		default:
			return bad(i+2+j, "inline flag %q %s (only (?i) is)", string(f), notCommon)
		}
	}
	return nil
}
