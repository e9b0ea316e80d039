// Package site is the "site state as code" document (issue 21): the versioned Site file
// that `accessctl export` writes and `accessctl diff` compares with the directory. It
// holds the Go types (the one definition the JSON Schema in docs/ is generated from), a
// strict loader that names file:line and key for every problem, and the merge of the
// files of a directory.
package site

// APIVersion and Kind are the fixed header of every Site document.
const (
	APIVersion = "accessctl/v1"
	Kind       = "Site"
)

// User states.
const (
	StateActive     = "active"
	StateOffboarded = "offboarded"
)

// Document is one Site file. The keys are fixed: scripts and reviewers depend on them.
type Document struct {
	APIVersion string    `json:"apiVersion" yaml:"apiVersion" doc:"always accessctl/v1"`
	Kind       string    `json:"kind" yaml:"kind" doc:"always Site"`
	Site       Ref       `json:"site" yaml:"site" doc:"the directory this state belongs to; diff refuses another one"`
	Clusters   []Cluster `json:"clusters,omitempty" yaml:"clusters,omitempty" doc:"clusters (ITTN-010 §3.3): five objects named from one base name"`
	Roles      []Role    `json:"roles,omitempty" yaml:"roles,omitempty" doc:"role accounts and who may sudo to them"`
	Services   []Service `json:"services,omitempty" yaml:"services,omitempty" doc:"service bind DNs (cn=sysaccounts,cn=etc); never a password"`
	Users      []User    `json:"users,omitempty" yaml:"users,omitempty" doc:"users, state only (export --users); memberships live in clusters"`
}

// Ref names the directory: its LDAP suffix and Kerberos realm.
type Ref struct {
	Suffix string `json:"suffix" yaml:"suffix" doc:"LDAP suffix, e.g. dc=lsst,dc=cloud"`
	Realm  string `json:"realm" yaml:"realm" doc:"Kerberos realm, e.g. LSST.CLOUD"`
}

// Principals are users and groups, by name.
type Principals struct {
	Users  []string `json:"users" yaml:"users" optional:"true" doc:"user logins"`
	Groups []string `json:"groups" yaml:"groups" optional:"true" doc:"user group names (nested groups)"`
}

// Empty reports whether p names nobody.
func (p Principals) Empty() bool { return len(p.Users) == 0 && len(p.Groups) == 0 }

// Cluster is one cluster as the conventions see it.
type Cluster struct {
	Name           string     `json:"name" yaml:"name" doc:"base name: group NAME, NAME-sudo, hostgroup NAME, rules"`
	Description    string     `json:"description" yaml:"description" doc:"the base text of the descriptions"`
	HostRegexes    []string   `json:"hostRegexes" yaml:"hostRegexes" optional:"true" doc:"fqdn regexes of the hostgroup's automember rule"`
	Members        Principals `json:"members" yaml:"members" optional:"true" doc:"direct members of group NAME (login)"`
	Sudo           Principals `json:"sudo" yaml:"sudo" optional:"true" doc:"direct members of group NAME-sudo"`
	MemberManagers Principals `json:"memberManagers" yaml:"memberManagers" optional:"true" doc:"memberManager of the cluster's two user groups"`
}

// Role is one role account and the hostgroups whose people may sudo to it.
type Role struct {
	Name  string     `json:"name" yaml:"name" doc:"the role account's login"`
	Range string     `json:"range" yaml:"range" doc:"the ID range the UID comes from"`
	UID   int        `json:"uid,omitempty" yaml:"uid,omitempty" doc:"as allocated; omitted in a new role = allocate"`
	Sudo  []RoleSudo `json:"sudo" yaml:"sudo" optional:"true" doc:"one sudoto rule per hostgroup"`
}

// RoleSudo is one hostgroup's sudoto rule for a role and who holds it.
type RoleSudo struct {
	Hostgroup string     `json:"hostgroup" yaml:"hostgroup" doc:"the hostgroup the sudoto rule applies on"`
	Holders   Principals `json:"holders" yaml:"holders" optional:"true" doc:"direct members of the sudoto group"`
}

// Service is one service bind DN; its password never appears in a file.
type Service struct {
	Name        string `json:"name" yaml:"name" doc:"uid of the bind DN"`
	Description string `json:"description,omitempty" yaml:"description,omitempty" doc:"free text"`
}

// User is one user's state; memberships are in clusters and roles only.
type User struct {
	Login string `json:"login" yaml:"login" doc:"uid"`
	First string `json:"first" yaml:"first" optional:"true" doc:"given name"`
	Last  string `json:"last" yaml:"last" optional:"true" doc:"surname"`
	State string `json:"state" yaml:"state" enum:"active,offboarded" doc:"active or offboarded"`
}
