package site

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// ExportOptions choose what an export holds.
type ExportOptions struct {
	Realm string
	// Clusters limits the clusters to these base names (all when empty).
	Clusters []string
	// Users adds users[]; Names gives each login's first and last name (read apart: the
	// snapshot does not hold them).
	Users bool
	Names map[string][2]string
}

// Left is an object an export leaves out, with the finding that explains why.
type Left struct {
	Object  string        `json:"object" yaml:"object"`
	Finding audit.Finding `json:"finding" yaml:"finding"`
}

// NotFoundError: --cluster named a cluster the directory does not have (bad input).
type NotFoundError struct{ Cluster string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("cluster %q not found", e.Cluster) }

// Exported is the directory's state as the conventions see it.
type Exported struct {
	Doc  Document
	Left []Left
}

// Export reads the Site document out of one snapshot (no directory access). Objects that
// do not follow the conventions are left out, each with the audit finding that says why:
// the audit is the one judge of conformance.
func Export(snap *access.Snapshot, conv *siteconv.Conventions, o ExportOptions) (*Exported, error) {
	rep, err := audit.Run(snap, conv)
	if err != nil {
		return nil, err
	}
	findings := map[string][]audit.Finding{}
	for _, f := range rep.Findings {
		for _, obj := range f.Objects {
			findings[strings.ToLower(obj)] = append(findings[strings.ToLower(obj)], f)
		}
	}
	x := &exporter{snap: snap, conv: conv, findings: findings, out: &Exported{}}
	x.out.Doc = Document{APIVersion: APIVersion, Kind: Kind, Site: Ref{Suffix: snap.Suffix, Realm: o.Realm}}
	if err := x.clusters(o.Clusters); err != nil {
		return nil, err
	}
	if len(o.Clusters) == 0 {
		x.roles()
		x.services()
		if o.Users {
			x.users(o.Names)
		}
	}
	return x.out, nil
}

type exporter struct {
	snap     *access.Snapshot
	conv     *siteconv.Conventions
	findings map[string][]audit.Finding
	out      *Exported
}

// conforms reports whether no finding names any of objs; otherwise it records them.
func (x *exporter) conforms(what string, objs ...string) bool {
	ok := true
	for _, obj := range objs {
		for _, f := range x.findings[strings.ToLower(obj)] {
			x.out.Left = append(x.out.Left, Left{Object: what, Finding: f})
			ok = false
		}
	}
	return ok
}

// principals splits member DNs into user logins and group names (sorted); other
// members (hosts, services) are not people and are not listed.
func (x *exporter) principals(dns []string) Principals {
	p := Principals{Users: []string{}, Groups: []string{}}
	for _, dn := range dns {
		if u := x.snap.UserByDN(dn); u != nil {
			p.Users = append(p.Users, u.UID)
		} else if g := x.snap.GroupByDN(dn); g != nil {
			p.Groups = append(p.Groups, g.Name)
		}
	}
	sort.Strings(p.Users)
	sort.Strings(p.Groups)
	return p
}

func (x *exporter) clusters(only []string) error {
	// Each cluster's state is built from its own few entries (by cn) plus the ID ranges,
	// not from the whole snapshot, so a site of a thousand clusters stays linear.
	byCN := map[string][]*directory.Entry{}
	var ranges, candidates []*directory.Entry
	rangesC := directory.In(directory.Ranges, x.snap.Suffix)
	for _, e := range x.snap.Entries {
		if e.HasObjectClass("posixAccount") || e.HasObjectClass("ipahost") || len(e.Get("nsds5ReplConflict")) > 0 {
			continue
		}
		candidates = append(candidates, e)
		if directory.EqualDN(directory.Parent(e.DN), rangesC) {
			ranges = append(ranges, e)
			continue
		}
		cn := strings.ToLower(e.First("cn"))
		byCN[cn] = append(byCN[cn], e)
	}
	all := &cluster.Snapshot{Suffix: x.snap.Suffix, Entries: candidates}
	bases := all.Bases(x.conv)
	if len(only) > 0 {
		have := map[string]bool{}
		for _, b := range bases {
			have[b] = true
		}
		for _, b := range only {
			if !have[b] {
				return &NotFoundError{Cluster: b}
			}
		}
		bases = only
	}
	for _, base := range bases {
		n := x.conv.ClusterNames(base)
		sub := append([]*directory.Entry(nil), ranges...)
		for _, name := range []string{n.Group, n.SudoGroup, n.Hostgroup, n.HBACRule, n.SudoRule} {
			sub = append(sub, byCN[strings.ToLower(name)]...)
		}
		st := (&cluster.Snapshot{Suffix: x.snap.Suffix, Entries: sub}).State(x.conv, base)
		what := "cluster " + base
		if !x.conforms(what, "cluster:"+base) || !st.Complete() {
			continue
		}
		desc, _ := st.DescriptionBase(x.conv)
		c := Cluster{Name: base, Description: desc, HostRegexes: []string{},
			Members: x.principals(st.Group.Get("member")), Sudo: x.principals(st.SudoGroup.Get("member")),
			MemberManagers: x.principals(append(st.Group.Get("memberManager"), st.SudoGroup.Get("memberManager")...))}
		c.MemberManagers.Users = unique(c.MemberManagers.Users)
		c.MemberManagers.Groups = unique(c.MemberManagers.Groups)
		if st.Automember != nil {
			rule := cluster.RuleOf(st.Automember)
			if len(rule.Exclusive) > 0 || len(rule.Inclusive) != len(st.Automember.Get("automemberInclusiveRegex")) {
				x.out.Left = append(x.out.Left, Left{Object: what, Finding: audit.Finding{ID: "site-automember", Severity: audit.Info,
					Message: fmt.Sprintf("automember rule %s has exclusive or unparsable conditions, which a Site file cannot express", n.Hostgroup),
					Objects: []string{"automember:" + n.Hostgroup}}})
				continue
			}
			for _, cnd := range rule.Inclusive {
				if !strings.EqualFold(cnd.Attr, x.conv.Automember.Key) {
					x.out.Left = append(x.out.Left, Left{Object: what, Finding: audit.Finding{ID: "site-automember", Severity: audit.Info,
						Message: fmt.Sprintf("automember rule %s has a condition on %s, not %s, which a Site file cannot express", n.Hostgroup, cnd.Attr, x.conv.Automember.Key),
						Objects: []string{"automember:" + n.Hostgroup}}})
					c.HostRegexes = nil
					break
				}
				c.HostRegexes = append(c.HostRegexes, cnd.Regex)
			}
			if c.HostRegexes == nil {
				continue
			}
		}
		x.out.Doc.Clusters = append(x.out.Doc.Clusters, c)
	}
	return nil
}

func unique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// roles: a role is a user that a sudoto rule (named by the conventions from a hostgroup
// and the role) runs as; its holders are the direct members of the sudoto group.
func (x *exporter) roles() {
	groups := map[string]*access.Group{}
	for _, g := range x.snap.Groups {
		groups[strings.ToLower(g.Name)] = g
	}
	byRole := map[string]*Role{}
	var rules = map[string][]string{}
	for _, r := range x.snap.Sudo {
		for _, ra := range r.Entry.Get("ipaSudoRunAs") {
			u := x.snap.UserByDN(ra)
			if u == nil {
				continue
			}
			for _, h := range r.Entry.Get("memberHost") {
				hg := directory.RDNValue(h)
				sg, rule := x.conv.SudotoNames(hg, u.UID)
				if !strings.EqualFold(rule, r.Name) {
					continue
				}
				role := byRole[u.UID]
				if role == nil {
					role = &Role{Name: u.UID, Sudo: []RoleSudo{}}
					role.UID, _ = strconv.Atoi(u.Entry.First("uidNumber"))
					for _, rg := range x.conv.IDs.Ranges {
						if role.UID >= rg.Min && role.UID <= rg.Max {
							role.Range = rg.Name
						}
					}
					byRole[u.UID] = role
				}
				rules[u.UID] = append(rules[u.UID], "sudorule:"+r.Name)
				holders := Principals{Users: []string{}, Groups: []string{}}
				if g := groups[strings.ToLower(sg)]; g != nil {
					holders = x.principals(g.Entry.Get("member"))
				}
				role.Sudo = append(role.Sudo, RoleSudo{Hostgroup: hg, Holders: holders})
			}
		}
	}
	var logins []string
	for l := range byRole {
		logins = append(logins, l)
	}
	sort.Strings(logins)
	for _, l := range logins {
		r := byRole[l]
		if !x.conforms("role "+l, append([]string{"user:" + l}, rules[l]...)...) {
			continue
		}
		sort.Slice(r.Sudo, func(i, j int) bool { return r.Sudo[i].Hostgroup < r.Sudo[j].Hostgroup })
		x.out.Doc.Roles = append(x.out.Doc.Roles, *r)
	}
}

// services: the bind DNs under cn=sysaccounts,cn=etc (never their passwords).
func (x *exporter) services() {
	c := directory.In(directory.SysAccounts, x.snap.Suffix)
	for _, e := range x.snap.Entries {
		if !directory.EqualDN(directory.Parent(e.DN), c) || len(e.Get("nsds5ReplConflict")) > 0 {
			continue
		}
		name := directory.RDNValue(e.DN)
		if !x.conforms("service "+name, "binddn:"+name) {
			continue
		}
		x.out.Doc.Services = append(x.out.Doc.Services, Service{Name: name, Description: e.First("description")})
	}
	sort.Slice(x.out.Doc.Services, func(i, j int) bool { return x.out.Doc.Services[i].Name < x.out.Doc.Services[j].Name })
}

// users: every user that is not a role account, active or offboarded (disabled).
func (x *exporter) users(names map[string][2]string) {
	roles := map[string]bool{}
	for _, r := range x.out.Doc.Roles {
		roles[r.Name] = true
	}
	for _, u := range x.snap.Users {
		if roles[u.UID] || !x.conforms("user "+u.UID, "user:"+u.UID) {
			continue
		}
		state := StateActive
		if u.Disabled {
			state = StateOffboarded
		}
		nm := names[strings.ToLower(u.UID)]
		x.out.Doc.Users = append(x.out.Doc.Users, User{Login: u.UID, First: nm[0], Last: nm[1], State: state})
	}
}

// Realm is the configured realm, or else the one FreeIPA derives from the suffix
// (dc=lsst,dc=cloud → LSST.CLOUD).
func Realm(configured, suffix string) string {
	if configured != "" {
		return configured
	}
	var parts []string
	for _, rdn := range strings.Split(suffix, ",") {
		if k, v, ok := strings.Cut(rdn, "="); ok && strings.EqualFold(strings.TrimSpace(k), "dc") {
			parts = append(parts, strings.ToUpper(strings.TrimSpace(v)))
		}
	}
	return strings.Join(parts, ".")
}

// Split turns one document into one document per object, keyed by its relative path
// (clusters/NAME.yaml, roles/NAME.yaml, services/NAME.yaml, users/LOGIN.yaml).
func Split(d *Document) map[string]*Document {
	out := map[string]*Document{}
	one := func() *Document { return &Document{APIVersion: d.APIVersion, Kind: d.Kind, Site: d.Site} }
	for _, c := range d.Clusters {
		x := one()
		x.Clusters = []Cluster{c}
		out["clusters/"+c.Name+".yaml"] = x
	}
	for _, r := range d.Roles {
		x := one()
		x.Roles = []Role{r}
		out["roles/"+r.Name+".yaml"] = x
	}
	for _, s := range d.Services {
		x := one()
		x.Services = []Service{s}
		out["services/"+s.Name+".yaml"] = x
	}
	for _, u := range d.Users {
		x := one()
		x.Users = []User{u}
		out["users/"+u.Login+".yaml"] = x
	}
	return out
}

// Marshal renders a document as YAML (indent 2) or JSON.
func Marshal(d *Document, format string) ([]byte, error) {
	if format == "json" {
		b, err := json.MarshalIndent(d, "", "  ")
		return append(b, '\n'), err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
