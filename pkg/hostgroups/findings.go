package hostgroups

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/finding"
)

// Findings turns the lint's findings into the one finding shape, as both `automember
// lint` and `audit` report them: id automember-<code> (severity, objects and fix by
// code), and host-no-hostgroup for a host that no rule matches and no hostgroup holds
// (a member of some hostgroup that no rule matches is reported as unmatched-member).
func (st *State) Findings(fs []Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		objs := []string{}
		if f.Hostgroup != "" {
			objs = append(objs, "hostgroup:"+f.Hostgroup)
		}
		sev, fix := finding.Warning, ""
		switch f.Code {
		case CodeUnassigned:
			if h := st.Host(f.Subject); h != nil && len(h.MemberOf) == 0 && !st.held(h.FQDN) {
				out = append(out, finding.New("host-no-hostgroup", finding.Warning, "",
					fmt.Sprintf("host %s is in no hostgroup and matches no automember rule", f.Subject), "host:"+f.Subject))
			}
			continue
		case automember.CodeUnescapedDot:
			fix = "accessctl automember lint " + f.Hostgroup + " --fix-escapes"
		case CodeMissingMember, CodeUnmatchedMember:
			fix = "accessctl automember rebuild --hostgroup " + f.Hostgroup
			objs = append(objs, "host:"+f.Subject)
		case CodeOverlap:
			objs = nil
			for _, n := range strings.Split(f.Subject, ",") {
				objs = append(objs, "hostgroup:"+n)
			}
		case automember.CodeInvalid, CodeNoTarget:
			sev = finding.Error
		}
		if f.Code != CodeOverlap && f.Code != CodeMissingMember && f.Code != CodeUnmatchedMember && f.Subject != "" {
			objs = append(objs, "condition:"+f.Subject)
		}
		out = append(out, finding.New("automember-"+f.Code, sev, fix, f.Message, objs...))
	}
	return out
}

// held tells whether some hostgroup lists fqdn as a member (the host's own memberOf may
// be missing, e.g. in an LDIF dump).
func (st *State) held(fqdn string) bool {
	for _, g := range st.Hostgroups {
		if _, ok := g.MemberDNs[fqdn]; ok {
			return true
		}
	}
	return false
}
