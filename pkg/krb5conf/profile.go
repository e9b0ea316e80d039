package krb5conf

import (
	"os"
	"strings"
)

// DefaultPath is the configuration MIT reads when KRB5_CONFIG is unset.
const DefaultPath = "/etc/krb5.conf"

// Profile is the merged view of a path list: one tree per listed file (its includes
// merged into it), consulted in list order.
type Profile struct {
	// Paths is the path list asked for; Files every file actually read, in order.
	Paths []string
	Files []string
	trees []*node
}

// PathList returns the files to read: explicit (a --krb5-conf value, colon-separated
// like KRB5_CONFIG) when set, else KRB5_CONFIG, else /etc/krb5.conf.
func PathList(explicit string) []string {
	spec := explicit
	if spec == "" {
		spec = os.Getenv("KRB5_CONFIG")
	}
	if spec == "" {
		return []string{DefaultPath}
	}
	var out []string
	for _, p := range strings.Split(spec, ":") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Load reads the files of paths. A listed file that is missing or unreadable is
// skipped, as MIT skips it; an error inside a file that is read (a syntax error, a
// missing include or includedir, a module line in an included file) is an *Error
// naming the file and line.
func Load(paths []string) (*Profile, error) {
	p := &Profile{Paths: paths}
	for _, path := range paths {
		root, ok, err := readTop(path, &p.Files)
		if err != nil {
			return nil, err
		}
		if ok {
			p.trees = append(p.trees, root)
		}
	}
	return p, nil
}

// LoadDefault is Load(PathList(explicit)).
func LoadDefault(explicit string) (*Profile, error) { return Load(PathList(explicit)) }

// walk follows the section names of path in each tree in order, calling fn with the
// node reached, and stops after a tree in which a walked section is final (the
// PROFILE_ITER_FINAL_SEEN rule of MIT 1.20/1.21).
func (p *Profile) walk(path []string, fn func(*node)) {
	if p == nil {
		return
	}
	for _, root := range p.trees {
		n, final := root, false
		for _, name := range path {
			if n = n.section(name); n == nil {
				break
			}
			final = final || n.final
		}
		if n != nil {
			fn(n)
		}
		if final {
			return
		}
	}
}

// Values returns every value of the relation at path (sections..., name), in read
// order across files: MIT's profile_get_values.
func (p *Profile) Values(path ...string) []string {
	if len(path) == 0 {
		return nil
	}
	var out []string
	name := path[len(path)-1]
	p.walk(path[:len(path)-1], func(sec *node) {
		for _, c := range sec.children {
			if c.relation && c.name == name {
				out = append(out, c.value)
			}
		}
	})
	return out
}

// Value returns the first value of the relation at path: MIT's profile_get_value,
// used for every single-valued setting.
func (p *Profile) Value(path ...string) (string, bool) {
	v := p.Values(path...)
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Get is Value without the found flag.
func (p *Profile) Get(path ...string) string {
	v, _ := p.Value(path...)
	return v
}

// Sections returns the names of the subsections of the section at path, each once,
// in the order first seen (MIT's profile_get_subsection_names).
func (p *Profile) Sections(path ...string) []string { return p.names(path, false) }

// Relations returns the names of the relations of the section at path, each once.
func (p *Profile) Relations(path ...string) []string { return p.names(path, true) }

func (p *Profile) names(path []string, relations bool) []string {
	var out []string
	seen := map[string]bool{}
	p.walk(path, func(sec *node) {
		for _, c := range sec.children {
			if c.relation == relations && !seen[c.name] {
				seen[c.name] = true
				out = append(out, c.name)
			}
		}
	})
	return out
}

// Bool reads a boolean setting as MIT's profile_parse_boolean does; def when unset
// or not a boolean.
func (p *Profile) Bool(def bool, path ...string) bool {
	v, ok := p.Value(path...)
	if !ok {
		return def
	}
	b, ok := ParseBool(v)
	if !ok {
		return def
	}
	return b
}

// ParseBool accepts MIT's spellings: y, yes, true, t, 1, on and n, no, false, nil, 0,
// off, case-insensitive.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "y", "yes", "true", "t", "1", "on":
		return true, true
	case "n", "no", "false", "nil", "0", "off":
		return false, true
	}
	return false, false
}

// DefaultRealm is [libdefaults] default_realm.
func (p *Profile) DefaultRealm() string { return p.Get("libdefaults", "default_realm") }
