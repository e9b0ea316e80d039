package automember

import (
	"fmt"
	"strings"
)

// Finding codes of Lint.
const (
	CodeUnanchored   = "unanchored"
	CodeUnescapedDot = "unescaped-dot"
	CodeInvalid      = "invalid"
)

// Finding is one lint result for a condition.
type Finding struct {
	Code      string    // CodeUnanchored, CodeUnescapedDot or CodeInvalid
	Condition Condition // the condition linted
	Message   string    // one lower-case line
	Fix       string    // the suggested regex; empty when there is none
}

// Lint reports likely mistakes in a condition's regex:
//
//   - CodeInvalid: the regex fails Validate (then nothing else is checked);
//   - CodeUnanchored: no leading "^" (or "\A"), so "eas-hvac" also matches
//     "old-eas-hvac01"; the fix prepends "^";
//   - CodeUnescapedDot: a "." between name-like characters, as in
//     "^ts-csc-generic-01.cp.lsst.org$", which matches any character; the
//     fix is EscapeLiteralDots.
func Lint(c Condition) []Finding {
	if err := Validate(c.Regex); err != nil {
		return []Finding{{Code: CodeInvalid, Condition: c, Message: err.Error()}}
	}
	var out []Finding
	body := strings.TrimPrefix(c.Regex, "(?i)")
	if !strings.HasPrefix(body, "^") && !strings.HasPrefix(body, `\A`) {
		out = append(out, Finding{
			Code:      CodeUnanchored,
			Condition: c,
			Message:   fmt.Sprintf("condition %q is not anchored: it matches %q anywhere in the name; anchor it with \"^\"", c.String(), c.Regex),
			Fix:       c.Regex[:len(c.Regex)-len(body)] + "^" + body,
		})
	}
	if dots := literalDots(c.Regex); len(dots) > 0 {
		out = append(out, Finding{
			Code:      CodeUnescapedDot,
			Condition: c,
			Message:   fmt.Sprintf("condition %q has %d unescaped dot(s) in a literal name; \".\" matches any character", c.String(), len(dots)),
			Fix:       EscapeLiteralDots(c.Regex),
		})
	}
	return out
}

// EscapeLiteralDots escapes the dots Lint flags: every "." outside a class,
// escape or \Q...\E that stands between two literal letters or digits
// ("01.cp" → `01\.cp`). Dots used as wildcards (".*", "-.+", "(.)") are kept.
func EscapeLiteralDots(pattern string) string {
	dots := literalDots(pattern)
	if len(dots) == 0 {
		return pattern
	}
	var b strings.Builder
	last := 0
	for _, i := range dots {
		b.WriteString(pattern[last:i])
		b.WriteString(`\.`)
		last = i + 1
	}
	b.WriteString(pattern[last:])
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// literalDots returns the byte offsets of dots between literal alphanumerics.
func literalDots(p string) []int {
	var dots []int
	prevLiteral := false // the previous token is a literal letter or digit
	inClass := false
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && p[i+1] == 'Q':
			end := strings.Index(p[i+2:], `\E`)
			if end < 0 {
				return dots
			}
			i += 2 + end + 2
			prevLiteral = false
			continue
		case c == '\\':
			i += 2
			prevLiteral = false
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
			i++
			continue
		case c == '[':
			inClass = true
			i++
			if i < len(p) && p[i] == '^' {
				i++
			}
			if i < len(p) && p[i] == ']' {
				i++
			}
			prevLiteral = false
			continue
		case c == '.':
			if prevLiteral && i+1 < len(p) && isAlnum(p[i+1]) {
				dots = append(dots, i)
			}
			prevLiteral = false
		default:
			prevLiteral = isAlnum(c)
		}
		i++
	}
	return dots
}
