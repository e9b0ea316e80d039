package automember

// Limits of 389-ds's regex engine, PCRE2 10.42 as built by distributions (8-bit
// library, LINK_SIZE 2, default compile context): a pattern PCRE2 refuses is refused
// here first, so that it is never written to an automember rule.
const (
	// PCRE2MaxNesting is PCRE2's default parens_nest_limit: parentheses nested deeper
	// fail with "parentheses are too deeply nested".
	PCRE2MaxNesting = 250
	// pcre2MaxCompiled is MAX_PATTERN_SIZE for LINK_SIZE 2: a compiled pattern larger
	// than 64 KiB fails with "regular expression is too large".
	pcre2MaxCompiled = 1 << 16
	// pcre2SizeMargin keeps the estimate of the compiled size (compiledSize) on the safe
	// side of the limit: it is an estimate of PCRE2's layout, not PCRE2 itself.
	pcre2SizeMargin = 0.75
	// MaxRegexLength bounds a pattern's text. PCRE2 sets no default limit on it, but an
	// FQDN regex is a line, not a file; this also keeps the size estimate cheap.
	MaxRegexLength = 4096
)

// checkPCRE2Limits refuses a pattern PCRE2 10.42 would not compile for its size or
// nesting, and raw control characters (a newline in a value would pass PCRE2 but
// corrupts every line-based copy of the rule: LDIF, `ipa` commands, the plan).
func checkPCRE2Limits(pattern string, bad func(int, string, ...any) error) error {
	if len(pattern) > MaxRegexLength {
		return bad(-1, "longer than %d bytes (is %d)", MaxRegexLength, len(pattern))
	}
	for i := 0; i < len(pattern); i++ {
		if c := pattern[i]; c < 0x20 || c == 0x7f {
			return bad(i, "control character %#02x (a raw newline or tab: write \\n, \\t or \\x{..})", c)
		}
	}
	if pos, ok := nestingOver(pattern, PCRE2MaxNesting); ok {
		return bad(pos, "parentheses nested more than %d deep (PCRE2's limit)", PCRE2MaxNesting)
	}
	if n := compiledSize(pattern); float64(n) > pcre2SizeMargin*pcre2MaxCompiled {
		return bad(-1, "too large for PCRE2 once compiled (about %d of its %d bytes; repeated groups are copied once per repetition)", n, pcre2MaxCompiled)
	}
	return nil
}

// nestingOver reports the position of the first "(" nested deeper than max, skipping
// escapes, \Q...\E and character classes.
func nestingOver(p string, max int) (int, bool) {
	depth, inClass := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p) && p[i+1] == 'Q':
			end := indexFrom(p, `\E`, i+2)
			if end < 0 {
				return 0, false
			}
			i = end + 1
		case c == '\\':
			i++
		case inClass:
			if c == '[' && i+1 < len(p) && p[i+1] == ':' {
				if end := indexFrom(p, ":]", i+2); end >= 0 {
					i = end + 1
				}
			} else if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
			}
		case c == '(':
			if depth++; depth > max {
				return i, true
			}
		case c == ')':
			depth--
		}
	}
	return 0, false
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// compiledSize estimates, generously, the bytes PCRE2's 8-bit compiler emits for the
// pattern (pcre2_compile.c): a character 2, a class 33 (its bitmap), an escape such as
// \d 1, a bracket 6 (8 when capturing), an alternative 3, a repeated single item a few
// more; and a repeated group copied min times, plus once more per optional repetition
// (with a bracket and a BRAZERO each) — PCRE2 does not loop over a counted group, it
// replicates it. It reads the pattern's own text (Go's parser would merge [a-z]|[0-9]
// into one class and lose what PCRE2 compiles); Validate has already refused what is
// outside the common subset. The result saturates instead of overflowing.
func compiledSize(p string) int {
	e := &sizer{p: p}
	return e.sat(e.alternation() + 8) // the whole pattern's bracket and OP_END
}

type sizer struct {
	p string
	i int
}

const sizeCap = 1 << 30

func (e *sizer) sat(n int) int {
	if n > sizeCap || n < 0 {
		return sizeCap
	}
	return n
}

// alternation reads branches up to an unmatched ")" or the end.
func (e *sizer) alternation() int {
	n := e.sequence()
	for e.i < len(e.p) && e.p[e.i] == '|' {
		e.i++
		n = e.sat(n + 3 + e.sequence())
	}
	return n
}

func (e *sizer) sequence() int {
	n := 0
	for e.i < len(e.p) && e.p[e.i] != '|' && e.p[e.i] != ')' {
		atom, single := e.atom()
		n = e.sat(n + e.quantified(atom, single))
	}
	return n
}

// atom reads one item and reports its size and whether it is a single-character item
// (which PCRE2 repeats with a counted opcode instead of copying).
func (e *sizer) atom() (int, bool) {
	p := e.p
	c := p[e.i]
	switch c {
	case '(':
		e.i++
		bracket := 8 // capturing
		if e.i < len(p) && p[e.i] == '?' {
			bracket = 6
			if e.i+1 < len(p) && (p[e.i+1] == 'P' || p[e.i+1] == '<') {
				bracket = 8 // named capture
			}
			// skip the group's head up to ':' or ')' (flags) or '>' (a name)
			for e.i < len(p) && p[e.i] != ':' && p[e.i] != ')' && p[e.i] != '>' {
				e.i++
			}
			if e.i < len(p) && p[e.i] == ')' { // (?i): a flag setting, no bracket
				e.i++
				return 0, false
			}
			if e.i < len(p) {
				e.i++
			}
		}
		n := e.alternation()
		if e.i < len(p) {
			e.i++ // ')'
		}
		return e.sat(n + bracket), false
	case '[':
		e.i++
		if e.i < len(p) && p[e.i] == '^' {
			e.i++
		}
		if e.i < len(p) && p[e.i] == ']' {
			e.i++
		}
		for e.i < len(p) && p[e.i] != ']' {
			switch {
			case p[e.i] == '\\':
				e.i += 2
			case p[e.i] == '[' && e.i+1 < len(p) && p[e.i+1] == ':':
				if end := indexFrom(p, ":]", e.i+2); end >= 0 {
					e.i = end + 2
				} else {
					e.i++
				}
			default:
				e.i++
			}
		}
		e.i++
		return 33, true
	case '\\':
		if e.i+1 >= len(p) {
			e.i++
			return 2, true
		}
		x := p[e.i+1]
		e.i += 2
		switch x {
		case 'Q':
			end := indexFrom(p, `\E`, e.i)
			if end < 0 {
				end = len(p)
			}
			n := 2 * (end - e.i)
			e.i = min(end+2, len(p))
			return n, end-e.i == 1
		case 'x':
			if e.i < len(p) && p[e.i] == '{' {
				if end := indexFrom(p, "}", e.i); end >= 0 {
					e.i = end + 1
				}
			} else {
				for k := 0; k < 2 && e.i < len(p) && isHex(p[e.i]); k++ {
					e.i++
				}
			}
			return 2, true
		case 'd', 'D', 's', 'S', 'w', 'W':
			return 1, true
		case 'b', 'B', 'A', 'z':
			return 1, false
		}
		return 2, true
	case '^', '$':
		e.i++
		return 1, false
	case '.':
		e.i++
		return 1, true
	}
	e.i++
	return 2, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// quantified reads a quantifier after an item of size n, if any, and returns the size of
// the repeated item.
func (e *sizer) quantified(n int, single bool) int {
	p := e.p
	if e.i >= len(p) {
		return n
	}
	lo, hi := -1, -1 // hi -1: unbounded
	switch p[e.i] {
	case '*':
		lo, e.i = 0, e.i+1
	case '+':
		lo, e.i = 1, e.i+1
	case '?':
		lo, hi, e.i = 0, 1, e.i+1
	case '{':
		end, ok := repeat(p, e.i)
		if !ok {
			return n
		}
		body := p[e.i+1 : end-1]
		a, b, comma := cutComma(body)
		lo = atoiSat(a)
		if !comma {
			hi = lo
		} else if b != "" {
			hi = atoiSat(b)
		}
		e.i = end
	default:
		return n
	}
	if e.i < len(p) && p[e.i] == '?' { // lazy
		e.i++
	}
	if single {
		return n + 6 // OP_EXACT n, then OP_UPTO/OP_STAR
	}
	// A group: lo copies, then one copy with a BRAZERO per optional repetition (nested
	// brackets), or one looping copy when unbounded.
	copies, optional := lo, 0
	if hi < 0 {
		optional = 1
	} else {
		optional = hi - lo
	}
	if copies+optional == 0 {
		return 0
	}
	return e.sat(e.sat(n*copies) + e.sat(optional*(n+7)))
}

func cutComma(s string) (a, b string, comma bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func atoiSat(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
		if n > sizeCap {
			return sizeCap
		}
	}
	return n
}
