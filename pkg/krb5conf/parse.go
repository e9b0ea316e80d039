// Package krb5conf reads krb5.conf as MIT libkrb5 1.20/1.21 reads it: the files of
// KRB5_CONFIG (or /etc/krb5.conf), their include and includedir lines, MIT's rules for
// which names an includedir takes, and its lookup rules (first value wins for a single
// setting, every value in read order for a list, `*` marks a section final so later
// files are not consulted). The parser follows src/util/profile/prof_parse.c of
// krb5-1.20; the lookups follow profile_node_iterator in prof_tree.c.
package krb5conf

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/inputfile"
)

// node is a profile tree node: a section (value-less) or a relation.
type node struct {
	name     string
	value    string
	relation bool
	final    bool
	parent   *node
	children []*node
}

// add inserts a child as MIT's profile_add_node does: children stay sorted by name,
// a new one goes after the last of the same name (so read order is kept), and a
// section of an existing section's name is merged into it.
func (n *node) add(name, value string, relation bool) *node {
	i := 0
	for ; i < len(n.children); i++ {
		c := n.children[i]
		if c.name > name {
			break
		}
		if !relation && c.name == name && !c.relation {
			return c
		}
	}
	c := &node{name: name, value: value, relation: relation, parent: n}
	n.children = append(n.children, nil)
	copy(n.children[i+1:], n.children[i:])
	n.children[i] = c
	return c
}

// section returns the first child section called name.
func (n *node) section(name string) *node {
	for _, c := range n.children {
		if c.name == name && !c.relation {
			return c
		}
	}
	return nil
}

// Error is a configuration error at a file and line, as MIT would refuse it.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("kerberos configuration %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("kerberos configuration %s: %s", e.File, e.Msg)
}

const (
	stateInitComment = iota
	stateStdLine
	stateGetOBrace
)

// maxIncludeDepth stops include loops; MIT has no limit and would recurse until it
// runs out of file descriptors, which is an error there too.
const maxIncludeDepth = 32

type parser struct {
	root  *node
	read  *[]string // every file read, in order
	depth int
}

type parseState struct {
	state      int
	groupLevel int
	current    *node
}

// parseFile parses one file into p.root. top is true for a file named by the path
// list (where MIT would load a `module`), false for an included one.
func (p *parser) parseFile(path string, top bool) error {
	if p.depth > maxIncludeDepth {
		return &Error{File: path, Msg: "includes nested too deeply (an include loop?)"}
	}
	data, err := inputfile.ReadFile(path, inputfile.Kerberos) // a regular file of bounded size
	if err != nil {
		return err
	}
	*p.read = append(*p.read, path)
	st := &parseState{state: stateInitComment}
	lines := bytes.Split(data, []byte("\n"))
	for i, raw := range lines {
		if i == len(lines)-1 && len(raw) == 0 {
			break
		}
		if err := p.parseLine(path, i+1, string(raw), st, top); err != nil {
			return err
		}
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func skipBlanks(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

func stripLine(s string) string { return strings.TrimRight(s, "\r\n") }

// keyword reports whether line starts with word followed by white space (MIT checks
// the raw line: the keyword must be in the first column).
func keyword(line, word string) (string, bool) {
	if len(line) > len(word) && strings.HasPrefix(line, word) && isSpace(line[len(word)]) {
		return stripLine(skipBlanks(line[len(word):])), true
	}
	if line == word {
		return "", true
	}
	return "", false
}

func (p *parser) parseLine(file string, lineNo int, line string, st *parseState, top bool) error {
	errAt := func(format string, args ...any) error {
		return &Error{File: file, Line: lineNo, Msg: fmt.Sprintf(format, args...)}
	}
	// include is checked before includedir, as in MIT: "includedir" has no space at 7.
	if arg, ok := keyword(line, "include"); ok {
		sub := &parser{root: p.root, read: p.read, depth: p.depth + 1}
		if err := sub.parseFile(arg, false); err != nil {
			if _, isConf := err.(*Error); isConf {
				return err
			}
			return errAt("cannot include %s: %v", arg, describe(err))
		}
		return nil
	}
	if arg, ok := keyword(line, "includedir"); ok {
		return p.parseDir(arg, errAt)
	}
	switch st.state {
	case stateInitComment:
		if _, ok := keyword(line, "module"); ok {
			if top {
				return errAt("profile modules (`module`) are not supported")
			}
			return errAt("a `module` line is not allowed in an included file")
		}
		if !strings.HasPrefix(line, "[") {
			return nil
		}
		st.state = stateStdLine
	case stateGetOBrace:
		if !strings.HasPrefix(skipBlanks(line), "{") {
			return errAt("missing open brace after a relation with no value")
		}
		st.state = stateStdLine
		return nil
	}
	return p.parseStdLine(line, st, errAt)
}

// parseDir includes the files of dir MIT accepts, in strcmp order.
func (p *parser) parseDir(dir string, errAt func(string, ...any) error) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return errAt("cannot include directory %s: %v", dir, describe(err))
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		if !ValidIncludeName(name) {
			continue
		}
		path := dir + "/" + name
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			continue // MIT's fgets on a directory reads nothing
		}
		sub := &parser{root: p.root, read: p.read, depth: p.depth + 1}
		if err := sub.parseFile(path, false); err != nil {
			if _, isConf := err.(*Error); isConf {
				return err
			}
			return errAt("cannot include %s: %v", path, describe(err))
		}
	}
	return nil
}

// ValidIncludeName reports whether MIT's includedir reads a file of this name: not a
// dotfile, and either ending in ".conf" or made only of letters, digits, '-' and '_'.
func ValidIncludeName(name string) bool {
	if name == "" || name[0] == '.' {
		return false
	}
	if strings.HasSuffix(name, ".conf") {
		return true
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (p *parser) parseStdLine(line string, st *parseState, errAt func(string, ...any) error) error {
	cp := skipBlanks(line)
	if cp == "" || cp[0] == ';' || cp[0] == '#' {
		return nil
	}
	cp = stripLine(cp)
	switch cp[0] {
	case '[':
		if st.groupLevel > 0 {
			return errAt("section header inside a { } group")
		}
		end := strings.IndexByte(cp, ']')
		if end < 0 {
			return errAt("section header without ]")
		}
		name := cp[1:end]
		sec := p.root.section(name)
		if sec == nil {
			sec = p.root.add(name, "", false)
		}
		st.current = sec
		rest := cp[end+1:]
		if strings.HasPrefix(rest, "*") {
			sec.final = true
			rest = rest[1:]
		}
		if skipBlanks(rest) != "" {
			return errAt("text after a section header")
		}
		return nil
	case '}':
		if st.groupLevel == 0 {
			return errAt("} without a matching {")
		}
		if strings.HasPrefix(cp[1:], "*") {
			st.current.final = true
		}
		st.current = st.current.parent
		st.groupLevel--
		return nil
	}
	eq := strings.IndexByte(cp, '=')
	if eq <= 0 {
		return errAt("a relation needs `name = value`")
	}
	tag := cp[:eq]
	if i := strings.IndexFunc(tag, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }); i >= 0 {
		if strings.TrimLeft(tag[i:], " \t\n\r\v\f") != "" {
			return errAt("a relation name cannot contain spaces")
		}
		tag = tag[:i]
	}
	value := skipBlanks(cp[eq+1:])
	subsection := false
	switch {
	case strings.HasPrefix(value, `"`):
		value = unquote(value[1:])
	case value == "":
		subsection = true
		st.state = stateGetOBrace
	case value[0] == '{' && skipBlanks(value[1:]) == "":
		subsection = true
	default:
		value = strings.TrimRight(value, " \t\n\r\v\f")
	}
	final := false
	if i := strings.IndexByte(tag, '*'); i >= 0 {
		tag, final = tag[:i], true
	}
	if st.current == nil {
		return errAt("a relation outside any section")
	}
	if subsection {
		st.current = st.current.add(tag, "", false)
		if final {
			st.current.final = true
		}
		st.groupLevel++
		return nil
	}
	n := st.current.add(tag, value, true)
	if final {
		n.final = true
	}
	return nil
}

// unquote is MIT's parse_quoted_string: up to the next unescaped quote, with \n, \t,
// \b and \x (any other x) escapes.
func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && s[i] != '"'; i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// describe turns an os error into a short reason without Go's "open PATH:" prefix.
func describe(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readTop reads one file of the path list into its own tree. A directory is read as
// an includedir (MIT's profile_process_directory). Missing and unreadable files are
// skipped as MIT skips them (ok=false).
func readTop(path string, read *[]string) (root *node, ok bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, nil
	}
	root = &node{}
	p := &parser{root: root, read: read}
	if fi.IsDir() {
		err = p.parseDir(filepath.Clean(path), func(format string, args ...any) error {
			return &Error{File: path, Msg: fmt.Sprintf(format, args...)}
		})
		return root, err == nil, err
	}
	if err := p.parseFile(path, true); err != nil {
		if _, isConf := err.(*Error); isConf {
			return nil, false, err
		}
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, false, nil
		}
		return nil, false, &Error{File: path, Msg: describe(err)}
	}
	return root, true, nil
}
