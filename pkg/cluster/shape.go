package cluster

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Problem is one way an existing object departs from the convention. Attr and Want say
// how --fix repairs it (Want nil with Attr set = remove the attribute); Fixable is false
// when only a person can resolve it (e.g. the name is held by a user private group).
type Problem struct {
	Object  string   `json:"object" yaml:"object"`
	Name    string   `json:"name" yaml:"name"`
	Message string   `json:"message" yaml:"message"`
	Attr    string   `json:"-" yaml:"-"`
	Want    []string `json:"-" yaml:"-"`
	Fixable bool     `json:"fixable" yaml:"fixable"`
}

func wantValue(kind, name string, e *directory.Entry, attr, want string) *Problem {
	have := e.Get(attr)
	if len(have) == 1 && strings.EqualFold(have[0], want) {
		return nil
	}
	msg := fmt.Sprintf("%s is %q, want %q", attr, strings.Join(have, ","), want)
	if len(have) == 0 {
		msg = fmt.Sprintf("%s is not set, want %q", attr, want)
	}
	return &Problem{Object: kind, Name: name, Message: msg, Attr: attr, Want: []string{want}, Fixable: true}
}

func wantAbsent(kind, name string, e *directory.Entry, attr string) *Problem {
	if have := e.Get(attr); len(have) > 0 {
		return &Problem{Object: kind, Name: name, Message: fmt.Sprintf("%s is %q, want it unset", attr, strings.Join(have, ",")), Attr: attr, Fixable: true}
	}
	return nil
}

func wantMembers(kind, name string, e *directory.Entry, attr string, want []string, what string) *Problem {
	have := e.Get(attr)
	if directory.SameDNs(have, want) {
		return nil
	}
	rdns := make([]string, len(have))
	for i, h := range have {
		rdns[i] = directory.RDNValue(h)
	}
	msg := fmt.Sprintf("%s names %s [%s], want only %s", attr, what, strings.Join(rdns, ", "), directory.RDNValue(want[0]))
	if len(have) == 0 {
		msg = fmt.Sprintf("%s is empty, want %s %s", attr, what, directory.RDNValue(want[0]))
	}
	return &Problem{Object: kind, Name: name, Message: msg, Attr: attr, Want: want, Fixable: true}
}

func collect(ps ...*Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// GroupProblems judges a user group: a POSIX IPA user group (not a private group).
func GroupProblems(name string, e *directory.Entry) []Problem {
	var out []Problem
	if e.HasObjectClass("mepManagedEntry") || !e.HasObjectClass("ipausergroup") {
		out = append(out, Problem{Object: "group", Name: name, Message: "is not an IPA user group (a user private group or foreign entry holds the name)"})
		return out
	}
	if !e.HasObjectClass("posixgroup") {
		out = append(out, Problem{Object: "group", Name: name, Message: "is not a POSIX group (no gidNumber)"})
	}
	return out
}

// HostgroupProblems judges the hostgroup.
func HostgroupProblems(name string, e *directory.Entry) []Problem {
	if !e.HasObjectClass("ipahostgroup") {
		return []Problem{{Object: "hostgroup", Name: name, Message: "is not an IPA hostgroup"}}
	}
	return nil
}

// HBACProblems judges the HBAC rule: enabled, allow, all services, exactly the cluster's
// user group and hostgroup, no categories that widen it.
func (s *State) HBACProblems() []Problem {
	e, n := s.HBACRule, s.Names.HBACRule
	return collect(
		wantValue("hbacrule", n, e, "ipaEnabledFlag", "TRUE"),
		wantValue("hbacrule", n, e, "accessRuleType", "allow"),
		wantValue("hbacrule", n, e, "serviceCategory", "all"),
		wantAbsent("hbacrule", n, e, "userCategory"),
		wantAbsent("hbacrule", n, e, "hostCategory"),
		wantAbsent("hbacrule", n, e, "memberService"),
		wantMembers("hbacrule", n, e, "memberUser", []string{s.GroupDN()}, "user groups"),
		wantMembers("hbacrule", n, e, "memberHost", []string{s.HostgroupDN()}, "hostgroups"),
	)
}

// SudoProblems judges the sudo rule: enabled, all commands as any user and group, exactly
// the cluster's sudo group and hostgroup.
func (s *State) SudoProblems() []Problem {
	e, n := s.SudoRule, s.Names.SudoRule
	return collect(
		wantValue("sudorule", n, e, "ipaEnabledFlag", "TRUE"),
		wantValue("sudorule", n, e, "cmdCategory", "all"),
		wantValue("sudorule", n, e, "ipaSudoRunAsUserCategory", "all"),
		wantValue("sudorule", n, e, "ipaSudoRunAsGroupCategory", "all"),
		wantAbsent("sudorule", n, e, "userCategory"),
		wantAbsent("sudorule", n, e, "hostCategory"),
		wantAbsent("sudorule", n, e, "ipaSudoRunAs"),
		wantAbsent("sudorule", n, e, "ipaSudoRunAsGroup"),
		wantMembers("sudorule", n, e, "memberUser", []string{s.SudoGroupDN()}, "user groups"),
		wantMembers("sudorule", n, e, "memberHost", []string{s.HostgroupDN()}, "hostgroups"),
	)
}

// Problems lists every shape problem of the objects that exist.
func (s *State) Problems() []Problem {
	var out []Problem
	if s.Group != nil {
		out = append(out, GroupProblems(s.Names.Group, s.Group)...)
	}
	if s.SudoGroup != nil {
		out = append(out, GroupProblems(s.Names.SudoGroup, s.SudoGroup)...)
	}
	if s.Hostgroup != nil {
		out = append(out, HostgroupProblems(s.Names.Hostgroup, s.Hostgroup)...)
	}
	if s.HBACRule != nil {
		out = append(out, s.HBACProblems()...)
	}
	if s.SudoRule != nil {
		out = append(out, s.SudoProblems()...)
	}
	for _, d := range s.Duplicates {
		out = append(out, Problem{Object: strings.Fields(d)[0], Name: strings.Fields(d)[1], Message: "exists more than once under this name"})
	}
	return out
}
