// Package rename is the domain logic behind `accessctl host rename`: it gathers what
// ITTN-010 §3.6 asks an operator to record before renaming an enrolled host (its
// services, which of them carry certificates, its hostgroups and why, the HBAC and sudo
// rules that reach it, whether it is an IPA server), predicts the hostgroups the
// automember rules will give the new name, computes the runbook's ordered steps, plans the
// directory-side ones (re-creating the services) and keeps the resumable state file.
package rename

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
)

// Service is one service principal of the host (other than the host principal).
type Service struct {
	// Principal is the stored krbPrincipalName, e.g. HTTP/old.example.test@EXAMPLE.TEST.
	Principal string `json:"principal" yaml:"principal"`
	// Name is the service part ("HTTP").
	Name string `json:"name" yaml:"name"`
	DN   string `json:"dn" yaml:"dn"`
	// Certificate is set when the entry holds a userCertificate.
	Certificate bool `json:"certificate" yaml:"certificate"`
	// AuthzData and AuthInd are carried over to the new service (ipa service-add
	// --pac-type / --auth-ind).
	AuthzData []string `json:"authz_data,omitempty" yaml:"authz_data,omitempty"`
	AuthInd   []string `json:"auth_ind,omitempty" yaml:"auth_ind,omitempty"`
	// TicketFlags is the stored krbTicketFlags (ok-as-delegate and the like), carried
	// over as it is; empty when the entry has none (FreeIPA's default).
	TicketFlags string `json:"ticket_flags,omitempty" yaml:"ticket_flags,omitempty"`
	// Keytab is where the service's keys live on the host (FreeIPA does not store it:
	// --service-keytab NAME=PATH, else a placeholder).
	Keytab string `json:"keytab" yaml:"keytab"`
}

// Membership is one hostgroup and why the host is in it.
type Membership struct {
	Hostgroup string `json:"hostgroup" yaml:"hostgroup"`
	// Why: "automember: fqdn=^...", "nested in X" or "direct".
	Why string `json:"why" yaml:"why"`
}

// RuleRef is one HBAC or sudo rule reaching the host.
type RuleRef struct {
	Kind    string `json:"kind" yaml:"kind"` // hbac or sudo
	Name    string `json:"name" yaml:"name"`
	Via     string `json:"via" yaml:"via"` // "hostgroup X", "host", "hostCategory all"
	Enabled bool   `json:"enabled" yaml:"enabled"`
}

// Key identifies the rule regardless of the path that reaches the host.
func (r RuleRef) Key() string { return r.Kind + " " + r.Name }

// Facts is everything gathered about OLD and predicted for NEW, saved before the host
// entry is deleted.
type Facts struct {
	Old    string `json:"old" yaml:"old"`
	New    string `json:"new" yaml:"new"`
	Realm  string `json:"realm" yaml:"realm"`
	Suffix string `json:"suffix" yaml:"suffix"`
	HostDN string `json:"host_dn" yaml:"host_dn"`
	// HostCertificate is set when the host entry itself holds a userCertificate.
	HostCertificate bool `json:"host_certificate" yaml:"host_certificate"`
	// HostTicketFlags is the host entry's krbTicketFlags: the re-enrolled host gets
	// FreeIPA's default, so accessctl sets it back (ipa host-mod --ok-as-delegate ...).
	HostTicketFlags string       `json:"host_ticket_flags,omitempty" yaml:"host_ticket_flags,omitempty"`
	Services        []Service    `json:"services" yaml:"services"`
	Hostgroups      []Membership `json:"hostgroups" yaml:"hostgroups"`
	Rules           []RuleRef    `json:"rules" yaml:"rules"`
	// NewHostgroups and NewRules are what the automember rules will give NEW.
	NewHostgroups []Membership `json:"new_hostgroups" yaml:"new_hostgroups"`
	NewRules      []RuleRef    `json:"new_rules" yaml:"new_rules"`
	// Lost and Gained are the access differences (hostgroups and rules), sorted.
	Lost   []string `json:"lost,omitempty" yaml:"lost,omitempty"`
	Gained []string `json:"gained,omitempty" yaml:"gained,omitempty"`
	// Server is set when OLD is an IPA server; ServerWhy says how that was seen.
	Server    bool   `json:"server" yaml:"server"`
	ServerWhy string `json:"server_why,omitempty" yaml:"server_why,omitempty"`
}

// AccessChanges reports whether NEW's access differs from OLD's.
func (f *Facts) AccessChanges() bool { return len(f.Lost)+len(f.Gained) > 0 }

// CertServices are the services holding a certificate.
func (f *Facts) CertServices() []Service {
	var out []Service
	for _, s := range f.Services {
		if s.Certificate {
			out = append(out, s)
		}
	}
	return out
}

// NewPrincipal is the service's principal under the new name.
func (f *Facts) NewPrincipal(s Service) string { return s.Name + "/" + f.New + "@" + f.Realm }

// Observed is what one read of the directory returned about OLD and NEW.
type Observed struct {
	// Old and New are the host entries (nil when absent).
	Old, New *directory.Entry
	// OldServices and NewServices are the service entries of each name.
	OldServices, NewServices []*directory.Entry
	Rules                    []*directory.Entry // automember hostgroup rules
	Hostgroups               []*directory.Entry // every hostgroup (cn, memberOf)
	AccessRules              []*directory.Entry // every HBAC and sudo rule
	Master                   bool               // OLD has an entry under cn=masters
}

// Searches is the number of searches Observe makes.
const Searches = 5

// Observe reads, in Searches searches, the host entries of old and new and their services
// (with which carry certificates), the automember hostgroup rules, the hostgroups, the HBAC
// and sudo rules, and whether old is an IPA master. Names must be validated already.
func Observe(ctx context.Context, dir directory.Client, old, new string) (*Observed, error) {
	s := dir.Suffix()
	o := &Observed{}
	eo, en := directory.EscapeFilterValue(old), directory.EscapeFilterValue(new)
	// The host entries are ipaservice entries too: one search finds both hosts, their
	// services and (userCertificate) which carry certificates — ITTN-010 §3.6's
	// (&(objectclass=ipaservice)(userCertificate=*)) narrowed to these names.
	accounts, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In("cn=accounts", s), Scope: directory.ScopeSub,
		Filter: fmt.Sprintf("(&(objectClass=ipaservice)(|(fqdn=%s)(fqdn=%s)(krbPrincipalName=*/%s@*)(krbPrincipalName=*/%s@*)))", eo, en, eo, en),
		Attributes: []string{"objectClass", "fqdn", "krbPrincipalName", "krbCanonicalName", "memberOf", "userCertificate",
			"ipaKrbAuthzData", "krbPrincipalAuthInd", "krbTicketFlags", "managedBy"},
	})
	if err != nil {
		return nil, fmt.Errorf("read hosts and services: %w", err)
	}
	for _, e := range accounts {
		if e.HasObjectClass("ipahost") {
			switch strings.ToLower(e.First("fqdn")) {
			case old:
				o.Old = e
			case new:
				o.New = e
			}
			continue
		}
		switch hostOf(e.First("krbPrincipalName")) {
		case old:
			o.OldServices = append(o.OldServices, e)
		case new:
			o.NewServices = append(o.NewServices, e)
		}
	}
	if o.Rules, err = dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.AutomemberHG, s), Scope: directory.ScopeSub,
		Filter:     "(objectClass=automemberregexrule)",
		Attributes: []string{"cn", "automemberTargetGroup", "automemberInclusiveRegex", "automemberExclusiveRegex"},
	}); err != nil && !directory.IsNotFound(err) {
		return nil, fmt.Errorf("read automember rules: %w", err)
	}
	if o.Hostgroups, err = dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.Hostgroups, s), Scope: directory.ScopeOne,
		Filter: "(objectClass=ipahostgroup)", Attributes: []string{"cn", "memberOf"},
	}); err != nil {
		return nil, fmt.Errorf("read hostgroups: %w", err)
	}
	if o.AccessRules, err = dir.Search(ctx, directory.SearchRequest{
		BaseDN: s, Scope: directory.ScopeSub,
		Filter:     "(|(objectClass=ipahbacrule)(objectClass=ipasudorule))",
		Attributes: []string{"objectClass", "cn", "memberHost", "hostCategory", "ipaEnabledFlag"},
	}); err != nil {
		return nil, fmt.Errorf("read hbac and sudo rules: %w", err)
	}
	masters, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.Masters, s), Scope: directory.ScopeOne,
		Filter: "(cn=" + eo + ")", Attributes: []string{"cn"},
	})
	if err != nil && !directory.IsNotFound(err) {
		return nil, fmt.Errorf("read ipa masters: %w", err)
	}
	o.Master = len(masters) > 0
	return o, nil
}

// hostOf returns the lower-case host part of svc/host@REALM.
func hostOf(principal string) string {
	_, rest, ok := strings.Cut(principal, "/")
	if !ok {
		return ""
	}
	h, _, _ := strings.Cut(rest, "@")
	return strings.ToLower(h)
}

// Options tune Gather.
type Options struct {
	// Realm is used when the host entry carries no principal.
	Realm string
	// Keytabs maps a service name to its keytab path on the host.
	Keytabs map[string]string
}

// Gather turns an observation into facts. OLD must exist.
func Gather(ob *Observed, suffix, old, new string, opts Options) (*Facts, error) {
	if ob.Old == nil {
		return nil, fmt.Errorf("host %s does not exist", old)
	}
	f := &Facts{Old: old, New: new, Suffix: suffix, HostDN: ob.Old.DN, Realm: opts.Realm,
		HostCertificate: len(ob.Old.Get("userCertificate")) > 0, HostTicketFlags: ob.Old.First("krbTicketFlags")}
	if p := ob.Old.First("krbPrincipalName"); strings.Contains(p, "@") {
		f.Realm = p[strings.LastIndex(p, "@")+1:]
	}
	if f.Realm == "" {
		return nil, fmt.Errorf("realm of %s unknown: the host has no principal; set --realm", old)
	}
	for _, e := range ob.OldServices {
		p := e.First("krbPrincipalName")
		name, _, _ := strings.Cut(p, "/")
		sv := Service{Principal: p, Name: name, DN: e.DN, Certificate: len(e.Get("userCertificate")) > 0,
			AuthzData: e.Get("ipaKrbAuthzData"), AuthInd: e.Get("krbPrincipalAuthInd"), TicketFlags: e.First("krbTicketFlags"),
			Keytab: opts.Keytabs[name]}
		if sv.Keytab == "" {
			sv.Keytab = "/path/to/" + name + ".keytab"
		}
		f.Services = append(f.Services, sv)
	}
	sort.Slice(f.Services, func(i, j int) bool { return f.Services[i].Principal < f.Services[j].Principal })

	hgBase := directory.NormalizeDN(directory.In(directory.Hostgroups, suffix))
	// parents: hostgroup -> the hostgroups it is nested in (its memberOf).
	parents := map[string][]string{}
	for _, g := range ob.Hostgroups {
		n := strings.ToLower(g.First("cn"))
		for _, m := range g.Get("memberOf") {
			if directory.NormalizeDN(directory.Parent(m)) == hgBase {
				parents[n] = append(parents[n], strings.ToLower(directory.RDNValue(m)))
			}
		}
	}
	var rules []automember.Rule
	for _, e := range ob.Rules {
		r := cluster.RuleOf(e)
		r.Name = strings.ToLower(r.Name)
		if r.Validate() == nil {
			rules = append(rules, r)
		}
	}
	m, err := automember.NewMatcher(rules)
	if err != nil {
		return nil, fmt.Errorf("automember rules: %w", err)
	}
	oldMatch := map[string]string{}
	for _, r := range m.Hostgroups(old) {
		oldMatch[r.Hostgroup] = r.By.String()
	}
	var member []string
	for _, v := range ob.Old.Get("memberOf") {
		if directory.NormalizeDN(directory.Parent(v)) == hgBase {
			member = append(member, strings.ToLower(directory.RDNValue(v)))
		}
	}
	sort.Strings(member)
	in := map[string]bool{}
	for _, g := range member {
		in[g] = true
	}
	for _, g := range member {
		ms := Membership{Hostgroup: g, Why: "direct"}
		if c, ok := oldMatch[g]; ok {
			ms.Why = "automember: " + c
		} else if via := nestedVia(g, member, parents); via != "" {
			ms.Why = "nested in " + via
		}
		f.Hostgroups = append(f.Hostgroups, ms)
		if g == "ipaservers" {
			f.Server, f.ServerWhy = true, "member of hostgroup ipaservers"
		}
	}
	if ob.Master {
		f.Server, f.ServerWhy = true, "listed under cn=masters,cn=ipa,cn=etc"
	}
	// NEW: the automember rules' hostgroups plus the hostgroups those are nested in.
	newIn := map[string]string{}
	for _, r := range m.Hostgroups(new) {
		newIn[r.Hostgroup] = "automember: " + r.By.String()
	}
	for changed := true; changed; {
		changed = false
		for _, g := range sortedKeys(newIn) {
			for _, p := range parents[g] {
				if _, ok := newIn[p]; !ok {
					newIn[p] = "nested in " + g
					changed = true
				}
			}
		}
	}
	for _, g := range sortedKeys(newIn) {
		f.NewHostgroups = append(f.NewHostgroups, Membership{Hostgroup: g, Why: newIn[g]})
	}
	f.Rules = reaching(ob.AccessRules, suffix, in, ob.Old.DN)
	newSet := map[string]bool{}
	for g := range newIn {
		newSet[g] = true
	}
	f.NewRules = reaching(ob.AccessRules, suffix, newSet, "")

	f.Lost, f.Gained = diff(f.Hostgroups, f.NewHostgroups, f.Rules, f.NewRules)
	return f, nil
}

func nestedVia(g string, member []string, parents map[string][]string) string {
	for _, h := range member {
		for _, p := range parents[h] {
			if p == g && h != g {
				return h
			}
		}
	}
	return ""
}

// reaching returns the HBAC and sudo rules whose memberHost names one of the hostgroups
// or hostDN, or whose hostCategory is all; sorted by kind, name.
func reaching(rules []*directory.Entry, suffix string, hostgroups map[string]bool, hostDN string) []RuleRef {
	hgBase := directory.NormalizeDN(directory.In(directory.Hostgroups, suffix))
	var out []RuleRef
	for _, e := range rules {
		kind := "hbac"
		if e.HasObjectClass("ipasudorule") {
			kind = "sudo"
		}
		r := RuleRef{Kind: kind, Name: e.First("cn"), Enabled: !strings.EqualFold(e.First("ipaEnabledFlag"), "FALSE")}
		var via []string
		if strings.EqualFold(e.First("hostCategory"), "all") {
			via = append(via, "hostCategory all")
		}
		for _, mh := range e.Get("memberHost") {
			switch {
			case hostDN != "" && directory.EqualDN(mh, hostDN):
				via = append(via, "host")
			case directory.NormalizeDN(directory.Parent(mh)) == hgBase && hostgroups[strings.ToLower(directory.RDNValue(mh))]:
				via = append(via, "hostgroup "+strings.ToLower(directory.RDNValue(mh)))
			}
		}
		if len(via) == 0 {
			continue
		}
		sort.Strings(via)
		r.Via = strings.Join(via, ", ")
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// diff returns the hostgroups and rules OLD has and NEW will not ("hostgroup x",
// "hbac rule y"), and those NEW will have and OLD has not.
func diff(oldHG, newHG []Membership, oldR, newR []RuleRef) (lost, gained []string) {
	a, b := map[string]bool{}, map[string]bool{}
	for _, m := range oldHG {
		a["hostgroup "+m.Hostgroup] = true
	}
	for _, m := range newHG {
		b["hostgroup "+m.Hostgroup] = true
	}
	for _, r := range oldR {
		a[r.Kind+" rule "+r.Name] = true
	}
	for _, r := range newR {
		b[r.Kind+" rule "+r.Name] = true
	}
	for k := range a {
		if !b[k] {
			lost = append(lost, k)
		}
	}
	for k := range b {
		if !a[k] {
			gained = append(gained, k)
		}
	}
	sort.Strings(lost)
	sort.Strings(gained)
	return lost, gained
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
