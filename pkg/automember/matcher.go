package automember

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
)

// MatchResult is the outcome of one rule for one entry.
type MatchResult struct {
	Hostgroup  string     // the rule's target
	Matched    bool       // the entry joins the hostgroup
	By         *Condition // the first inclusive condition (in rule order) that matched
	ExcludedBy *Condition // set when an exclusive condition keeps the entry out
}

// Matcher evaluates many rules against many entries quickly. It is built
// once (every regex validated and compiled once) and is safe for concurrent
// use.
//
// Inclusive fqdn conditions are indexed by their literal prefix: "^eas-hvac"
// is filed under "eas-hvac", so a host is tried only against conditions whose
// prefix it starts with, plus the conditions without a usable prefix
// (unanchored patterns, alternations, patterns starting with a class or a
// group). Exclusive conditions are tried only for rules an inclusive
// condition selected.
type Matcher struct {
	rules      []compiledRule
	byPrefix   map[string][]condRef
	prefixLens []int     // distinct prefix lengths, ascending
	unindexed  []condRef // inclusive fqdn conditions without a usable prefix
	other      []condRef // inclusive conditions on attributes other than fqdn
}

type compiledRule struct {
	rule Rule
	excl []*regexp.Regexp
}

type condRef struct {
	rule, cond int
	re         *regexp.Regexp
}

// NewMatcher validates and compiles rules. It fails on the first regex
// outside the common PCRE2/RE2 subset.
func NewMatcher(rules []Rule) (*Matcher, error) {
	m := &Matcher{byPrefix: map[string][]condRef{}}
	lens := map[int]bool{}
	for ri, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		cr := compiledRule{rule: r}
		for _, c := range r.Exclusive {
			cr.excl = append(cr.excl, regexp.MustCompile(c.Regex))
		}
		m.rules = append(m.rules, cr)
		for ci, c := range r.Inclusive {
			ref := condRef{rule: ri, cond: ci, re: regexp.MustCompile(c.Regex)}
			switch {
			case !strings.EqualFold(c.Attr, "fqdn"):
				m.other = append(m.other, ref)
			case LiteralPrefix(c.Regex) != "":
				p := LiteralPrefix(c.Regex)
				m.byPrefix[p] = append(m.byPrefix[p], ref)
				lens[len(p)] = true
			default:
				m.unindexed = append(m.unindexed, ref)
			}
		}
	}
	for l := range lens {
		m.prefixLens = append(m.prefixLens, l)
	}
	sort.Ints(m.prefixLens)
	return m, nil
}

// Hostgroups returns the hostgroups a host with this FQDN joins, sorted by
// hostgroup name, each with the condition that admits it. The FQDN is
// compared as given (FreeIPA stores FQDNs in lower case). Conditions on
// attributes other than fqdn do not apply (use MatchAttrs).
func (m *Matcher) Hostgroups(fqdn string) []MatchResult {
	return m.eval(fqdnOnly(fqdn), false)
}

// Explain is Hostgroups plus the rules an inclusive condition selected but
// an exclusive condition refused (Matched false, ExcludedBy set): for
// choosing a new host's name.
func (m *Matcher) Explain(fqdn string) []MatchResult {
	return m.eval(fqdnOnly(fqdn), true)
}

// fqdnOnly is the attribute lookup of an entry known only by its FQDN.
func fqdnOnly(fqdn string) func(string) []string {
	v := []string{fqdn}
	return func(attr string) []string {
		if strings.EqualFold(attr, "fqdn") {
			return v
		}
		return nil
	}
}

// MatchAttrs evaluates every rule against an entry's attributes (names
// compared case-insensitively) and returns the rules it joins, as
// Hostgroups.
func (m *Matcher) MatchAttrs(attrs map[string][]string) []MatchResult {
	return m.eval(func(attr string) []string { return values(attrs, attr) }, false)
}

type hit struct{ rule, cond int }

func (m *Matcher) eval(get func(attr string) []string, explain bool) []MatchResult {
	var buf [8]hit
	hits := buf[:0]
	for _, v := range get("fqdn") {
		for _, l := range m.prefixLens {
			if l > len(v) {
				break
			}
			for _, ref := range m.byPrefix[v[:l]] {
				if ref.re.MatchString(v) {
					hits = append(hits, hit{ref.rule, ref.cond})
				}
			}
		}
		for _, ref := range m.unindexed {
			if ref.re.MatchString(v) {
				hits = append(hits, hit{ref.rule, ref.cond})
			}
		}
	}
	for _, ref := range m.other {
		for _, v := range get(m.rules[ref.rule].rule.Inclusive[ref.cond].Attr) {
			if ref.re.MatchString(v) {
				hits = append(hits, hit{ref.rule, ref.cond})
				break
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.rule != b.rule {
			return a.rule - b.rule
		}
		return a.cond - b.cond
	})
	var out []MatchResult
	for i, h := range hits {
		if i > 0 && hits[i-1].rule == h.rule {
			continue // a lower-numbered condition of this rule already matched
		}
		cr := &m.rules[h.rule]
		res := MatchResult{Hostgroup: cr.rule.Name, Matched: true, By: &cr.rule.Inclusive[h.cond]}
		for ei, re := range cr.excl {
			if matchAny(re, get(cr.rule.Exclusive[ei].Attr)) {
				res = MatchResult{Hostgroup: cr.rule.Name, ExcludedBy: &cr.rule.Exclusive[ei]}
				break
			}
		}
		if res.Matched || explain {
			out = append(out, res)
		}
	}
	if len(out) > 1 {
		slices.SortStableFunc(out, func(a, b MatchResult) int { return strings.Compare(a.Hostgroup, b.Hostgroup) })
	}
	return out
}

func matchAny(re *regexp.Regexp, vs []string) bool {
	for _, v := range vs {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

// LiteralPrefix returns the text every match of pattern must start with at
// the start of the value: "^eas-hvac.*" gives "eas-hvac", `^ts-csc\.cp` gives
// "ts-csc.cp", "^(ab-x|ab-y)" gives "ab-". It works on the parsed pattern
// (regexp/syntax, with common prefixes of alternatives factored out) and
// returns "" when matches need not start at the beginning of the value (no
// "^") or when no literal text is certain (a class, a case-insensitive
// literal, or a repetition that may occur zero times comes first).
func LiteralPrefix(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	p, ok := anchoredPrefix(re)
	if !ok {
		return ""
	}
	return p
}

// anchoredPrefix reports whether every match of re starts at the beginning
// of the text (\A or ^ without the m flag) and the literal text it then
// starts with.
func anchoredPrefix(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpBeginText:
		return "", true
	case syntax.OpCapture:
		return anchoredPrefix(re.Sub[0])
	case syntax.OpConcat:
		if len(re.Sub) == 0 {
			return "", false
		}
		p, ok := anchoredPrefix(re.Sub[0])
		if !ok {
			return "", false
		}
		if p != "" {
			return p, true // the first element was itself an anchored concat/alternation
		}
		var b strings.Builder
		concatPrefix(re.Sub[1:], &b)
		return b.String(), true
	case syntax.OpAlternate:
		var common string
		for i, sub := range re.Sub {
			p, ok := anchoredPrefix(sub)
			if !ok {
				return "", false
			}
			if i == 0 {
				common = p
			} else {
				common = commonPrefix(common, p)
			}
		}
		return common, true
	}
	return "", false
}

// concatPrefix appends the literal text a sequence certainly starts with.
func concatPrefix(subs []*syntax.Regexp, b *strings.Builder) {
	for _, sub := range subs {
		p, complete := literalText(sub)
		b.WriteString(p)
		if !complete {
			return
		}
	}
}

// literalText returns the literal text every match of re starts with, and
// whether re matches exactly that text.
func literalText(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return "", false
		}
		return string(re.Rune), true
	case syntax.OpEmptyMatch:
		return "", true
	case syntax.OpCapture:
		return literalText(re.Sub[0])
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			p, complete := literalText(sub)
			b.WriteString(p)
			if !complete {
				return b.String(), false
			}
		}
		return b.String(), true
	case syntax.OpPlus:
		p, _ := literalText(re.Sub[0])
		return p, false
	case syntax.OpRepeat:
		if re.Min >= 1 {
			p, _ := literalText(re.Sub[0])
			return p, false
		}
	case syntax.OpAlternate:
		var common string
		for i, sub := range re.Sub {
			p, _ := literalText(sub)
			if i == 0 {
				common = p
			} else {
				common = commonPrefix(common, p)
			}
		}
		return common, false
	}
	return "", false
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}
