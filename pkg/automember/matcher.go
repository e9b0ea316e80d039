package automember

import (
	"regexp"
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
	return m.eval(map[string][]string{"fqdn": {fqdn}}, []string{fqdn}, false)
}

// Explain is Hostgroups plus the rules an inclusive condition selected but
// an exclusive condition refused (Matched false, ExcludedBy set): for
// choosing a new host's name.
func (m *Matcher) Explain(fqdn string) []MatchResult {
	return m.eval(map[string][]string{"fqdn": {fqdn}}, []string{fqdn}, true)
}

// MatchAttrs evaluates every rule against an entry's attributes (names
// compared case-insensitively) and returns the rules it joins, as
// Hostgroups.
func (m *Matcher) MatchAttrs(attrs map[string][]string) []MatchResult {
	return m.eval(attrs, values(attrs, "fqdn"), false)
}

type hit struct{ rule, cond int }

func (m *Matcher) eval(attrs map[string][]string, fqdns []string, explain bool) []MatchResult {
	var hits []hit
	for _, v := range fqdns {
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
		for _, v := range values(attrs, m.rules[ref.rule].rule.Inclusive[ref.cond].Attr) {
			if ref.re.MatchString(v) {
				hits = append(hits, hit{ref.rule, ref.cond})
				break
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].rule != hits[j].rule {
			return hits[i].rule < hits[j].rule
		}
		return hits[i].cond < hits[j].cond
	})
	var out []MatchResult
	for i, h := range hits {
		if i > 0 && hits[i-1].rule == h.rule {
			continue // a lower-numbered condition of this rule already matched
		}
		cr := &m.rules[h.rule]
		res := MatchResult{Hostgroup: cr.rule.Name, Matched: true, By: &cr.rule.Inclusive[h.cond]}
		for ei, re := range cr.excl {
			if matchAny(re, values(attrs, cr.rule.Exclusive[ei].Attr)) {
				res = MatchResult{Hostgroup: cr.rule.Name, ExcludedBy: &cr.rule.Exclusive[ei]}
				break
			}
		}
		if res.Matched || explain {
			out = append(out, res)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Hostgroup < out[j].Hostgroup })
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

// LiteralPrefix returns the text every match of an anchored pattern must
// start with: "^eas-hvac.*" gives "eas-hvac", `^ts-csc\.cp` gives "ts-csc.cp".
// It returns "" when there is no such text: the pattern is not anchored with
// "^", holds an alternation "|", or starts with a class, group, flag or
// escape other than an escaped punctuation character. A literal followed by
// "*", "?" or "{" is left out (it may occur zero times).
func LiteralPrefix(pattern string) string {
	if !strings.HasPrefix(pattern, "^") || hasAlternation(pattern) {
		return ""
	}
	var b []byte
	for i := 1; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '*' || c == '?' || c == '{':
			if len(b) > 0 {
				b = b[:len(b)-1]
			}
			return string(b)
		case c == '\\':
			if i+1 < len(pattern) && strings.IndexByte(`.-_/\+*?()[]{}|^$`, pattern[i+1]) >= 0 {
				b = append(b, pattern[i+1])
				i++
				continue
			}
			return string(b)
		case strings.IndexByte(".[]()+|^$", c) >= 0:
			return string(b)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// hasAlternation reports whether pattern holds a "|" outside classes and
// escapes.
func hasAlternation(p string) bool {
	inClass := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
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
		case c == '|':
			return true
		}
	}
	return false
}
