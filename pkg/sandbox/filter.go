package sandbox

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/schema"
)

// matcher compares values by the schema's matching rules.
type matcher struct{ s *schema.Schema }

// norm returns the normalized form of a value of attr for equality.
func (m matcher) norm(attr, v string) string {
	switch {
	case strings.EqualFold(attr, "objectClass"):
		return strings.ToLower(strings.TrimSpace(v))
	case m.s.IsDN(attr):
		return directory.NormalizeDN(v)
	case m.s.IsInteger(attr):
		return normInt(v)
	case m.s.IsCaseExact(attr):
		return v
	default:
		return foldSpaces(strings.ToLower(v))
	}
}

// foldSpaces trims and collapses runs of spaces, as caseIgnoreMatch's string prep does.
func foldSpaces(v string) string {
	if !strings.Contains(v, "  ") && !strings.HasPrefix(v, " ") && !strings.HasSuffix(v, " ") {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

func normInt(v string) string {
	var n big.Int
	if _, ok := n.SetString(strings.TrimSpace(v), 10); ok {
		return n.String()
	}
	return strings.TrimSpace(v)
}

// orderMatch evaluates a >= (ge) or <= assertion against one stored value the way
// 389-ds 2.3.1 does (checked against the live test directory):
//
//   - an attribute whose schema defines ORDERING compares by that rule
//     (integerOrderingMatch numerically, the string rules by their normalized form);
//   - without ORDERING, the server falls back to the syntax's compare: numeric for the
//     INTEGER syntax (krbTicketFlags), the equality-normalized string otherwise
//     (description: "9" >= "100");
//   - and when the attribute has an equality index without an ordering matching rule
//     (uidNumber and gidNumber on a stock 389/FreeIPA test instance: 10rfc2307compat.ldif
//     gives them no ORDERING), the candidates come from a range read of that index, whose
//     keys sort as strings, and are then tested with the syntax compare: a value must
//     pass both, so (gidNumber<=100) finds 100 but not 9, and (gidNumber>=20) finds
//     neither 100 nor 9.
func (m matcher) orderMatch(attr, v, assertion string, ge bool) bool {
	ok := func(c int) bool {
		if ge {
			return c >= 0
		}
		return c <= 0
	}
	if ord := strings.ToLower(m.s.OrderingOf(attr)); ord != "" {
		switch ord {
		case "integerorderingmatch", "2.5.13.15":
			if c, isNum := cmpInt(v, assertion); isNum {
				return ok(c)
			}
			return false
		case "caseexactorderingmatch", "2.5.13.6", "generalizedtimeorderingmatch", "2.5.13.28":
			return ok(strings.Compare(strings.TrimSpace(v), strings.TrimSpace(assertion)))
		default:
			return ok(strings.Compare(foldSpaces(strings.ToLower(v)), foldSpaces(strings.ToLower(assertion))))
		}
	}
	if rangeIndexed[strings.ToLower(baseAttr(attr))] && !ok(strings.Compare(m.norm(attr, v), m.norm(attr, assertion))) {
		return false
	}
	if m.s.IsInteger(attr) {
		if c, isNum := cmpInt(v, assertion); isNum {
			return ok(c)
		}
	}
	return ok(strings.Compare(m.norm(attr, v), m.norm(attr, assertion)))
}

func baseAttr(n string) string {
	if i := strings.IndexByte(n, ';'); i >= 0 {
		return n[:i]
	}
	return n
}

func cmpInt(a, b string) (int, bool) {
	var x, y big.Int
	_, ok1 := x.SetString(strings.TrimSpace(a), 10)
	_, ok2 := y.SetString(strings.TrimSpace(b), 10)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.Cmp(&y), true
}

// filter is a compiled search filter.
type filter struct {
	p *ber.Packet
}

func compileFilter(s string) (*filter, error) {
	if s == "" {
		s = "(objectClass=*)"
	}
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") {
		s = "(" + s + ")"
	}
	p, err := ldap.CompileFilter(s)
	if err != nil {
		return nil, err
	}
	return &filter{p: p}, nil
}

// compileSearchFilter compiles a search request's filter as the LDAP client does: it
// must be parenthesized (definition filters in plugin configuration need not be); the
// error reads like the client's (the live backend reports result code 2 for both).
func compileSearchFilter(s string) (*filter, error) {
	if s == "" {
		s = "(objectClass=*)"
	}
	p, err := ldap.CompileFilter(s)
	if err != nil {
		var le *ldap.Error
		if errors.As(err, &le) && le.Err != nil {
			return nil, le.Err
		}
		return nil, err
	}
	return &filter{p: p}, nil
}

func str(p *ber.Packet) string { return ber.DecodeString(p.Data.Bytes()) }

// match evaluates the filter against an entry.
func (m matcher) match(p *ber.Packet, e *entry) bool {
	switch p.Tag {
	case ldap.FilterAnd:
		for _, c := range p.Children {
			if !m.match(c, e) {
				return false
			}
		}
		return true
	case ldap.FilterOr:
		for _, c := range p.Children {
			if m.match(c, e) {
				return true
			}
		}
		return false
	case ldap.FilterNot:
		return len(p.Children) == 1 && !m.match(p.Children[0], e)
	case ldap.FilterEqualityMatch, ldap.FilterApproxMatch:
		attr, val := str(p.Children[0]), str(p.Children[1])
		want := m.norm(attr, val)
		for _, v := range e.get(attr) {
			if m.norm(attr, v) == want {
				return true
			}
		}
		return false
	case ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual:
		attr, val := str(p.Children[0]), str(p.Children[1])
		for _, v := range e.get(attr) {
			if m.orderMatch(attr, v, val, p.Tag == ldap.FilterGreaterOrEqual) {
				return true
			}
		}
		return false
	case ldap.FilterPresent:
		attr := str(p)
		if strings.EqualFold(attr, "objectClass") {
			return true
		}
		return len(e.get(attr)) > 0
	case ldap.FilterSubstrings:
		attr := str(p.Children[0])
		var parts []*ber.Packet
		if len(p.Children) > 1 {
			parts = p.Children[1].Children
		}
		for _, v := range e.get(attr) {
			if m.substr(attr, v, parts) {
				return true
			}
		}
		return false
	case ldap.FilterExtensibleMatch:
		return m.extensible(p, e)
	}
	return false
}

func (m matcher) substrNorm(attr, v string) string {
	if m.s.IsCaseExact(attr) {
		return v
	}
	if m.s.IsDN(attr) {
		return directory.NormalizeDN(v)
	}
	return foldSpaces(strings.ToLower(v))
}

func (m matcher) substr(attr, v string, parts []*ber.Packet) bool {
	s := m.substrNorm(attr, v)
	for i, part := range parts {
		a := m.substrNorm(attr, str(part))
		if !m.s.IsCaseExact(attr) {
			a = strings.ToLower(a)
		}
		switch part.Tag {
		case ldap.FilterSubstringsInitial:
			if !strings.HasPrefix(s, a) {
				return false
			}
			s = s[len(a):]
		case ldap.FilterSubstringsAny:
			j := strings.Index(s, a)
			if j < 0 {
				return false
			}
			s = s[j+len(a):]
		case ldap.FilterSubstringsFinal:
			_ = i
			if !strings.HasSuffix(s, a) {
				return false
			}
			s = ""
		}
	}
	return true
}

func (m matcher) extensible(p *ber.Packet, e *entry) bool {
	var attr, rule, value string
	dnAttrs := false
	for _, c := range p.Children {
		switch c.Tag {
		case ldap.MatchingRuleAssertionMatchingRule:
			rule = str(c)
		case ldap.MatchingRuleAssertionType:
			attr = str(c)
		case ldap.MatchingRuleAssertionMatchValue:
			value = str(c)
		case ldap.MatchingRuleAssertionDNAttributes:
			if b, ok := c.Value.(bool); ok {
				dnAttrs = b
			} else {
				dnAttrs = len(c.Data.Bytes()) > 0 && c.Data.Bytes()[0] != 0
			}
		}
	}
	eq := func(a, v, val string) bool {
		switch strings.ToLower(rule) {
		case "caseexactmatch", "2.5.13.5", "caseexactia5match", "1.3.6.1.4.1.1466.109.114.1", "octetstringmatch", "2.5.13.17":
			return v == val
		case "caseignorematch", "2.5.13.2", "caseignoreia5match", "1.3.6.1.4.1.1466.109.114.2":
			return foldSpaces(strings.ToLower(v)) == foldSpaces(strings.ToLower(val))
		case "distinguishednamematch", "2.5.13.1":
			return directory.NormalizeDN(v) == directory.NormalizeDN(val)
		case "integermatch", "2.5.13.14":
			return normInt(v) == normInt(val)
		default:
			return m.norm(a, v) == m.norm(a, val)
		}
	}
	if attr != "" {
		for _, v := range e.get(attr) {
			if eq(attr, v, value) {
				return true
			}
		}
	} else {
		for _, a := range e.attrs {
			for _, v := range a.Values {
				if eq(a.Name, v, value) {
					return true
				}
			}
		}
	}
	if dnAttrs {
		for _, ava := range rdnAVAs(e.dn) {
			if (attr == "" || strings.EqualFold(ava[0], attr)) && eq(ava[0], ava[1], value) {
				return true
			}
		}
	}
	return false
}

// rdnAVAs splits a DN into attribute/value pairs (values unescaped).
func rdnAVAs(dn string) [][2]string {
	d, err := ldap.ParseDN(dn)
	if err != nil {
		return nil
	}
	var out [][2]string
	for _, r := range d.RDNs {
		for _, a := range r.Attributes {
			out = append(out, [2]string{a.Type, a.Value})
		}
	}
	return out
}

// indexHint finds an equality assertion on an indexed attribute that every match must
// satisfy (top level or inside an AND).
func indexHint(p *ber.Packet, indexed map[string]bool) (attr, val string, ok bool) {
	switch p.Tag {
	case ldap.FilterEqualityMatch:
		a := strings.ToLower(str(p.Children[0]))
		if indexed[a] {
			return a, str(p.Children[1]), true
		}
	case ldap.FilterAnd:
		for _, c := range p.Children {
			if a, v, ok := indexHint(c, indexed); ok {
				return a, v, true
			}
		}
	}
	return "", "", false
}

var _ = fmt.Sprintf
