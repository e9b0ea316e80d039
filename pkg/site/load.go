package site

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// MaxFileSize caps one Site file: a whole-site export of a large site is a few MB.
const MaxFileSize = 64 << 20

// Error is one problem in a Site file, at file:line and key (a path such as
// clusters[0].hostRegexes[1]). It is bad input: exit 2.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// Pos is where an object was defined.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Set is the merged content of one file or of every *.yaml file under a directory.
type Set struct {
	Site     Ref
	SitePos  Pos
	Clusters []Cluster
	Roles    []Role
	Services []Service
	Users    []User
	// Files are the files read, in order.
	Files []string
	// Where maps "cluster/NAME", "role/NAME", "service/NAME", "user/LOGIN" to its place.
	Where map[string]Pos
	// HasUsers is set when any file lists users (their states are then authoritative).
	HasUsers bool
}

// Load reads path: one file, or every *.yaml (*.yml, *.json) file under a directory (recursively, in
// sorted order), and validates them strictly.
func Load(path string) (*Set, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + errors.Unwrap(err).Error()}
	}
	var files []string
	if fi.IsDir() {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isSiteFile(d.Name()) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, &Error{File: path, Msg: "no *.yaml (or *.yml, *.json) files"}
		}
	} else {
		files = []string{path}
	}
	s := &Set{Where: map[string]Pos{}}
	var first *Pos
	for _, f := range files {
		docs, err := readFile(f)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if first == nil {
				first = &Pos{f, d.lines["site"]}
				s.Site, s.SitePos = d.doc.Site, *first
			} else if d.doc.Site != s.Site {
				return nil, &Error{File: f, Line: d.lines["site"], Key: "site",
					Msg: fmt.Sprintf("differs from the site of %s", first)}
			}
			if err := s.merge(f, d); err != nil {
				return nil, err
			}
		}
		s.Files = append(s.Files, f)
	}
	if err := s.checkOffboarded(); err != nil {
		return nil, err
	}
	return s, nil
}

// isSiteFile: YAML files, and JSON ones (export --dir -o json writes them; JSON is YAML).
func isSiteFile(name string) bool {
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// parsed is one document with the line of every key path.
type parsed struct {
	doc   Document
	lines map[string]int
}

func readFile(path string) ([]parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + errors.Unwrap(err).Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d MiB", MaxFileSize>>20)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []parsed
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &Error{File: path, Line: yamlLine(err), Msg: "not valid YAML: " + yamlMsg(err)}
		}
		if len(n.Content) == 0 {
			continue
		}
		p := parsed{lines: map[string]int{}}
		root := n.Content[0]
		if err := walk(path, root, reflect.TypeOf(Document{}), "", p.lines); err != nil {
			return nil, err
		}
		if err := root.Decode(&p.doc); err != nil {
			return nil, &Error{File: path, Line: yamlLine(err), Msg: "not a Site document: " + yamlMsg(err)}
		}
		if err := validate(path, p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, &Error{File: path, Line: 1, Msg: "empty file"}
	}
	return out, nil
}

// yamlLine and yamlMsg pick the line out of a yaml.v3 error ("yaml: line 3: ...").
func yamlLine(err error) int {
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		var n int
		fmt.Sscan(s[i+5:], &n)
		return n
	}
	return 0
}

func yamlMsg(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "line ") {
		s = s[i+2:]
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks node against type t, refusing unknown keys, wrong kinds and aliases, and
// records the line of every key path.
func walk(file string, n *yaml.Node, t reflect.Type, path string, lines map[string]int) error {
	lines[path] = n.Line
	bad := func(msg string) error { return &Error{File: file, Line: n.Line, Key: path, Msg: msg} }
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return bad("anchors and aliases are not allowed")
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return bad("want a mapping")
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			fields[name] = t.Field(i).Type
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return &Error{File: file, Line: k.Line, Key: join(path, short(k.Value)), Msg: "unknown key"}
			}
			if err := walk(file, v, ft, join(path, k.Value), lines); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return bad("want a list")
		}
		for i, c := range n.Content {
			if err := walk(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines); err != nil {
				return err
			}
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode {
			return bad("want a number")
		}
		if _, err := strconv.Atoi(n.Value); err != nil {
			return bad("want a whole number")
		}
	default:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return bad("want a single value")
		}
	}
	return nil
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// validate checks one document's header, names, regexes and IDs.
func validate(file string, p parsed) error {
	d := p.doc
	at := func(key string, err error) error {
		if err == nil {
			return nil
		}
		line, k := p.lines[key], key
		for line == 0 && strings.Contains(k, ".") { // a missing key: point at its parent
			k = k[:strings.LastIndex(k, ".")]
			line = p.lines[k]
		}
		if line == 0 { // a missing top-level key: the document's first line
			line = p.lines[""]
		}
		return &Error{File: file, Line: line, Key: key, Msg: err.Error()}
	}
	if d.APIVersion != APIVersion {
		return at("apiVersion", fmt.Errorf("want %s, have %q", APIVersion, short(d.APIVersion)))
	}
	if d.Kind != Kind {
		return at("kind", fmt.Errorf("want %s, have %q", Kind, short(d.Kind)))
	}
	if d.Site.Suffix == "" || d.Site.Realm == "" {
		return at("site", errors.New("needs suffix and realm"))
	}
	principals := func(key string, pr Principals) error {
		for i, u := range pr.Users {
			if err := at(fmt.Sprintf("%s.users[%d]", key, i), names.User(u)); err != nil {
				return err
			}
		}
		for i, g := range pr.Groups {
			if err := at(fmt.Sprintf("%s.groups[%d]", key, i), names.Group(g)); err != nil {
				return err
			}
		}
		return nil
	}
	for i, c := range d.Clusters {
		k := fmt.Sprintf("clusters[%d]", i)
		if err := at(k+".name", names.Cluster(c.Name)); err != nil {
			return err
		}
		if strings.TrimSpace(c.Description) == "" {
			return at(k+".description", errors.New("must not be empty (the base text of the descriptions)"))
		}
		for j, r := range c.HostRegexes {
			if err := at(fmt.Sprintf("%s.hostRegexes[%d]", k, j), automember.Validate(r)); err != nil {
				return err
			}
		}
		for _, x := range []struct {
			key string
			p   Principals
		}{{"members", c.Members}, {"sudo", c.Sudo}, {"memberManagers", c.MemberManagers}} {
			if err := principals(k+"."+x.key, x.p); err != nil {
				return err
			}
		}
	}
	for i, r := range d.Roles {
		k := fmt.Sprintf("roles[%d]", i)
		if err := at(k+".name", names.Role(r.Name)); err != nil {
			return err
		}
		if r.Range == "" {
			return at(k+".range", errors.New("must name an ID range"))
		}
		if r.UID < 0 {
			return at(k+".uid", fmt.Errorf("invalid ID %d", r.UID))
		}
		seen := map[string]bool{}
		for j, s := range r.Sudo {
			if err := at(fmt.Sprintf("%s.sudo[%d].hostgroup", k, j), names.Hostgroup(s.Hostgroup)); err != nil {
				return err
			}
			if seen[s.Hostgroup] {
				return at(fmt.Sprintf("%s.sudo[%d].hostgroup", k, j), fmt.Errorf("hostgroup %s listed twice", s.Hostgroup))
			}
			seen[s.Hostgroup] = true
			if err := principals(fmt.Sprintf("%s.sudo[%d].holders", k, j), s.Holders); err != nil {
				return err
			}
		}
	}
	for i, s := range d.Services {
		if err := at(fmt.Sprintf("services[%d].name", i), sysaccounts.ValidateName(s.Name)); err != nil {
			return err
		}
	}
	for i, u := range d.Users {
		k := fmt.Sprintf("users[%d]", i)
		if err := at(k+".login", names.User(u.Login)); err != nil {
			return err
		}
		if u.State != StateActive && u.State != StateOffboarded {
			return at(k+".state", fmt.Errorf("want active or offboarded, have %q", short(u.State)))
		}
	}
	return nil
}

// merge adds one document to the set, refusing a name defined twice (in any file).
func (s *Set) merge(file string, p parsed) error {
	claim := func(kind, name, key string) error {
		id := kind + "/" + name
		if prev, ok := s.Where[id]; ok {
			return &Error{File: file, Line: p.lines[key], Key: key, Msg: fmt.Sprintf("%s %s is already defined at %s", kind, name, prev)}
		}
		s.Where[id] = Pos{file, p.lines[key]}
		return nil
	}
	d := p.doc
	for i, c := range d.Clusters {
		if err := claim("cluster", c.Name, fmt.Sprintf("clusters[%d].name", i)); err != nil {
			return err
		}
		s.Clusters = append(s.Clusters, c)
	}
	for i, r := range d.Roles {
		if err := claim("role", r.Name, fmt.Sprintf("roles[%d].name", i)); err != nil {
			return err
		}
		s.Roles = append(s.Roles, r)
	}
	for i, v := range d.Services {
		if err := claim("service", v.Name, fmt.Sprintf("services[%d].name", i)); err != nil {
			return err
		}
		s.Services = append(s.Services, v)
	}
	for i, u := range d.Users {
		if err := claim("user", u.Login, fmt.Sprintf("users[%d].login", i)); err != nil {
			return err
		}
		s.Users = append(s.Users, u)
		s.HasUsers = true
	}
	return nil
}

// checkOffboarded refuses an offboarded user listed as a member, sudo member, member
// manager or role holder anywhere in the set.
func (s *Set) checkOffboarded() error {
	off := map[string]bool{}
	for _, u := range s.Users {
		if u.State == StateOffboarded {
			off[u.Login] = true
		}
	}
	if len(off) == 0 {
		return nil
	}
	find := func(kind, name, what string, users []string) error {
		for _, u := range users {
			if off[u] {
				p := s.Where[kind+"/"+name]
				return &Error{File: p.File, Line: p.Line, Key: kind + " " + name + " " + what,
					Msg: fmt.Sprintf("user %s is offboarded (%s) and cannot be listed", u, s.Where["user/"+u])}
			}
		}
		return nil
	}
	for _, c := range s.Clusters {
		for _, x := range []struct {
			what string
			p    Principals
		}{{"members", c.Members}, {"sudo", c.Sudo}, {"memberManagers", c.MemberManagers}} {
			if err := find("cluster", c.Name, x.what, x.p.Users); err != nil {
				return err
			}
		}
	}
	for _, r := range s.Roles {
		for _, sd := range r.Sudo {
			if err := find("role", r.Name, "sudo "+sd.Hostgroup+" holders", sd.Holders.Users); err != nil {
				return err
			}
		}
	}
	return nil
}
