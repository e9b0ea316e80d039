package automember

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Condition is one automember condition: the value "fqdn=^web\." of an
// automemberInclusiveRegex or automemberExclusiveRegex attribute, split at
// the first "=".
type Condition struct {
	Attr  string // LDAP attribute name, e.g. "fqdn"
	Regex string // the pattern, applied to each value of Attr
}

// ConditionError is a malformed automember condition value (no "=", a bad
// attribute name). Regex problems are *RegexError. The CLI maps both to exit
// code 2 (bad input).
type ConditionError struct {
	Value  string
	Reason string
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("invalid automember condition %q: %s", e.Value, e.Reason)
}

// ParseCondition splits an automember regex value at the first "=" and
// validates both halves (the attribute name: letters, digits and "-"; the
// regex: Validate).
func ParseCondition(s string) (Condition, error) {
	attr, re, ok := strings.Cut(s, "=")
	if !ok {
		return Condition{}, &ConditionError{Value: s, Reason: "must have the form attr=regex"}
	}
	if attr == "" {
		return Condition{}, &ConditionError{Value: s, Reason: "attribute name must not be empty"}
	}
	for i := 0; i < len(attr); i++ {
		c := attr[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
			return Condition{}, &ConditionError{Value: s, Reason: fmt.Sprintf("attribute name %q may only hold letters, digits and -", attr)}
		}
	}
	c := Condition{Attr: attr, Regex: re}
	if err := Validate(re); err != nil {
		return Condition{}, err
	}
	return c, nil
}

// FQDN makes an fqdn condition.
func FQDN(regex string) Condition { return Condition{Attr: "fqdn", Regex: regex} }

// String formats the condition as the directory stores it: "attr=regex".
func (c Condition) String() string { return c.Attr + "=" + c.Regex }

// Rule is the automember rule of one hostgroup (or group).
type Rule struct {
	Name      string // the target hostgroup
	Inclusive []Condition
	Exclusive []Condition
}

// Validate checks every condition's regex.
func (r Rule) Validate() error {
	for _, cs := range [][]Condition{r.Exclusive, r.Inclusive} {
		for _, c := range cs {
			if c.Attr == "" {
				return &ConditionError{Value: c.String(), Reason: fmt.Sprintf("attribute name must not be empty (rule %q)", r.Name)}
			}
			if err := Validate(c.Regex); err != nil {
				return err
			}
		}
	}
	return nil
}

// cache holds compiled regexes; a nil entry marks a pattern that failed
// Validate.
var cache sync.Map // string -> *regexp.Regexp

// compile returns the compiled pattern, or nil when it is outside the common
// subset (the server would not apply it the way Go does, so it never
// matches here).
func compile(pattern string) *regexp.Regexp {
	if v, ok := cache.Load(pattern); ok {
		return v.(*regexp.Regexp)
	}
	var re *regexp.Regexp
	if Validate(pattern) == nil {
		re = regexp.MustCompile(pattern)
	}
	cache.Store(pattern, re)
	return re
}

// values returns the values of attr, matching the name case-insensitively as
// LDAP does.
func values(attrs map[string][]string, attr string) []string {
	if v, ok := attrs[attr]; ok {
		return v
	}
	for k, v := range attrs {
		if strings.EqualFold(k, attr) {
			return v
		}
	}
	return nil
}

func (c *Condition) matches(attrs map[string][]string) bool {
	re := compile(c.Regex)
	if re == nil {
		return false
	}
	for _, v := range values(attrs, c.Attr) {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

// Match evaluates rule against an entry's attributes as 389-ds does:
// exclusive conditions first (any match excludes the entry and is returned as
// excludedBy), then inclusive ones in order (the first match is returned as
// by). Regexes are unanchored unless they say ^ or $, case-sensitive, and
// tried against each value of the attribute. Host FQDNs are compared as
// given (FreeIPA stores them in lower case). A condition whose regex fails
// Validate never matches.
func Match(rule Rule, attrs map[string][]string) (matched bool, by *Condition, excludedBy *Condition) {
	for i := range rule.Exclusive {
		if rule.Exclusive[i].matches(attrs) {
			return false, nil, &rule.Exclusive[i]
		}
	}
	for i := range rule.Inclusive {
		if rule.Inclusive[i].matches(attrs) {
			return true, &rule.Inclusive[i], nil
		}
	}
	return false, nil, nil
}
