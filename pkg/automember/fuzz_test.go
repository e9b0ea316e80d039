package automember

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	`^ts-csc-generic-01\.cp\.lsst\.org$`, `^at-.*`, `eas-hvac`, `^a(?=b)`, `^a++`, `(?i)^x`, `[]a]`, `^[^]a].b`,
	`\Qa.b\E.c`, `^a{,3}`, `(?P<n>a)\1`, `[[:alpha:]].x`, `\`, `(?`, `[`, `a{2}+`, `^(a|b)c.d`,
	// PCRE2 10.42's limits and raw control characters (issue 16.8)
	"^a\nb$", "x\r", `^(?:[a-z][0-9]){911}$`, `(?:(?:[a-z]|[0-9]){2}){421}`, `((((((((((a))))))))))`,
	`(?:(?:[a-z][0-9]){10}){91}`, `(?:a.){700}`,
}

// FuzzValidate checks that every accepted pattern compiles in Go and that
// Lint, LiteralPrefix and EscapeLiteralDots keep their promises on it.
func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "ts-csc-generic-01.cp.lsst.org")
	}
	f.Fuzz(func(t *testing.T, pattern, host string) {
		err := Validate(pattern)
		lint := Lint(FQDN(pattern))
		if err != nil {
			if len(lint) != 1 || lint[0].Code != CodeInvalid {
				t.Fatalf("invalid %q linted as %+v", pattern, lint)
			}
			return
		}
		re, cerr := regexp.Compile(pattern)
		if cerr != nil {
			t.Fatalf("Validate accepted %q but Go refuses it: %v", pattern, cerr)
		}
		// A match implies the host starts with the literal prefix.
		if p := LiteralPrefix(pattern); p != "" && re.MatchString(host) && (len(host) < len(p) || host[:len(p)] != p) {
			t.Fatalf("pattern %q matches %q without its prefix %q", pattern, host, p)
		}
		// Escaping literal dots keeps the pattern valid, is idempotent, and
		// only narrows what it matches.
		fixed := EscapeLiteralDots(pattern)
		if err := Validate(fixed); err != nil && !isSizeLimit(err) {
			t.Fatalf("EscapeLiteralDots(%q) = %q is invalid: %v", pattern, fixed, err)
		}
		if again := EscapeLiteralDots(fixed); again != fixed {
			t.Fatalf("EscapeLiteralDots not idempotent: %q -> %q -> %q", pattern, fixed, again)
		}
		if regexp.MustCompile(fixed).MatchString(host) && !re.MatchString(host) {
			t.Fatalf("escaped %q matches %q but %q does not", fixed, host, pattern)
		}
		// The Matcher agrees with Match.
		rule := Rule{Name: "g", Inclusive: []Condition{FQDN(pattern)}}
		m, err := NewMatcher([]Rule{rule})
		if err != nil {
			t.Fatal(err)
		}
		ok, _, _ := Match(rule, fqdn(host))
		if got := len(m.Hostgroups(host)) == 1; got != ok {
			t.Fatalf("pattern %q host %q: Matcher %v, Match %v", pattern, host, got, ok)
		}
	})
}

// FuzzParseCondition checks that a parsed condition formats back to its
// input.
func FuzzParseCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("fqdn=" + s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err == nil && c.String() != s {
			t.Fatalf("ParseCondition(%q).String() = %q", s, c.String())
		}
	})
}

// isSizeLimit reports a refusal for size alone (escaping dots lengthens a pattern).
func isSizeLimit(err error) bool {
	var re *RegexError
	return errors.As(err, &re) && (strings.HasPrefix(re.Reason, "too large for PCRE2") || strings.HasPrefix(re.Reason, "longer than"))
}
