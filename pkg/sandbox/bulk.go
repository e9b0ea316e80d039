package sandbox

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/schema"
	"github.com/accessctl/accessctl/templates"
)

// BulkOptions chooses a bulk-built directory's naming and realm ID range.
type BulkOptions struct {
	Suffix, Realm   string
	IDStart, IDSize int64 // the realm's ipaIDRange and DNA range; default 70000 + 10000
}

// Bulk builds a large directory in memory for generators (pkg/gen): every entry goes
// through the sandbox's own add and modify, plugins included (ipaUniqueID, DNA,
// private groups, managed netgroups, automember, uniqueness), but no before-images are
// kept and nothing is written until Save, and memberOf is computed once, for every
// group, at Save — so 100,000 entries take seconds, not hours.
type Bulk struct {
	d        *Dir
	finished bool
}

// NewBulk renders the FreeIPA tree (templates/ipa-tree.ldif.tmpl) into a new in-memory
// directory.
func NewBulk(opts BulkOptions) (*Bulk, error) {
	if opts.Suffix == "" {
		opts.Suffix = "dc=example,dc=test"
	}
	domain := suffixDomain(opts.Suffix)
	if opts.Realm == "" {
		opts.Realm = strings.ToUpper(domain)
	}
	if opts.IDStart == 0 {
		opts.IDStart = 70000
	}
	if opts.IDSize == 0 {
		opts.IDSize = 10000
	}
	v := treeVars{Suffix: opts.Suffix, Realm: opts.Realm, Domain: domain, IDStart: opts.IDStart, IDSize: opts.IDSize,
		Servers: []string{"ipa1." + domain, "ipa2." + domain}}
	v.IDMax = v.IDStart + v.IDSize - 1
	raw, err := templates.FS.ReadFile("ipa-tree.ldif.tmpl")
	if err != nil {
		return nil, fmt.Errorf("read tree template: %w", err)
	}
	t, err := template.New("ipa-tree").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("parse tree template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render tree template: %w", err)
	}
	entries, err := ReadLDIF(&buf)
	if err != nil {
		return nil, fmt.Errorf("tree template: %w", err)
	}
	s, err := schema.Default()
	if err != nil {
		return nil, err
	}
	d := &Dir{schema: s, m: matcher{s}, tasks: map[string]*entry{}}
	d.reset()
	d.suffix = opts.Suffix
	for _, e := range entries {
		if _, err := d.addEntry(e, true); err != nil {
			return nil, fmt.Errorf("tree entry %s: %w", e.DN, err)
		}
	}
	return &Bulk{d: d}, nil
}

// Add adds one entry as the server would (plugins run) and returns the stored copy.
func (b *Bulk) Add(e *directory.Entry) (*directory.Entry, error) {
	b.finished = false
	st, err := b.d.addEntry(e.Clone(), true)
	if err != nil {
		return nil, err
	}
	return st.public(), nil
}

// Modify modifies one entry as the server would (plugins run).
func (b *Bulk) Modify(dn string, mods []directory.Mod) error {
	b.finished = false
	return b.d.modifyEntry(dn, mods, true)
}

// Get returns a copy of the entry at dn, or nil.
func (b *Bulk) Get(dn string) *directory.Entry {
	if e := b.d.entries[directory.NormalizeDN(dn)]; e != nil {
		return e.public()
	}
	return nil
}

// DNANext is the next value the DNA plugin would hand out.
func (b *Bulk) DNANext() int64 { return b.d.dnaNext }

// finish computes memberOf for every entry once, as the memberOf plugin's fixup task
// would: one reverse index of the grouping attributes, then a walk up from each entry.
// (The per-operation path, fixMemberOf, re-reads each group's members per lookup,
// which is quadratic in a 50,000-member ipausers.)
func (b *Bulk) finish() {
	if b.finished {
		return
	}
	b.finished = true
	d := b.d
	parents := map[string][]*entry{}
	for _, g := range d.entries {
		for _, m := range d.members(g) {
			parents[m] = append(parents[m], g)
		}
	}
	for ndn, e := range d.entries {
		if d.under(ndn, "cn=provisioning") || d.under(ndn, "cn=compat") {
			continue
		}
		seen := map[string]bool{ndn: true}
		var groups []*entry
		queue := []string{ndn}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, p := range parents[n] {
				if !seen[p.ndn] {
					seen[p.ndn] = true
					groups = append(groups, p)
					queue = append(queue, p.ndn)
				}
			}
		}
		if len(groups) == 0 && e.get("memberOf") == nil {
			continue
		}
		sort.Slice(groups, func(i, j int) bool { return groups[i].id < groups[j].id })
		nv := make([]string, len(groups))
		for i, g := range groups {
			nv[i] = g.dn
		}
		d.indexEntry(e, false)
		e.set("memberOf", nv...)
		if len(nv) > 0 && !d.allows(e, "memberOf") {
			e.set("objectClass", append(append([]string(nil), e.get("objectClass")...), "nsMemberOf")...)
		}
		d.indexEntry(e, true)
	}
}

// Entries computes memberOf and returns every entry, parents first.
func (b *Bulk) Entries() []*directory.Entry {
	b.finish()
	var out []*directory.Entry
	for _, e := range b.d.ordered() {
		out = append(out, e.public())
	}
	return out
}

// Save computes memberOf and writes the directory as a sandbox file at path (which
// accessctl --sandbox opens as is).
func (b *Bulk) Save(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	b.finish()
	b.d.path = abs
	return b.d.save()
}
