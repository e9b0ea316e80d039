// Package directory defines the small interface every part of accessctl uses to read and
// change the directory, and the entry, request and error types shared by its two backends:
// the LDAP client (pkg/ldapdir) and the LDIF sandbox (pkg/sandbox). No domain code imports
// go-ldap; it talks to a Client.
package directory

import (
	"context"
	"strings"
)

// Scope is the LDAP search scope.
type Scope int

const (
	ScopeBase Scope = iota
	ScopeOne
	ScopeSub
)

func (s Scope) String() string {
	switch s {
	case ScopeBase:
		return "base"
	case ScopeOne:
		return "one"
	default:
		return "sub"
	}
}

// SearchRequest is one search. Attributes nil means all user attributes; operational
// attributes such as memberOf, nsAccountLock or createTimestamp must be named.
type SearchRequest struct {
	BaseDN     string
	Scope      Scope
	Filter     string
	Attributes []string
	// SizeLimit 0 means no limit. The LDAP backend pages transparently.
	SizeLimit int
}

// ModOp is the kind of one modification.
type ModOp int

const (
	ModAdd ModOp = iota
	ModDelete
	ModReplace
)

func (o ModOp) String() string {
	switch o {
	case ModAdd:
		return "add"
	case ModDelete:
		return "delete"
	default:
		return "replace"
	}
}

// Mod is one modification of one attribute. A ModDelete with no values removes the
// attribute; with values it removes exactly those values.
type Mod struct {
	Op     ModOp    `json:"op" yaml:"op"`
	Attr   string   `json:"attr" yaml:"attr"`
	Values []string `json:"values,omitempty" yaml:"values,omitempty"`
}

// Client is everything accessctl needs from a directory. ctx bounds every call.
type Client interface {
	// Search returns every matching entry; the LDAP backend uses paged results.
	Search(ctx context.Context, req SearchRequest) ([]*Entry, error)
	// Add creates an entry and returns the DN it was stored under, which differs from
	// e.DN when the RDN asked the server to generate a value (ipaUniqueID=autogenerate).
	Add(ctx context.Context, e *Entry) (string, error)
	Modify(ctx context.Context, dn string, mods []Mod) error
	Delete(ctx context.Context, dn string) error
	// Rename changes an entry's RDN (modrdn with deleteoldrdn) and, when newSuperior is
	// not empty, moves it under newSuperior.
	Rename(ctx context.Context, dn, newRDN, newSuperior string) error
	// Suffix is the naming context, e.g. dc=example,dc=test.
	Suffix() string
	// Describe names the backend for messages: "ldaps://ipa1.example.test" or
	// "sandbox /path/file.ldif".
	Describe() string
	Close() error
}

// Identifier is implemented by clients that know who they are bound as.
type Identifier interface {
	// WhoAmI returns the bind identity as the server reports it (a DN, or "" when anonymous).
	WhoAmI(ctx context.Context) (string, error)
}

// Attribute is one attribute with its values, in the order the directory gave them.
type Attribute struct {
	Name   string   `json:"name" yaml:"name"`
	Values []string `json:"values" yaml:"values"`
}

// Entry is one directory entry.
type Entry struct {
	DN         string      `json:"dn" yaml:"dn"`
	Attributes []Attribute `json:"attributes" yaml:"attributes"`
}

// NewEntry builds an entry from name/value pairs, keeping the order given.
func NewEntry(dn string, attrs ...Attribute) *Entry {
	return &Entry{DN: dn, Attributes: attrs}
}

// A is shorthand for building an Attribute.
func A(name string, values ...string) Attribute { return Attribute{Name: name, Values: values} }

// Get returns the values of the named attribute (case-insensitive name), or nil.
func (e *Entry) Get(name string) []string {
	for _, a := range e.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a.Values
		}
	}
	return nil
}

// First returns the first value of the named attribute, or "".
func (e *Entry) First(name string) string {
	if v := e.Get(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Has reports whether the named attribute holds value, compared case-insensitively.
func (e *Entry) Has(name, value string) bool {
	for _, v := range e.Get(name) {
		if strings.EqualFold(v, value) {
			return true
		}
	}
	return false
}

// HasObjectClass reports whether the entry carries objectClass oc.
func (e *Entry) HasObjectClass(oc string) bool { return e.Has("objectClass", oc) }

// Set replaces (or adds) the named attribute.
func (e *Entry) Set(name string, values ...string) {
	for i, a := range e.Attributes {
		if strings.EqualFold(a.Name, name) {
			if len(values) == 0 {
				e.Attributes = append(e.Attributes[:i], e.Attributes[i+1:]...)
				return
			}
			e.Attributes[i].Values = values
			return
		}
	}
	if len(values) > 0 {
		e.Attributes = append(e.Attributes, Attribute{Name: name, Values: values})
	}
}

// Clone returns a deep copy.
func (e *Entry) Clone() *Entry {
	c := &Entry{DN: e.DN, Attributes: make([]Attribute, len(e.Attributes))}
	for i, a := range e.Attributes {
		c.Attributes[i] = Attribute{Name: a.Name, Values: append([]string(nil), a.Values...)}
	}
	return c
}
