// Package sandbox is accessctl's embedded directory: a plain LDIF file of a FreeIPA suffix
// (as `ldapsearch -LLL` prints it) that behaves like FreeIPA's 389-ds for everything
// accessctl relies on: filters with schema matching rules, schema checks, unique RDNs,
// memberOf, referential integrity, automember (and its rebuild task), ipaUniqueID
// generation, DNA, managed entries (user private groups, hostgroup netgroups) and
// attribute uniqueness. Writes are atomic and locked against concurrent processes.
package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/accessctl/accessctl/pkg/atomicfile"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/schema"
)

// entry is one stored entry.
type entry struct {
	id       int64
	dn       string
	ndn      string
	attrs    []directory.Attribute
	children map[string]*entry
}

func (e *entry) get(name string) []string {
	for _, a := range e.attrs {
		if strings.EqualFold(a.Name, name) {
			return a.Values
		}
	}
	return nil
}

func (e *entry) public() *directory.Entry {
	return (&directory.Entry{DN: e.dn, Attributes: e.attrs}).Clone()
}

func (e *entry) clone() *entry {
	c := &entry{id: e.id, dn: e.dn, ndn: e.ndn}
	c.attrs = e.public().Attributes
	return c
}

func (e *entry) set(name string, values ...string) {
	x := &directory.Entry{Attributes: e.attrs}
	x.Set(name, values...)
	e.attrs = x.Attributes
}

func (e *entry) hasOC(oc string) bool {
	for _, v := range e.get("objectClass") {
		if strings.EqualFold(v, oc) {
			return true
		}
	}
	return false
}

// Attributes the server indexes for equality (and the sandbox uses for candidates).
var indexedAttrs = map[string]bool{"uid": true, "cn": true, "fqdn": true, "ipauniqueid": true,
	"uidnumber": true, "gidnumber": true, "krbprincipalname": true, "objectclass": false}

// rangeIndexed are the attributes the live test directory (testdata/ds/up: 389-ds 2.3.1
// with FreeIPA's indexes) indexes for equality with no ordering matching rule
// (nsMatchingRule) on the index: a >= or <= filter on them is resolved by a range read of
// string-sorted index keys (see matcher.orderMatch). Only the integer-syntax ones behave
// differently from a plain compare; the string ones are listed for completeness.
var rangeIndexed = map[string]bool{"uidnumber": true, "gidnumber": true, "cn": true, "uid": true, "fqdn": true,
	"givenname": true, "sn": true, "mail": true, "telephonenumber": true, "ipauniqueid": true,
	"krbprincipalname": true, "krbcanonicalname": true, "memberuid": true}

// groupingAttrs are the memberOf plugin's memberofgroupattr values.
var groupingAttrs = []string{"member", "memberUser", "memberHost"}

// referintAttrs are the referential integrity plugin's membership attributes.
var referintAttrs = []string{"member", "uniqueMember", "owner", "seeAlso", "memberUser", "memberHost",
	"memberService", "memberAllowCmd", "memberDenyCmd", "ipaSudoRunAs", "ipaSudoRunAsGroup",
	"memberManager", "managedBy"}

func isIn(list []string, a string) bool {
	for _, x := range list {
		if strings.EqualFold(x, a) {
			return true
		}
	}
	return false
}

// Dir is an LDIF-file directory. It implements directory.Client and directory.Identifier.
type Dir struct {
	path   string
	mu     sync.Mutex
	schema *schema.Schema
	m      matcher

	entries map[string]*entry
	roots   map[string]*entry
	suffix  string
	nextID  int64
	// index: attr → normalized value → ndn set
	index map[string]map[string]map[string]struct{}
	// refs: target ndn → source ndn set (any referint or grouping attribute)
	refs map[string]map[string]struct{}
	// dnaNext is the next DNA value to try (kept as a comment line in the file).
	dnaNext int64

	tasks map[string]*entry

	stat fileStamp
	txn  *txn
	// inTxn is set during Transaction: writes stay in memory (dirty says some were
	// made) and the file lock is already held.
	inTxn, dirty bool
}

type fileStamp struct {
	size  int64
	mtime time.Time
	ino   uint64
}

func stampOf(fi os.FileInfo) fileStamp {
	s := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino = st.Ino
	}
	return s
}

var _ directory.Client = (*Dir)(nil)
var _ directory.Identifier = (*Dir)(nil)

// Open loads the sandbox file at path.
func Open(path string) (*Dir, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	s, err := schema.Default()
	if err != nil {
		return nil, fmt.Errorf("load schema: %w", err)
	}
	d := &Dir{path: abs, schema: s, m: matcher{s}, tasks: map[string]*entry{}}
	if err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dir) reset() {
	d.entries = map[string]*entry{}
	d.roots = map[string]*entry{}
	d.index = map[string]map[string]map[string]struct{}{}
	d.refs = map[string]map[string]struct{}{}
	d.nextID = 0
	d.dnaNext = 0
	d.suffix = ""
}

const dnaComment = "# accessctl-sandbox dnaNextValue: "

func (d *Dir) load() error {
	f, err := inputfile.Open(d.path, inputfile.Sandbox)
	if err != nil {
		return err
	}
	defer f.Close()
	fi := f.Info()
	d.reset()
	var pending []*entry
	err = readLDIF(f, func(e *directory.Entry, comments []string) error {
		for _, c := range comments {
			if strings.HasPrefix(c, dnaComment) {
				d.dnaNext, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(c, dnaComment)), 10, 64)
			}
		}
		ne := &entry{dn: e.DN, ndn: directory.NormalizeDN(e.DN), attrs: e.Attributes}
		if _, dup := d.entries[ne.ndn]; dup {
			return fmt.Errorf("duplicate entry %s", e.DN)
		}
		d.nextID++
		ne.id = d.nextID
		d.entries[ne.ndn] = ne
		pending = append(pending, ne)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read sandbox %s: %w", d.path, err)
	}
	for _, e := range pending {
		d.link(e)
		d.indexEntry(e, true)
		if d.suffix == "" || len(e.ndn) < len(directory.NormalizeDN(d.suffix)) {
			d.suffix = e.dn
		}
	}
	d.stat = stampOf(fi)
	return nil
}

func (d *Dir) link(e *entry) {
	if p, ok := d.entries[directory.Parent(e.ndn)]; ok {
		if p.children == nil {
			p.children = map[string]*entry{}
		}
		p.children[e.ndn] = e
	} else {
		d.roots[e.ndn] = e
	}
}

func (d *Dir) unlink(e *entry) {
	if p, ok := d.entries[directory.Parent(e.ndn)]; ok && p.children != nil {
		delete(p.children, e.ndn)
	}
	delete(d.roots, e.ndn)
}

func (d *Dir) indexEntry(e *entry, add bool) {
	for _, a := range e.attrs {
		la := strings.ToLower(a.Name)
		if indexedAttrs[la] {
			m := d.index[la]
			if m == nil {
				m = map[string]map[string]struct{}{}
				d.index[la] = m
			}
			for _, v := range a.Values {
				nv := d.m.norm(la, v)
				if add {
					if m[nv] == nil {
						m[nv] = map[string]struct{}{}
					}
					m[nv][e.ndn] = struct{}{}
				} else if m[nv] != nil {
					delete(m[nv], e.ndn)
					if len(m[nv]) == 0 {
						delete(m, nv)
					}
				}
			}
		}
		if isIn(referintAttrs, a.Name) {
			for _, v := range a.Values {
				t := directory.NormalizeDN(v)
				if add {
					if d.refs[t] == nil {
						d.refs[t] = map[string]struct{}{}
					}
					d.refs[t][e.ndn] = struct{}{}
				} else if d.refs[t] != nil {
					delete(d.refs[t], e.ndn)
					if len(d.refs[t]) == 0 {
						delete(d.refs, t)
					}
				}
			}
		}
	}
}

// txn records before-images so a failed operation leaves the directory as it was.
type txn struct {
	before  map[string]*entry // nil value: did not exist
	order   []string
	dnaNext int64
	changed map[string]bool // groups whose grouping attributes changed (old and new ndn)
}

func (d *Dir) begin() {
	d.txn = &txn{before: map[string]*entry{}, dnaNext: d.dnaNext, changed: map[string]bool{}}
}

func (d *Dir) remember(ndn string) {
	if d.txn == nil {
		return
	}
	if _, ok := d.txn.before[ndn]; ok {
		return
	}
	if e, ok := d.entries[ndn]; ok {
		d.txn.before[ndn] = e.clone()
	} else {
		d.txn.before[ndn] = nil
	}
	d.txn.order = append(d.txn.order, ndn)
}

func (d *Dir) rollback() {
	t := d.txn
	d.txn = nil
	for i := len(t.order) - 1; i >= 0; i-- {
		ndn := t.order[i]
		if cur, ok := d.entries[ndn]; ok {
			d.removeRaw(cur)
		}
	}
	for _, ndn := range t.order {
		if b := t.before[ndn]; b != nil {
			d.insertRaw(b)
		}
	}
	d.dnaNext = t.dnaNext
}

// put stores e (new or replacing the entry of the same ndn).
func (d *Dir) put(e *entry) {
	d.remember(e.ndn)
	old := d.entries[e.ndn]
	if old != nil {
		d.markGroupChange(old, e)
		d.indexEntry(old, false)
		e.children = old.children
		e.id = old.id
		d.entries[e.ndn] = e
		if p, ok := d.entries[directory.Parent(e.ndn)]; ok && p.children != nil {
			p.children[e.ndn] = e
		} else if _, ok := d.roots[e.ndn]; ok {
			d.roots[e.ndn] = e
		}
		d.indexEntry(e, true)
		return
	}
	d.markGroupChange(nil, e)
	if e.id == 0 {
		d.nextID++
		e.id = d.nextID
	}
	d.insertRaw(e)
}

func (d *Dir) insertRaw(e *entry) {
	d.entries[e.ndn] = e
	// adopt children already present (rollback order)
	for ndn, c := range d.roots {
		if directory.Parent(ndn) == e.ndn {
			delete(d.roots, ndn)
			if e.children == nil {
				e.children = map[string]*entry{}
			}
			e.children[ndn] = c
		}
	}
	d.link(e)
	d.indexEntry(e, true)
}

func (d *Dir) removeRaw(e *entry) {
	d.indexEntry(e, false)
	d.unlink(e)
	delete(d.entries, e.ndn)
	for ndn, c := range e.children {
		d.roots[ndn] = c
	}
	e.children = nil
}

func (d *Dir) remove(e *entry) {
	d.remember(e.ndn)
	d.markGroupChange(e, nil)
	d.removeRaw(e)
}

func (d *Dir) markGroupChange(old, nw *entry) {
	if d.txn == nil {
		return
	}
	sig := func(e *entry) string {
		if e == nil {
			return ""
		}
		var b strings.Builder
		for _, a := range groupingAttrs {
			for _, v := range e.get(a) {
				b.WriteString(directory.NormalizeDN(v))
				b.WriteByte(0)
			}
		}
		return b.String()
	}
	if sig(old) != sig(nw) || (old == nil) != (nw == nil) && sig(old)+sig(nw) != "" {
		if old != nil {
			d.txn.changed[old.ndn] = true
		}
		if nw != nil {
			d.txn.changed[nw.ndn] = true
		}
	}
}

// Suffix implements directory.Client.
func (d *Dir) Suffix() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.suffix
}

// Describe implements directory.Client.
func (d *Dir) Describe() string { return "sandbox " + d.path }

// Path returns the sandbox file's path.
func (d *Dir) Path() string { return d.path }

// Close implements directory.Client.
func (d *Dir) Close() error { return nil }

// WhoAmI returns the sandbox's admin user.
func (d *Dir) WhoAmI(ctx context.Context) (string, error) {
	return "uid=admin," + directory.In(directory.Users, d.Suffix()), nil
}

// refresh reloads the file when another process changed it.
func (d *Dir) refresh() error {
	fi, err := os.Stat(d.path)
	if err != nil {
		return fmt.Errorf("stat sandbox: %w", err)
	}
	if stampOf(fi) != d.stat {
		return d.load()
	}
	return nil
}

// Search implements directory.Client.
func (d *Dir) Search(ctx context.Context, req directory.SearchRequest) ([]*directory.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.refresh(); err != nil {
		return nil, err
	}
	f, err := compileSearchFilter(req.Filter)
	if err != nil {
		// One line whatever the filter holds: the parser's message may end in the rest of it.
		return nil, directory.Errorf(directory.CodeProtocolError, "search", req.BaseDN, "bad filter %q: %s", req.Filter, strings.Join(strings.Fields(err.Error()), " "))
	}
	nbase := directory.NormalizeDN(req.BaseDN)
	var found []*entry
	if directory.IsUnder(nbase, "cn=tasks,cn=config") {
		found = d.searchTasks(nbase, req.Scope, f)
	} else {
		found, err = d.searchEntries(nbase, req.Scope, f)
		if err != nil {
			return nil, err
		}
	}
	var out []*directory.Entry
	for _, e := range found {
		if req.SizeLimit > 0 && len(out) >= req.SizeLimit {
			return out, directory.Errorf(directory.CodeSizeLimitExceeded, "search", req.BaseDN, "size limit %d exceeded", req.SizeLimit)
		}
		out = append(out, d.project(e, req.Attributes))
	}
	return out, nil
}

func (d *Dir) searchEntries(nbase string, scope directory.Scope, f *filter) ([]*entry, error) {
	base, ok := d.entries[nbase]
	if !ok {
		return nil, directory.Errorf(directory.CodeNoSuchObject, "search", nbase, "no such object")
	}
	inScope := func(e *entry) bool {
		switch scope {
		case directory.ScopeBase:
			return e.ndn == nbase
		case directory.ScopeOne:
			return directory.Parent(e.ndn) == nbase
		default:
			return e.ndn == nbase || strings.HasSuffix(e.ndn, ","+nbase)
		}
	}
	var found []*entry
	if scope == directory.ScopeBase {
		if d.m.match(f.p, base) {
			found = append(found, base)
		}
		return found, nil
	}
	if a, v, ok := indexHint(f.p, indexedAttrs); ok {
		for ndn := range d.index[a][d.m.norm(a, v)] {
			e := d.entries[ndn]
			if e != nil && inScope(e) && d.m.match(f.p, e) {
				found = append(found, e)
			}
		}
	} else if scope == directory.ScopeOne {
		for _, e := range base.children {
			if d.m.match(f.p, e) {
				found = append(found, e)
			}
		}
	} else {
		var walk func(e *entry)
		walk = func(e *entry) {
			if d.m.match(f.p, e) {
				found = append(found, e)
			}
			for _, c := range e.children {
				walk(c)
			}
		}
		walk(base)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].id < found[j].id })
	return found, nil
}

// project returns a copy of e with the requested attributes: nil or "*" = all user
// attributes, "+" = all operational ones, "1.1" = none.
func (d *Dir) project(e *entry, want []string) *directory.Entry {
	out := &directory.Entry{DN: e.dn}
	all, ops := len(want) == 0, false
	named := map[string]bool{}
	for _, w := range want {
		switch w {
		case "*":
			all = true
		case "+":
			ops = true
		default:
			named[strings.ToLower(w)] = true
		}
	}
	for _, a := range e.attrs {
		ln := strings.ToLower(a.Name)
		op := false
		if at := d.schema.Attr(a.Name); at != nil {
			op = at.Operational()
		}
		if named[ln] || (all && !op) || (ops && op) {
			out.Attributes = append(out.Attributes, directory.Attribute{Name: a.Name, Values: append([]string(nil), a.Values...)})
		}
	}
	return out
}

// mutate runs one write operation under the file lock: re-read the file if another
// process changed it, apply fn, write the file atomically; on error nothing changes.
// Inside a Transaction the lock is held already and the file is written at its end.
func (d *Dir) mutate(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inTxn {
		changed, err := d.apply(fn)
		d.dirty = d.dirty || changed
		return err
	}
	unlock, err := d.lockFile()
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.refresh(); err != nil {
		return err
	}
	changed, err := d.apply(fn)
	if err != nil || !changed {
		return err
	}
	if err := d.save(); err != nil {
		// the file still holds the old state: reload it
		_ = d.load()
		return err
	}
	return nil
}

// apply runs one operation in memory with its plugins (memberOf last); on error it
// undoes it. changed reports whether anything is left to write.
func (d *Dir) apply(fn func() error) (changed bool, err error) {
	d.begin()
	if err := fn(); err != nil {
		d.rollback()
		return false, err
	}
	if err := d.fixMemberOf(); err != nil {
		d.rollback()
		return false, err
	}
	changed = len(d.txn.order) > 0 || d.txn.dnaNext != d.dnaNext
	d.txn = nil
	return changed, nil
}

// lockFile takes the exclusive lock other accessctl processes respect.
func (d *Dir) lockFile() (unlock func(), err error) {
	lp, err := d.lockPath()
	if err != nil {
		return nil, fmt.Errorf("lock sandbox: %w", err)
	}
	lock, err := os.OpenFile(lp, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock sandbox: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		return nil, fmt.Errorf("lock sandbox: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		lock.Close()
	}, nil
}

// Transaction implements directory.Transactor: the writes fn makes are kept in memory,
// under the file lock, and written to the file once if fn succeeds. If fn fails (or the
// process dies) the file is as before, and so is the directory in memory.
func (d *Dir) Transaction(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	if d.inTxn { // nested: part of the outer one
		d.mu.Unlock()
		return fn()
	}
	unlock, err := d.lockFile()
	if err != nil {
		d.mu.Unlock()
		return err
	}
	defer unlock()
	if err := d.refresh(); err != nil {
		d.mu.Unlock()
		return err
	}
	d.inTxn, d.dirty = true, false
	d.mu.Unlock()

	err = fn()

	d.mu.Lock()
	defer d.mu.Unlock()
	dirty := d.dirty
	d.inTxn, d.dirty = false, false
	if !dirty {
		return err
	}
	if err == nil {
		if err = d.save(); err == nil {
			return nil
		}
	}
	// Back to the file, which still holds the state before fn.
	if lerr := d.load(); lerr != nil {
		return fmt.Errorf("%w (and re-reading the sandbox failed: %v)", err, lerr)
	}
	return err
}

// ordered returns the stored entries parents first, siblings in creation order.
func (d *Dir) ordered() []*entry {
	var out []*entry
	var walk func(list map[string]*entry)
	walk = func(list map[string]*entry) {
		es := make([]*entry, 0, len(list))
		for _, e := range list {
			es = append(es, e)
		}
		sort.Slice(es, func(i, j int) bool { return es[i].id < es[j].id })
		for _, e := range es {
			out = append(out, e)
			walk(e.children)
		}
	}
	walk(d.roots)
	return out
}

func (d *Dir) save() error {
	var buf bytes.Buffer
	if d.dnaNext > 0 {
		fmt.Fprintf(&buf, "%s%d\n", dnaComment, d.dnaNext)
	}
	es := d.ordered()
	pub := make([]*directory.Entry, len(es))
	for i, e := range es {
		pub[i] = &directory.Entry{DN: e.dn, Attributes: e.attrs}
	}
	if err := WriteLDIF(&buf, pub); err != nil {
		return err
	}
	return d.writeFile(buf.Bytes())
}

// writeFile replaces the sandbox file atomically: through a symbolic link to its target,
// whose mode is kept (a new file gets 0600); never over a device, FIFO or directory.
func (d *Dir) writeFile(data []byte) error {
	if _, err := atomicfile.Write(d.path, atomicfile.Options{Perm: 0o600, KeepMode: true}, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return fmt.Errorf("write sandbox: %w", err)
	}
	fi, err := os.Stat(d.path)
	if err != nil {
		return err
	}
	d.stat = stampOf(fi)
	return nil
}

// lockPath is the lock file beside the sandbox's real file, so that every name of one
// file (symbolic links included) takes the same lock.
func (d *Dir) lockPath() (string, error) {
	target, _, _, err := atomicfile.Resolve(d.path)
	if err != nil {
		return "", err
	}
	return target + ".lock", nil
}

// Entries returns a copy of every stored entry, parents first.
func (d *Dir) Entries() []*directory.Entry {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*directory.Entry
	for _, e := range d.ordered() {
		out = append(out, e.public())
	}
	return out
}

// WriteLDIF writes the stored entries as LDIF.
func (d *Dir) WriteLDIF(w io.Writer) error { return WriteLDIF(w, d.Entries()) }
