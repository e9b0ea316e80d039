// Package ipa builds entries in exactly the shape FreeIPA's own commands give them
// (`ipa group-add`, `hostgroup-add`, `hbacrule-add`, `sudorule-add`, `automember-add`),
// and the `ipa` command lines that would make them. Pure: values in, entries out.
package ipa

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
)

// DNAMagic asks the server's DNA plugin for the next ID.
const DNAMagic = "-1"

// Autogenerate asks the server's IPA UUID plugin for a fresh ipaUniqueID.
const Autogenerate = "autogenerate"

// DNs of named objects.
func UserDN(uid, suffix string) string { return directory.Join("uid", uid, directory.Users, suffix) }
func GroupDN(cn, suffix string) string { return directory.Join("cn", cn, directory.Groups, suffix) }
func HostgroupDN(cn, suffix string) string {
	return directory.Join("cn", cn, directory.Hostgroups, suffix)
}
func HostDN(fqdn, suffix string) string {
	return directory.Join("fqdn", fqdn, directory.Computers, suffix)
}
func AutomemberHostgroupDN(hg, suffix string) string {
	return directory.Join("cn", hg, directory.AutomemberHG, suffix)
}

// NewRuleDN is the DN sent when adding an HBAC or sudo rule: the server generates the RDN.
func NewRuleDN(container, suffix string) string {
	return "ipaUniqueID=" + Autogenerate + "," + directory.In(container, suffix)
}

// PosixGroup is `ipa group-add NAME --desc D [--gid N]` (gid "-1" = DNA).
func PosixGroup(name, desc, gid, suffix string) *directory.Entry {
	e := directory.NewEntry(GroupDN(name, suffix),
		directory.A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject", "posixgroup"),
		directory.A("cn", name),
	)
	if desc != "" {
		e.Set("description", desc)
	}
	e.Set("gidNumber", gid)
	e.Set("ipaUniqueID", Autogenerate)
	return e
}

// Hostgroup is `ipa hostgroup-add NAME --desc D`.
func Hostgroup(name, desc, suffix string) *directory.Entry {
	e := directory.NewEntry(HostgroupDN(name, suffix),
		directory.A("objectClass", "ipaobject", "ipahostgroup"),
		directory.A("cn", name),
	)
	if desc != "" {
		e.Set("description", desc)
	}
	e.Set("ipaUniqueID", Autogenerate)
	return e
}

// HBACRule is `ipa hbacrule-add NAME --servicecat=all` followed by add-user --groups and
// add-host --hostgroups, as one entry.
func HBACRule(name string, userDNs, hostDNs []string, suffix string) *directory.Entry {
	e := directory.NewEntry(NewRuleDN(directory.HBAC, suffix),
		directory.A("objectClass", "ipaassociation", "ipahbacrule"),
		directory.A("cn", name),
		directory.A("accessRuleType", "allow"),
		directory.A("serviceCategory", "all"),
		directory.A("ipaEnabledFlag", "TRUE"),
	)
	e.Set("memberUser", userDNs...)
	e.Set("memberHost", hostDNs...)
	e.Set("ipaUniqueID", Autogenerate)
	return e
}

// SudoRule is `ipa sudorule-add NAME` with the given categories ("cmd", "runasuser",
// "runasgroup" → all), members, run-as users and options, as one entry.
type SudoRuleSpec struct {
	Name          string
	CmdAll        bool
	RunAsUserAll  bool
	RunAsGroupAll bool
	UserDNs       []string
	HostDNs       []string
	RunAsUserDNs  []string
	Options       []string
}

// SudoRule builds the entry.
func SudoRule(s SudoRuleSpec, suffix string) *directory.Entry {
	e := directory.NewEntry(NewRuleDN(directory.SudoRules, suffix),
		directory.A("objectClass", "ipaassociation", "ipasudorule"),
		directory.A("cn", s.Name),
		directory.A("ipaEnabledFlag", "TRUE"),
	)
	if s.CmdAll {
		e.Set("cmdCategory", "all")
	}
	if s.RunAsUserAll {
		e.Set("ipaSudoRunAsUserCategory", "all")
	}
	if s.RunAsGroupAll {
		e.Set("ipaSudoRunAsGroupCategory", "all")
	}
	e.Set("memberUser", s.UserDNs...)
	e.Set("memberHost", s.HostDNs...)
	e.Set("ipaSudoRunAs", s.RunAsUserDNs...)
	e.Set("ipaSudoOpt", s.Options...)
	e.Set("ipaUniqueID", Autogenerate)
	return e
}

// AutomemberHostgroupRule is `ipa automember-add --type=hostgroup HG` plus conditions.
func AutomemberHostgroupRule(hg string, inclusive, exclusive []string, key, suffix string) *directory.Entry {
	e := directory.NewEntry(AutomemberHostgroupDN(hg, suffix),
		directory.A("objectClass", "top", "automemberregexrule"),
		directory.A("cn", hg),
		directory.A("automemberTargetGroup", HostgroupDN(hg, suffix)),
	)
	e.Set("automemberInclusiveRegex", prefix(key, inclusive)...)
	e.Set("automemberExclusiveRegex", prefix(key, exclusive)...)
	return e
}

func prefix(key string, regexes []string) []string {
	out := make([]string, len(regexes))
	for i, r := range regexes {
		out[i] = key + "=" + r
	}
	return out
}

// RuleFilter finds a rule by name under its container (the RDN is a UUID).
func RuleFilter(objectClass, name string) string {
	return fmt.Sprintf("(&(objectClass=%s)(cn=%s))", objectClass, directory.EscapeFilterValue(name))
}

// Command builds one `ipa` command line, quoting values for the shell.
func Command(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if i > 0 && strings.HasPrefix(a, "--") && strings.Contains(a, "=") {
			k, v, _ := strings.Cut(a, "=")
			q[i] = k + "=" + plan.ShellQuote(v)
			continue
		}
		q[i] = plan.ShellQuote(a)
	}
	return "ipa " + strings.Join(q, " ")
}
