package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unique"

	"github.com/go-ldap/ldap/v3"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir/wire"
)

// compatTrees are FreeIPA's generated compatibility trees, skipped by suffix searches.
var compatTrees = []string{"cn=compat", "ou=sudoers"}

func scopeOf(s directory.Scope) int {
	switch s {
	case directory.ScopeBase:
		return ldap.ScopeBaseObject
	case directory.ScopeOne:
		return ldap.ScopeSingleLevel
	default:
		return ldap.ScopeWholeSubtree
	}
}

// Search runs a paged search (RFC 2696) and returns the entries in server order. Entries of
// cn=compat and ou=sudoers are skipped unless the base lies inside those trees.
func (c *Client) Search(ctx context.Context, req directory.SearchRequest) ([]*directory.Entry, error) {
	return c.search(ctx, req, true)
}

func (c *Client) search(ctx context.Context, req directory.SearchRequest, paged bool) ([]*directory.Entry, error) {
	filter := req.Filter
	if filter == "" {
		filter = "(objectClass=*)"
	}
	var skip []string
	if c.suffix != "" && req.Scope != directory.ScopeBase {
		for _, t := range compatTrees {
			tree := t + "," + c.suffix
			if !directory.IsUnder(req.BaseDN, tree) {
				skip = append(skip, tree)
			}
		}
	}
	if req.Scope == directory.ScopeBase {
		paged = false
	}
	var out []*directory.Entry
	pages := 0
	start := time.Now()
	// One decoder per search: the pages share one copy of each repeated value, and the
	// table goes with the result.
	dec := wire.NewDecoder(internedAttributes...)
	err := c.run(ctx, "search", req.BaseDN, func() error {
		out, pages = out[:0], 0 // a retried search starts over
		dec.SetLimits(c.maxEnt, c.maxBytes)
		sr := ldap.NewSearchRequest(req.BaseDN, scopeOf(req.Scope), ldap.NeverDerefAliases, req.SizeLimit, 0, false,
			filter, req.Attributes, nil)
		var paging *ldap.ControlPaging
		if paged {
			paging = ldap.NewControlPaging(uint32(c.page))
		}
		for {
			if paging != nil {
				sr.Controls = []ldap.Control{paging}
			}
			capt := c.tap.arm(dec)
			res, err := c.conn.Search(sr)
			got, derr := c.tap.finish(capt)
			c.ops.Add(1)
			pages++
			for _, e := range got {
				if !skipped(e.DN, skip) {
					out = append(out, e)
				}
			}
			directory.ReportProgress(ctx, len(out))
			if le := (*wire.LimitError)(nil); errors.As(derr, &le) {
				return &directory.Error{Code: directory.CodeOther, Op: "search", DN: req.BaseDN, Err: derr,
					Message: le.Error() + " (the cap set by " + limitKey(le) + "): narrow the search or raise the cap"}
			}
			if derr != nil {
				err = derr // before any size-limit leniency below: entries are missing
			}
			if res != nil { // entries the tap did not take (none, normally)
				for _, e := range res.Entries {
					if skipped(e.DN, skip) {
						continue
					}
					out = append(out, toEntry(e))
				}
			}
			if err != nil {
				if req.SizeLimit > 0 && ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
					return nil
				}
				return err
			}
			if paging == nil {
				return nil
			}
			var cookie []byte
			if ctl, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging); ok && ctl != nil {
				cookie = ctl.Cookie
			}
			if len(cookie) == 0 {
				return nil
			}
			if req.SizeLimit > 0 && len(out) >= req.SizeLimit {
				// Release the server's paging state.
				paging.PagingSize = 0
				paging.SetCookie(cookie)
				sr.Controls = []ldap.Control{paging}
				_, _ = c.conn.Search(sr)
				c.ops.Add(1)
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			paging.SetCookie(cookie)
		}
	})
	c.debugf("search base=%q scope=%s filter=%s attrs=%v: %d entries, %d page(s), %s", req.BaseDN, req.Scope, filter,
		req.Attributes, len(out), pages, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return nil, err
	}
	if paged && len(out) == 0 && req.BaseDN != "" {
		// 389-ds answers a paged search of a missing base with success and no entries;
		// a base-scope read gives the no-such-object the caller expects.
		if _, err := c.search(ctx, directory.SearchRequest{BaseDN: req.BaseDN, Scope: directory.ScopeBase,
			Filter: "(objectClass=*)", Attributes: []string{"1.1"}}, false); directory.IsNotFound(err) {
			return nil, err
		}
	}
	if req.SizeLimit > 0 && len(out) > req.SizeLimit {
		out = out[:req.SizeLimit]
	}
	return out, nil
}

// limitKey names the setting of the cap a search exceeded.
func limitKey(le *wire.LimitError) string {
	if le.Entries {
		return "search-max-entries"
	}
	return "search-max-bytes"
}

func skipped(dn string, trees []string) bool {
	for _, t := range trees {
		if directory.IsUnder(dn, t) {
			return true
		}
	}
	return false
}

func toEntry(e *ldap.Entry) *directory.Entry {
	out := &directory.Entry{DN: e.DN, Attributes: make([]directory.Attribute, 0, len(e.Attributes))}
	for _, a := range e.Attributes {
		vals := a.Values
		if interned[strings.ToLower(a.Name)] {
			vals = make([]string, len(a.Values))
			for i, v := range a.Values {
				vals[i] = unique.Make(v).Value()
			}
		}
		out.Attributes = append(out.Attributes, directory.Attribute{Name: unique.Make(a.Name).Value(), Values: vals})
	}
	return out
}

// internedAttributes are the attributes whose values repeat across a whole directory
// (object classes, the groups and rules every user and host points at): one copy of
// each value keeps a 90,000-entry read in far less memory.
var internedAttributes = []string{"objectClass", "memberOf", "memberUser", "memberHost",
	"loginShell", "gidNumber", "ipaEnabledFlag", "nsAccountLock"}

var interned = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range internedAttributes {
		m[strings.ToLower(a)] = true
	}
	return m
}()

// Add creates the entry. When its RDN is ipaUniqueID=autogenerate the server stores it
// under a generated value; Add then finds the new entry by its cn under the parent and
// returns the DN it was stored under.
func (c *Client) Add(ctx context.Context, e *directory.Entry) (string, error) {
	start := time.Now()
	err := c.run(ctx, "add", e.DN, func() error {
		req := ldap.NewAddRequest(e.DN, nil)
		for _, a := range e.Attributes {
			req.Attribute(a.Name, a.Values)
		}
		c.ops.Add(1)
		return c.conn.Add(req)
	})
	c.debugf("add %s: %v (%s)", e.DN, errText(err), time.Since(start).Round(time.Millisecond))
	if err != nil {
		return "", err
	}
	if !isAutogenerateRDN(e.DN) || directory.StoredDNDeferred(ctx) {
		return e.DN, nil
	}
	cn := e.First("cn")
	if cn == "" {
		return "", &directory.Error{Code: directory.CodeOther, Op: "add", DN: e.DN, Message: "added, but the entry has no cn to find its generated DN by"}
	}
	parent := directory.Parent(e.DN)
	found, err := c.search(ctx, directory.SearchRequest{BaseDN: parent, Scope: directory.ScopeOne,
		Filter: "(cn=" + ldap.EscapeFilter(cn) + ")", Attributes: []string{"1.1"}}, false)
	if err != nil {
		return "", fmt.Errorf("find the generated DN of %s: %w", e.DN, err)
	}
	if len(found) != 1 {
		return "", &directory.Error{Code: directory.CodeOther, Op: "add", DN: e.DN,
			Message: fmt.Sprintf("added, but %d entries named cn=%s under %s", len(found), cn, parent)}
	}
	return found[0].DN, nil
}

func isAutogenerateRDN(dn string) bool {
	rdn, _, _ := strings.Cut(dn, ",")
	k, v, ok := strings.Cut(rdn, "=")
	return ok && strings.EqualFold(strings.TrimSpace(k), "ipaUniqueID") && strings.EqualFold(strings.TrimSpace(v), "autogenerate")
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// Modify applies mods in one modify operation. No mods sends nothing.
func (c *Client) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	if len(mods) == 0 {
		return nil
	}
	start := time.Now()
	err := c.run(ctx, "modify", dn, func() error {
		req := ldap.NewModifyRequest(dn, nil)
		for _, m := range mods {
			switch m.Op {
			case directory.ModAdd:
				req.Add(m.Attr, m.Values)
			case directory.ModDelete:
				req.Delete(m.Attr, m.Values)
			default:
				req.Replace(m.Attr, m.Values)
			}
		}
		c.ops.Add(1)
		return c.conn.Modify(req)
	})
	c.debugf("modify %s (%d changes): %s (%s)", dn, len(mods), errText(err), time.Since(start).Round(time.Millisecond))
	return err
}

// Delete removes one entry.
func (c *Client) Delete(ctx context.Context, dn string) error {
	start := time.Now()
	err := c.run(ctx, "delete", dn, func() error {
		c.ops.Add(1)
		return c.conn.Del(ldap.NewDelRequest(dn, nil))
	})
	c.debugf("delete %s: %s (%s)", dn, errText(err), time.Since(start).Round(time.Millisecond))
	return err
}

// Rename changes the RDN (deleting the old value) and optionally moves the entry.
func (c *Client) Rename(ctx context.Context, dn, newRDN, newSuperior string) error {
	start := time.Now()
	err := c.run(ctx, "rename", dn, func() error {
		c.ops.Add(1)
		return c.conn.ModifyDN(ldap.NewModifyDNRequest(dn, newRDN, true, newSuperior))
	})
	c.debugf("rename %s to %s under %q: %s (%s)", dn, newRDN, newSuperior, errText(err), time.Since(start).Round(time.Millisecond))
	return err
}

// WhoAmI asks the server who the client is bound as (RFC 4532) and returns the DN, or ""
// when anonymous.
func (c *Client) WhoAmI(ctx context.Context) (string, error) {
	var id string
	err := c.run(ctx, "whoami", "", func() error {
		c.ops.Add(1)
		res, err := c.conn.WhoAmI(nil)
		if err != nil {
			return err
		}
		id = res.AuthzID
		return nil
	})
	if err != nil {
		return "", err
	}
	id = strings.TrimSpace(id)
	if rest, ok := strings.CutPrefix(id, "dn:"); ok {
		return strings.TrimSpace(rest), nil
	}
	return id, nil
}
