// Package siteconv loads and validates the site conventions (ITTN-010 by default): object
// name patterns, ID ranges and reservations, role and service naming. It is pure: values
// in, values out; bad files get errors naming the line and field.
package siteconv

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/conventions"
	"github.com/accessctl/accessctl/pkg/clip"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/yamlerr"
)

// Conventions is the typed form of a conventions file.
type Conventions struct {
	Name       string     `yaml:"name" json:"name"`
	Revision   string     `yaml:"revision" json:"revision"`
	Cluster    Cluster    `yaml:"cluster" json:"cluster"`
	Role       Role       `yaml:"role" json:"role"`
	Service    Service    `yaml:"service" json:"service"`
	IDs        IDs        `yaml:"ids" json:"ids"`
	Automember Automember `yaml:"automember" json:"automember"`
	Servers    []string   `yaml:"servers" json:"servers"`

	// Source names where these conventions came from.
	Source string `yaml:"-" json:"source"`
}

// Cluster holds the name patterns of the five cluster objects ({name} = cluster).
type Cluster struct {
	Group        string       `yaml:"group" json:"group"`
	SudoGroup    string       `yaml:"sudo_group" json:"sudo_group"`
	Hostgroup    string       `yaml:"hostgroup" json:"hostgroup"`
	HBACRule     string       `yaml:"hbac_rule" json:"hbac_rule"`
	SudoRule     string       `yaml:"sudo_rule" json:"sudo_rule"`
	Descriptions Descriptions `yaml:"descriptions" json:"descriptions"`
}

// Descriptions names the template (templates/descriptions.tmpl) each object uses.
type Descriptions struct {
	Group     string `yaml:"group" json:"group"`
	SudoGroup string `yaml:"sudo_group" json:"sudo_group"`
	Hostgroup string `yaml:"hostgroup" json:"hostgroup"`
}

// Role holds the sudoto naming of ITTN-010 §5.
type Role struct {
	SudotoGroup  string   `yaml:"sudoto_group" json:"sudoto_group"`
	SudotoRule   string   `yaml:"sudoto_rule" json:"sudoto_rule"`
	SudoOptions  []string `yaml:"sudo_options" json:"sudo_options"`
	DefaultRange string   `yaml:"default_range" json:"default_range"`
}

// Service holds the bind DN pattern of ITTN-010 §7.3.
type Service struct {
	BindDN         string `yaml:"bind_dn" json:"bind_dn"`
	PasswordLength int    `yaml:"password_length" json:"password_length"`
}

// IDs holds the ID policy of ITTN-010 §6.
type IDs struct {
	Minimum      int           `yaml:"minimum" json:"minimum"`
	UIDEqualsGID bool          `yaml:"uid_equals_gid" json:"uid_equals_gid"`
	Ranges       []Range       `yaml:"ranges" json:"ranges"`
	Reservations []Reservation `yaml:"reservations" json:"reservations"`
}

// Range is a named ID range, inclusive.
type Range struct {
	Name        string `yaml:"name" json:"name"`
	Min         int    `yaml:"min" json:"min"`
	Max         int    `yaml:"max" json:"max"`
	Description string `yaml:"description" json:"description,omitempty"`
}

// Reservation holds an ID for a named account ("" = for nobody).
type Reservation struct {
	ID   int    `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Note string `yaml:"note" json:"note,omitempty"`
}

// Automember holds the automember conventions.
type Automember struct {
	Key              string     `yaml:"key" json:"key"`
	IntendedOverlaps [][]string `yaml:"intended_overlaps" json:"intended_overlaps"`
}

// Error is a conventions file problem, with the line of the offending field.
type Error struct {
	Source string
	Line   int
	Field  string
	Msg    string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("conventions %s:%d: %s: %s", e.Source, e.Line, e.Field, e.Msg)
	}
	return fmt.Sprintf("conventions %s: %s: %s", e.Source, e.Field, e.Msg)
}

// Default returns the embedded ITTN-010 conventions.
func Default() *Conventions {
	c, err := Parse(conventions.Default, conventions.DefaultName)
	if err != nil {
		panic("embedded conventions are invalid: " + err.Error()) // caught by tests
	}
	return c
}

// Load reads a conventions file.
func Load(path string) (*Conventions, error) {
	data, err := inputfile.ReadFile(path, inputfile.Conventions)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes and validates conventions; unknown fields are errors.
func Parse(data []byte, source string) (*Conventions, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(source, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Conventions
	if err := dec.Decode(&c); err != nil {
		return nil, yamlError(source, err)
	}
	c.Source = source
	if err := c.validate(&root); err != nil {
		return nil, err
	}
	return &c, nil
}

// yamlError turns yaml.v3's "yaml: line N: msg" into our one-line form, without
// quoting the file (it may be something else given by mistake, like /etc/shadow).
func yamlError(source string, err error) error {
	line, msg := yamlerr.Describe(err, fieldNames(reflect.TypeFor[Conventions]()))
	return &Error{Source: source, Line: line, Field: "syntax", Msg: msg}
}

// fieldNames lists every yaml key of t and of the structs it holds.
func fieldNames(t reflect.Type) []string {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
		out = append(out, fieldNames(t.Field(i).Type)...)
	}
	return out
}

func (c *Conventions) validate(root *yaml.Node) error {
	fail := func(path, format string, args ...any) error {
		return &Error{Source: c.Source, Line: lineOf(root, path), Field: path, Msg: fmt.Sprintf(format, args...)}
	}
	patterns := map[string]string{
		"cluster.group": c.Cluster.Group, "cluster.sudo_group": c.Cluster.SudoGroup,
		"cluster.hostgroup": c.Cluster.Hostgroup, "cluster.hbac_rule": c.Cluster.HBACRule,
		"cluster.sudo_rule": c.Cluster.SudoRule,
	}
	keys := make([]string, 0, len(patterns))
	for k := range patterns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.Contains(patterns[k], "{name}") {
			return fail(k, "pattern %s must contain {name}", clip.Quote(patterns[k]))
		}
		if msg := namePattern(patterns[k], "{name}"); msg != "" {
			return fail(k, "pattern %s %s", clip.Quote(patterns[k]), msg)
		}
	}
	if c.Cluster.Group == c.Cluster.SudoGroup {
		return fail("cluster.sudo_group", "must differ from cluster.group")
	}
	if c.Cluster.HBACRule == c.Cluster.SudoRule && c.Cluster.HBACRule != "" {
		return fail("cluster.sudo_rule", "must differ from cluster.hbac_rule")
	}
	for _, k := range []string{"role.sudoto_group", "role.sudoto_rule"} {
		p := c.Role.SudotoGroup
		if k == "role.sudoto_rule" {
			p = c.Role.SudotoRule
		}
		if !strings.Contains(p, "{hostgroup}") || !strings.Contains(p, "{role}") {
			return fail(k, "pattern %s must contain {hostgroup} and {role}", clip.Quote(p))
		}
		if msg := namePattern(p, "{hostgroup}", "{role}"); msg != "" {
			return fail(k, "pattern %s %s", clip.Quote(p), msg)
		}
	}
	if !strings.Contains(c.Service.BindDN, "{name}") || !strings.Contains(c.Service.BindDN, "{suffix}") {
		return fail("service.bind_dn", "pattern %s must contain {name} and {suffix}", clip.Quote(c.Service.BindDN))
	}
	if msg := bindDNPattern(c.Service.BindDN); msg != "" {
		return fail("service.bind_dn", "pattern %s %s", clip.Quote(c.Service.BindDN), msg)
	}
	if n := c.Service.PasswordLength; n < MinPasswordLength || n > MaxPasswordLength {
		return fail("service.password_length", "must be %d to %d characters, got %d", MinPasswordLength, MaxPasswordLength, n)
	}
	if n := c.IDs.Minimum; n < 1 || n > MaxID {
		return fail("ids.minimum", "must be 1 to %d, got %d", MaxID, n)
	}
	if len(c.IDs.Ranges) == 0 {
		return fail("ids.ranges", "at least one range is required")
	}
	if len(c.IDs.Ranges) > MaxRanges {
		return fail("ids.ranges", "at most %d ranges, got %d", MaxRanges, len(c.IDs.Ranges))
	}
	seen := map[string]bool{}
	width := 0
	for i, r := range c.IDs.Ranges {
		p := fmt.Sprintf("ids.ranges[%d]", i)
		switch {
		case r.Name == "":
			return fail(p+".name", "is required")
		case names.Group(r.Name) != nil:
			return fail(p+".name", "range name %s: only a-z, 0-9, _, - and . (at most %d characters)", clip.Quote(r.Name), names.MaxGroupLength)
		case seen[r.Name]:
			return fail(p+".name", "duplicate range %q", r.Name)
		case r.Min < 1 || r.Min > MaxID:
			return fail(p+".min", "range %q: min must be 1 to %d, got %d", r.Name, MaxID, r.Min)
		case r.Max < 1 || r.Max > MaxID:
			return fail(p+".max", "range %q: max must be 1 to %d, got %d", r.Name, MaxID, r.Max)
		case r.Min > r.Max:
			return fail(p+".min", "range %q: min %d is above max %d", r.Name, r.Min, r.Max)
		case r.Min < c.IDs.Minimum:
			return fail(p+".min", "range %q starts at %d, below the central minimum %d", r.Name, r.Min, c.IDs.Minimum)
		case !printable(r.Description, 1024):
			return fail(p+".description", "must be printable text of at most 1024 characters")
		}
		// Commands walk every ID of a range (id ranges, allocation in a full range): the
		// ranges together stay small enough for that to take well under a second.
		if width += r.Max - r.Min + 1; width > MaxRangeWidth {
			return fail(p+".max", "range %q: the ranges hold more than %d IDs together (%d-%d is %d wide)", r.Name, MaxRangeWidth, r.Min, r.Max, r.Max-r.Min+1)
		}
		seen[r.Name] = true
		for j, o := range c.IDs.Ranges[:i] {
			if r.Min <= o.Max && o.Min <= r.Max {
				return fail(p, "range %q (%d-%d) overlaps range %q (%d-%d) (ids.ranges[%d])", r.Name, r.Min, r.Max, o.Name, o.Min, o.Max, j)
			}
		}
	}
	if c.Role.DefaultRange != "" && !seen[c.Role.DefaultRange] {
		return fail("role.default_range", "names no range: %q", c.Role.DefaultRange)
	}
	ids := map[int]bool{}
	for i, r := range c.IDs.Reservations {
		p := fmt.Sprintf("ids.reservations[%d]", i)
		if r.ID < 1 || r.ID > MaxID {
			return fail(p+".id", "must be 1 to %d, got %d", MaxID, r.ID)
		}
		if r.Name != "" && names.User(r.Name) != nil {
			return fail(p+".name", "%s is not a valid login", clip.Quote(r.Name))
		}
		if !printable(r.Note, 1024) {
			return fail(p+".note", "must be printable text of at most 1024 characters")
		}
		if ids[r.ID] {
			return fail(p+".id", "id %d reserved twice", r.ID)
		}
		ids[r.ID] = true
		if r.ID < c.IDs.Minimum {
			return fail(p+".id", "id %d is below the central minimum %d", r.ID, c.IDs.Minimum)
		}
	}
	if c.Automember.Key == "" {
		return fail("automember.key", "is required")
	}
	if !attrNameRe.MatchString(c.Automember.Key) {
		return fail("automember.key", "%s is not an attribute name (a letter, then letters, digits and -; at most 64)", clip.Quote(c.Automember.Key))
	}
	for i, pair := range c.Automember.IntendedOverlaps {
		p := fmt.Sprintf("automember.intended_overlaps[%d]", i)
		if len(pair) != 2 {
			return fail(p, "must name exactly two hostgroups")
		}
		for _, hg := range pair {
			if err := names.Hostgroup(hg); err != nil {
				return fail(p, "%v", err)
			}
		}
	}
	for _, d := range [][2]string{{"cluster.descriptions.group", c.Cluster.Descriptions.Group},
		{"cluster.descriptions.sudo_group", c.Cluster.Descriptions.SudoGroup}, {"cluster.descriptions.hostgroup", c.Cluster.Descriptions.Hostgroup}} {
		if d[1] != "" && !templateNameRe.MatchString(d[1]) {
			return fail(d[0], "%s is not a template name (a-z, 0-9, _ and -)", clip.Quote(d[1]))
		}
	}
	for i, o := range c.Role.SudoOptions {
		if o == "" || !printable(o, 256) {
			return fail(fmt.Sprintf("role.sudo_options[%d]", i), "must be printable text of 1 to 256 characters")
		}
	}
	for i, s := range c.Servers {
		if s == "" || len(s) > 255 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' }) {
			return fail(fmt.Sprintf("servers[%d]", i), "must be a host name or ldap(s):// URL without spaces or commas, at most 255 characters")
		}
	}
	if !printable(c.Name, 128) || !printable(c.Revision, 128) {
		return fail("name", "name and revision must be printable text of at most 128 characters")
	}
	return nil
}

// Bounds of the values a conventions file may set.
const (
	MinPasswordLength = 32
	MaxPasswordLength = 1024
	MaxID             = 1<<31 - 1 // IDs are signed 32-bit on the servers and clients
	MaxRanges         = 256
	// MaxRangeWidth bounds the IDs of all ranges together (16 times FreeIPA's default
	// local ID range of 200,000).
	MaxRangeWidth = 1 << 22
	// maxLiteral bounds what a name pattern adds to the name it is given.
	maxLiteral = 32
)

var (
	attrNameRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)
	templateNameRe = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	sysaccountsRe  = regexp.MustCompile(`(?i)^uid=([^,]*),cn=sysaccounts,cn=etc,\{suffix\}$`)
)

// namePattern checks a name pattern: each placeholder exactly once, and what the pattern
// adds keeps a name a name (the characters FreeIPA allows in user and group names: no
// ",", "=", quotes or spaces that would change a DN or a filter). It returns why not, or "".
func namePattern(p string, placeholders ...string) string {
	rest := p
	for _, ph := range placeholders {
		if n := strings.Count(p, ph); n != 1 {
			return "must contain " + ph + " exactly once"
		}
		rest = strings.Replace(rest, ph, "", 1)
	}
	if len(rest) > maxLiteral {
		return fmt.Sprintf("adds more than %d characters to the name", maxLiteral)
	}
	// A one-letter stand-in for each placeholder: the result must be a valid group name.
	sample := p
	for _, ph := range placeholders {
		sample = strings.Replace(sample, ph, "a", 1)
	}
	if err := names.Group(sample); err != nil {
		return "does not make a valid name: only a-z, 0-9, _, -, . around the placeholders, not starting with -"
	}
	return ""
}

// bindDNPattern keeps service bind DNs where FreeIPA keeps system accounts:
// uid=...{name}...,cn=sysaccounts,cn=etc,{suffix}, the uid a name pattern.
func bindDNPattern(p string) string {
	m := sysaccountsRe.FindStringSubmatch(p)
	if m == nil {
		return "must be uid=...{name}...,cn=sysaccounts,cn=etc,{suffix} (FreeIPA's system accounts)"
	}
	if strings.Contains(m[1], "{suffix}") {
		return "must contain {suffix} only at the end"
	}
	if msg := namePattern(m[1], "{name}"); msg != "" {
		return "(uid) " + msg
	}
	return ""
}

// printable reports whether s is valid UTF-8 without control characters, at most max bytes.
func printable(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// Validate checks conventions built in memory (a file's are checked by Parse).
func (c *Conventions) Validate() error { return c.validate(&yaml.Node{}) }

// lineOf finds the line of a dotted path like "ids.ranges[1].min" in the YAML tree.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	best := n.Line
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			fmt.Sscanf(part[i:], "[%d]", &idx)
		}
		next := (*yaml.Node)(nil)
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					next = n.Content[i+1]
					best = n.Content[i].Line
					break
				}
			}
		}
		if next == nil {
			return best
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return best
			}
			n = n.Content[idx]
			best = n.Line
		}
	}
	return best
}

func expand(pattern string, kv ...string) string {
	return strings.NewReplacer(kv...).Replace(pattern)
}

// ClusterNames are the five object names of one cluster.
type ClusterNames struct {
	Base, Group, SudoGroup, Hostgroup, HBACRule, SudoRule string
}

// ClusterNames expands the cluster patterns for base name.
func (c *Conventions) ClusterNames(base string) ClusterNames {
	r := func(p string) string { return expand(p, "{name}", base) }
	return ClusterNames{Base: base, Group: r(c.Cluster.Group), SudoGroup: r(c.Cluster.SudoGroup),
		Hostgroup: r(c.Cluster.Hostgroup), HBACRule: r(c.Cluster.HBACRule), SudoRule: r(c.Cluster.SudoRule)}
}

// ClusterBaseFrom returns the cluster base name if name is one of the objects of kind
// ("group", "sudo_group", "hostgroup", "hbac_rule", "sudo_rule") by convention.
func (c *Conventions) ClusterBaseFrom(kind, name string) (string, bool) {
	var p string
	switch kind {
	case "group":
		p = c.Cluster.Group
	case "sudo_group":
		p = c.Cluster.SudoGroup
	case "hostgroup":
		p = c.Cluster.Hostgroup
	case "hbac_rule":
		p = c.Cluster.HBACRule
	case "sudo_rule":
		p = c.Cluster.SudoRule
	}
	i := strings.Index(p, "{name}")
	if i < 0 {
		return "", false
	}
	pre, post := p[:i], p[i+len("{name}"):]
	if len(name) <= len(pre)+len(post) || !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, post) {
		return "", false
	}
	return name[len(pre) : len(name)-len(post)], true
}

// SudotoNames returns the group and rule names for role on hostgroup.
func (c *Conventions) SudotoNames(hostgroup, role string) (group, rule string) {
	kv := []string{"{hostgroup}", hostgroup, "{role}", role}
	return expand(c.Role.SudotoGroup, kv...), expand(c.Role.SudotoRule, kv...)
}

// BindDN returns the service bind DN for name.
func (c *Conventions) BindDN(name, suffix string) string {
	return expand(c.Service.BindDN, "{name}", name, "{suffix}", suffix)
}

// RangeByName finds a range.
func (c *Conventions) RangeByName(name string) (Range, bool) {
	for _, r := range c.IDs.Ranges {
		if r.Name == name {
			return r, true
		}
	}
	return Range{}, false
}

// RangeNames lists the range names in file order.
func (c *Conventions) RangeNames() []string {
	out := make([]string, len(c.IDs.Ranges))
	for i, r := range c.IDs.Ranges {
		out[i] = r.Name
	}
	return out
}

// Reserved returns the reserved ID of an account name.
func (c *Conventions) Reserved(name string) (int, bool) {
	for _, r := range c.IDs.Reservations {
		if r.Name != "" && r.Name == name {
			return r.ID, true
		}
	}
	return 0, false
}

// IntendedOverlap reports whether hostgroups a and b may share hosts on purpose.
func (c *Conventions) IntendedOverlap(a, b string) bool {
	for _, p := range c.Automember.IntendedOverlaps {
		if (p[0] == a && p[1] == b) || (p[0] == b && p[1] == a) {
			return true
		}
	}
	return false
}
