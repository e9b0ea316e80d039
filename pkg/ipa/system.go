package ipa

import (
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Kinds of directory object a plan changes, as plan.Change.Kind names them.
const (
	KindGroup     = "group"
	KindHostgroup = "hostgroup"
	KindUser      = "user"
	KindHBACRule  = "hbacrule"
	KindSudoRule  = "sudorule"
	KindBindDN    = "sysaccount"
)

// ServersHostgroup is FreeIPA's hostgroup of its own servers.
const ServersHostgroup = "ipaservers"

// SystemObject is an object FreeIPA's installer or updates create and maintain, with the
// file of freeipa/freeipa that creates it.
type SystemObject struct {
	Kind, Name, Source string
}

// SystemObjects is the one list of FreeIPA's own objects accessctl never manages as a
// cluster, role or bind DN. Sources are paths in freeipa/freeipa (checked at b16f3b80dc59,
// 4.14.0-dev): the install templates and the updates that recreate them on every upgrade.
var SystemObjects = []SystemObject{
	// User groups. admins, trust admins and the default SMB group are also group.py's
	// PROTECTED_GROUPS; ipausers is ipaDefaultPrimaryGroup (group-del refuses both).
	{KindGroup, "admins", "install/share/bootstrap-template.ldif"},
	{KindGroup, "ipausers", "install/share/bootstrap-template.ldif"},
	{KindGroup, "editors", "install/share/bootstrap-template.ldif"},
	{KindGroup, "trust admins", "install/updates/60-trusts.update"},
	{KindGroup, "Default SMB Group", "install/share/default-smb-group.ldif"},
	// The IPA servers' hostgroup; the installer adds every server to it.
	{KindHostgroup, ServersHostgroup, "install/share/bootstrap-template.ldif, install/updates/20-ipaservers_hostgroup.update"},
	// The administrator account (never a role account).
	{KindUser, "admin", "install/share/bootstrap-template.ldif"},
	// The default HBAC rules.
	{KindHBACRule, "allow_all", "install/share/default-hbac.ldif"},
	{KindHBACRule, "allow_systemd-user", "install/share/default-hbac.ldif"},
	// System accounts under cn=sysaccounts,cn=etc: SSSD's sudo bind and the PassSync agent.
	{KindBindDN, "sudo", "install/share/sudobind.ldif"},
	{KindBindDN, "passsync", "install/updates/73-winsync.update"},
}

// System returns FreeIPA's own object of this kind and name (names compare as cn and uid
// do in the directory: ignoring case).
func System(kind, name string) (SystemObject, bool) {
	for _, o := range SystemObjects {
		if o.Kind == kind && strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return SystemObject{}, false
}

// UnmanagedError refuses a change to an object accessctl does not manage: one of FreeIPA's
// own, a user private group, or an entry not in the convention's shape. It is bad input
// (exit 2) and is returned before anything is written.
type UnmanagedError struct {
	Kind, Name string
	// Why completes "<name> ...", e.g. "is one of FreeIPA's own groups (SOURCE)".
	Why string
}

func (e *UnmanagedError) Error() string {
	return e.Name + " " + e.Why + "; accessctl does not manage it"
}

var kindPlural = map[string]string{
	KindGroup: "groups", KindHostgroup: "hostgroups", KindUser: "users",
	KindHBACRule: "HBAC rules", KindSudoRule: "sudo rules", KindBindDN: "system accounts",
}

// CheckManageable refuses (with *UnmanagedError) a change to the object of this kind and
// name: FreeIPA's own objects by name, and, when the entry e exists, anything not in the
// shape FreeIPA's own commands give that kind (a user private group is not a user group,
// a POSIX group without ipaUserGroup is not one either). e may be nil.
func CheckManageable(kind, name string, e *directory.Entry) error {
	if o, ok := System(kind, name); ok {
		return &UnmanagedError{Kind: kind, Name: name,
			Why: "is one of FreeIPA's own " + kindPlural[kind] + " (" + o.Source + ")"}
	}
	if e == nil {
		return nil
	}
	refuse := func(why string) error { return &UnmanagedError{Kind: kind, Name: kind + " " + name, Why: why} }
	switch kind {
	case KindGroup:
		if by := e.First("mepManagedBy"); by != "" || e.HasObjectClass("mepManagedEntry") {
			owner := "a user"
			if by != "" {
				owner = "user " + directory.RDNValue(by)
			}
			return refuse("is the private group of " + owner + " (mepManagedBy: the server's managed-entries plugin owns it)")
		}
		if !e.HasObjectClass("ipaUserGroup") {
			return refuse("is not an IPA user group (no objectClass ipaUserGroup)")
		}
	case KindHostgroup:
		if !e.HasObjectClass("ipaHostGroup") {
			return refuse("is not an IPA hostgroup (no objectClass ipaHostGroup)")
		}
	case KindHBACRule:
		if !e.HasObjectClass("ipaHBACRule") {
			return refuse("is not an IPA HBAC rule (no objectClass ipaHBACRule)")
		}
	case KindSudoRule:
		if !e.HasObjectClass("ipaSudoRule") {
			return refuse("is not an IPA sudo rule (no objectClass ipaSudoRule)")
		}
	case KindUser:
		if !e.HasObjectClass("posixAccount") {
			return refuse("is not a POSIX user (no objectClass posixAccount)")
		}
	}
	return nil
}
