// Package schema parses LDAP schema definitions (RFC 4512 attributeTypes and objectClasses
// as 389-ds schema files write them) and embeds the schema accessctl's sandbox checks entries
// against: core.ldif (the stock 389-ds-base schema FreeIPA entries use) and 70ipa.ldif
// (FreeIPA's own attribute types and object classes).
package schema

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// Files holds the embedded schema files.
//
//go:embed *.ldif
var Files embed.FS

// Attribute is one attribute type.
type Attribute struct {
	OID         string
	Names       []string
	Sup         string
	Equality    string
	Ordering    string
	Substr      string
	Syntax      string
	SingleValue bool
	NoUserMod   bool
	Usage       string
}

// Name returns the attribute's first name.
func (a *Attribute) Name() string {
	if len(a.Names) > 0 {
		return a.Names[0]
	}
	return a.OID
}

// Operational reports whether the attribute has a USAGE other than userApplications.
func (a *Attribute) Operational() bool {
	return a.Usage != "" && !strings.EqualFold(a.Usage, "userApplications")
}

// Class kinds.
const (
	Structural = "STRUCTURAL"
	Auxiliary  = "AUXILIARY"
	Abstract   = "ABSTRACT"
)

// Class is one object class.
type Class struct {
	OID   string
	Names []string
	Sup   []string
	Kind  string
	Must  []string
	May   []string
}

// Name returns the class's first name.
func (c *Class) Name() string {
	if len(c.Names) > 0 {
		return c.Names[0]
	}
	return c.OID
}

// Schema is a set of attribute types and object classes, looked up by lower-cased name or OID.
type Schema struct {
	attrs   map[string]*Attribute
	classes map[string]*Class
}

// New returns an empty schema.
func New() *Schema {
	return &Schema{attrs: map[string]*Attribute{}, classes: map[string]*Class{}}
}

var (
	defOnce sync.Once
	def     *Schema
	defErr  error
)

// Default returns the embedded schema (every *.ldif file of this package, in name order).
func Default() (*Schema, error) {
	defOnce.Do(func() {
		s := New()
		names, err := fs.Glob(Files, "*.ldif")
		if err != nil {
			defErr = err
			return
		}
		sort.Strings(names)
		for _, n := range names {
			f, err := Files.Open(n)
			if err != nil {
				defErr = err
				return
			}
			err = s.Load(f)
			f.Close()
			if err != nil {
				defErr = fmt.Errorf("schema %s: %w", n, err)
				return
			}
		}
		def = s
	})
	return def, defErr
}

// Attr looks up an attribute type by name or OID (case-insensitive), following nothing.
func (s *Schema) Attr(name string) *Attribute { return s.attrs[strings.ToLower(name)] }

// Class looks up an object class by name or OID (case-insensitive).
func (s *Schema) Class(name string) *Class { return s.classes[strings.ToLower(name)] }

// Attrs returns every attribute type once.
func (s *Schema) Attrs() []*Attribute {
	seen := map[*Attribute]bool{}
	var out []*Attribute
	for _, a := range s.attrs {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Classes returns every object class once.
func (s *Schema) Classes() []*Class {
	seen := map[*Class]bool{}
	var out []*Class
	for _, c := range s.classes {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// EqualityOf returns the equality matching rule of an attribute, inherited from its
// superior type when it has none of its own ("" when unknown).
func (s *Schema) EqualityOf(name string) string {
	for i, a := 0, s.Attr(name); a != nil && i < 10; i, a = i+1, s.Attr(a.Sup) {
		if a.Equality != "" {
			return a.Equality
		}
		if a.Sup == "" {
			break
		}
	}
	return ""
}

// OrderingOf returns the ordering matching rule, inherited like EqualityOf.
func (s *Schema) OrderingOf(name string) string {
	for i, a := 0, s.Attr(name); a != nil && i < 10; i, a = i+1, s.Attr(a.Sup) {
		if a.Ordering != "" {
			return a.Ordering
		}
		if a.Sup == "" {
			break
		}
	}
	return ""
}

// SyntaxOf returns the syntax OID, inherited like EqualityOf.
func (s *Schema) SyntaxOf(name string) string {
	for i, a := 0, s.Attr(name); a != nil && i < 10; i, a = i+1, s.Attr(a.Sup) {
		if a.Syntax != "" {
			return a.Syntax
		}
		if a.Sup == "" {
			break
		}
	}
	return ""
}

// Syntax OIDs the sandbox cares about.
const (
	SyntaxDN      = "1.3.6.1.4.1.1466.115.121.1.12"
	SyntaxInteger = "1.3.6.1.4.1.1466.115.121.1.27"
)

// IsDN reports whether values of the attribute are DNs.
func (s *Schema) IsDN(name string) bool {
	return s.SyntaxOf(name) == SyntaxDN || strings.EqualFold(s.EqualityOf(name), "distinguishedNameMatch")
}

// IsInteger reports whether the attribute compares as an integer.
func (s *Schema) IsInteger(name string) bool {
	return strings.EqualFold(s.EqualityOf(name), "integerMatch") || s.SyntaxOf(name) == SyntaxInteger
}

// IsCaseExact reports whether the attribute's equality rule is case-sensitive.
func (s *Schema) IsCaseExact(name string) bool {
	e := strings.ToLower(s.EqualityOf(name))
	return e == "caseexactmatch" || e == "caseexactia5match" || e == "octetstringmatch"
}

// Superiors returns the class and all its superior classes (names as the schema spells
// them), the class itself first.
func (s *Schema) Superiors(name string) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n string)
	walk = func(n string) {
		c := s.Class(n)
		if c == nil || seen[strings.ToLower(c.Name())] {
			return
		}
		seen[strings.ToLower(c.Name())] = true
		out = append(out, c.Name())
		for _, sup := range c.Sup {
			walk(sup)
		}
	}
	walk(name)
	return out
}

// Load reads schema definitions from an LDIF-shaped reader: lines "attributeTypes: ( ... )"
// and "objectClasses: ( ... )", folded continuation lines allowed, '#' comments ignored.
func (s *Schema) Load(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur strings.Builder
	flush := func() error {
		line := cur.String()
		cur.Reset()
		if line == "" {
			return nil
		}
		i := strings.IndexByte(line, ':')
		if i < 0 {
			return nil
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		val := strings.TrimSpace(line[i+1:])
		switch key {
		case "attributetypes":
			a, err := ParseAttribute(val)
			if err != nil {
				return err
			}
			s.AddAttr(a)
		case "objectclasses":
			c, err := ParseClass(val)
			if err != nil {
				return err
			}
			s.AddClass(c)
		}
		return nil
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			// 389 schema files continue with two spaces; keep one as separator.
			cur.WriteString(" " + strings.TrimLeft(line, " \t"))
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		cur.WriteString(line)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// AddAttr registers an attribute type under its names and OID.
func (s *Schema) AddAttr(a *Attribute) {
	s.attrs[strings.ToLower(a.OID)] = a
	for _, n := range a.Names {
		s.attrs[strings.ToLower(n)] = a
	}
}

// AddClass registers an object class under its names and OID.
func (s *Schema) AddClass(c *Class) {
	s.classes[strings.ToLower(c.OID)] = c
	for _, n := range c.Names {
		s.classes[strings.ToLower(n)] = c
	}
}

// tokenize splits a definition into tokens: "(", ")", quoted strings (without quotes,
// prefixed by '\” to mark them) and bare words.
func tokenize(def string) []string {
	var toks []string
	for i := 0; i < len(def); {
		c := def[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')' || c == '$':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := strings.IndexByte(def[i+1:], '\'')
			if j < 0 {
				toks = append(toks, "'"+def[i+1:])
				return toks
			}
			toks = append(toks, "'"+def[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(def) && !strings.ContainsRune(" \t\n()$'", rune(def[j])) {
				j++
			}
			toks = append(toks, def[i:j])
			i = j
		}
	}
	return toks
}

// parseDef turns tokens into the OID and a map of keyword → values (lists flattened).
func parseDef(def string) (string, map[string][]string, error) {
	toks := tokenize(def)
	if len(toks) < 2 || toks[0] != "(" {
		return "", nil, fmt.Errorf("schema definition %q: missing (", def)
	}
	oid := strings.TrimPrefix(toks[1], "'")
	kw := map[string][]string{}
	for i := 2; i < len(toks); {
		t := toks[i]
		if t == ")" {
			break
		}
		key := strings.ToUpper(t)
		i++
		switch key {
		case "SINGLE-VALUE", "NO-USER-MODIFICATION", "OBSOLETE", "COLLECTIVE", "STRUCTURAL", "AUXILIARY", "ABSTRACT":
			kw[key] = []string{}
			continue
		}
		if i >= len(toks) {
			break
		}
		if toks[i] == "(" {
			i++
			for i < len(toks) && toks[i] != ")" {
				if toks[i] != "$" {
					kw[key] = append(kw[key], strings.TrimPrefix(toks[i], "'"))
				}
				i++
			}
			i++
			continue
		}
		kw[key] = append(kw[key], strings.TrimPrefix(toks[i], "'"))
		i++
	}
	return oid, kw, nil
}

func first(v []string) string {
	if len(v) > 0 {
		return v[0]
	}
	return ""
}

// ParseAttribute parses one attributeTypes value.
func ParseAttribute(def string) (*Attribute, error) {
	oid, kw, err := parseDef(def)
	if err != nil {
		return nil, err
	}
	a := &Attribute{OID: oid, Names: kw["NAME"], Sup: first(kw["SUP"]), Equality: first(kw["EQUALITY"]),
		Ordering: first(kw["ORDERING"]), Substr: first(kw["SUBSTR"]), Usage: first(kw["USAGE"])}
	if syn := first(kw["SYNTAX"]); syn != "" {
		if i := strings.IndexByte(syn, '{'); i >= 0 {
			syn = syn[:i]
		}
		a.Syntax = syn
	}
	_, a.SingleValue = kw["SINGLE-VALUE"]
	_, a.NoUserMod = kw["NO-USER-MODIFICATION"]
	return a, nil
}

// ParseClass parses one objectClasses value.
func ParseClass(def string) (*Class, error) {
	oid, kw, err := parseDef(def)
	if err != nil {
		return nil, err
	}
	c := &Class{OID: oid, Names: kw["NAME"], Sup: kw["SUP"], Must: kw["MUST"], May: kw["MAY"]}
	switch {
	case kw["AUXILIARY"] != nil:
		c.Kind = Auxiliary
	case kw["ABSTRACT"] != nil:
		c.Kind = Abstract
	default:
		c.Kind = Structural
	}
	return c, nil
}
