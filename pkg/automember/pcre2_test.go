package automember

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestPCRE2Limits: patterns PCRE2 10.42 refuses (measured with grep -P, which links
// libpcre2-8 10.42 on Debian 12) are refused before they are written; FQDN patterns of
// every realistic shape pass.
func TestPCRE2Limits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "a" + strings.Repeat(")", n) }
	tests := []struct {
		pattern, err string
	}{
		{`^amor[0-9]+\.cp\.lsst\.org$`, ""},
		{`^(?:[a-z0-9-]+\.){1,8}lsst\.org$`, ""},
		{`^(at|ats|atsccs)-[a-z]{2,8}[0-9]{0,3}\.cp\.lsst\.org$`, ""},
		{deep(PCRE2MaxNesting), ""},
		{deep(PCRE2MaxNesting + 1), "parentheses nested more than 250 deep"},
		{"(?:" + deep(PCRE2MaxNesting) + ")", "parentheses nested more than 250 deep"},
		{`[(]` + deep(PCRE2MaxNesting) + `\(`, ""}, // brackets in a class and escaped ones do not nest
		{"^a\nb$", "control character 0x0a"},
		{"^amor\r$", "control character 0x0d"},
		{"\tx", "control character 0x09"},
		{`^(?:[a-z][0-9]){911}$`, "too large for PCRE2"},       // PCRE2: regular expression is too large
		{`(?:(?:[a-z]|[0-9]){2}){421}`, "too large for PCRE2"}, // Go merges the alternation; PCRE2 does not
		{`(?:[a-c]b|c[d-f]|ef){762}`, "too large for PCRE2"},   // alternatives copied per repetition
		{`(?:(?:[a-z][0-9]){10}){91}`, "too large for PCRE2"},  // nested counted groups
		{`(?:[a-z][0-9]){0,830}`, "too large for PCRE2"},       // optional copies
		{`^(?:[a-z][0-9]){700}$`, "too large for PCRE2"},       // accepted by PCRE2, over accessctl's margin
		{`^(?:[a-z][0-9]){400}$`, ""},                          // well within
		{strings.Repeat("a", MaxRegexLength+1), "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		err := Validate(tt.pattern)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Validate(%.50q) = %v, want %q", tt.pattern, err, tt.err)
		}
	}
}

// TestPCRE2LimitsAgainstServerEngine finds, for growing families of patterns, the first
// size the real PCRE2 refuses and checks Validate refuses it too. It needs grep -P
// (built with PCRE2); it is skipped where there is none.
func TestPCRE2LimitsAgainstServerEngine(t *testing.T) {
	if err := exec.Command("sh", "-c", "echo a | grep -qP '(?<=a)|a'").Run(); err != nil {
		t.Skip("grep -P is not PCRE")
	}
	refuses := func(p string) bool {
		cmd := exec.Command("grep", "-P", "--", p)
		cmd.Stdin = strings.NewReader("x\n")
		out, _ := cmd.CombinedOutput()
		return strings.Contains(string(out), "too large") || strings.Contains(string(out), "too deeply nested")
	}
	families := map[string]func(n int) string{
		"class pairs":   func(n int) string { return fmt.Sprintf(`^(?:[a-z][0-9]){%d}$`, n) },
		"capture":       func(n int) string { return fmt.Sprintf(`([a-z]{2}[0-9]){%d}`, n) },
		"merged alt":    func(n int) string { return fmt.Sprintf(`(?:(?:[a-z]|[0-9]){2}){%d}`, n) },
		"alternatives":  func(n int) string { return fmt.Sprintf(`(?:[a-c]b|c[d-f]|ef){%d}`, n) },
		"nested counts": func(n int) string { return fmt.Sprintf(`(?:(?:[a-z][0-9]){10}){%d}`, n) },
		"optional":      func(n int) string { return fmt.Sprintf(`(?:[a-z][0-9]){0,%d}`, n) },
		"open":          func(n int) string { return fmt.Sprintf(`(?:[a-z][0-9]){%d,}`, n) },
		"lazy":          func(n int) string { return fmt.Sprintf(`(?:[a-z]+?[0-9]*?){%d}`, n) },
		"literals":      func(n int) string { return strings.Repeat("ab", n*20) },
		"nesting":       func(n int) string { return strings.Repeat("(", n/2) + "a" + strings.Repeat(")", n/2) },
	}
	for name, f := range families {
		lo, hi := 1, 1000
		if !refuses(f(hi)) {
			continue
		}
		for lo+1 < hi {
			m := (lo + hi) / 2
			if refuses(f(m)) {
				hi = m
			} else {
				lo = m
			}
		}
		if err := Validate(f(hi)); err == nil {
			t.Errorf("%s: PCRE2 refuses n=%d (%.40q...) but Validate accepts it", name, hi, f(hi))
		}
	}
}
