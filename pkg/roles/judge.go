package roles

import (
	"fmt"

	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// IsRoleAccount is the one meaning of "role account" (ITTN-010 §7) for role list,
// role check, audit and completion: a user whose UID lies in a role range (the
// conventions' default role range and every range named *-role), whose name the
// conventions reserve an ID for, or whom a sudo rule runs as.
func IsRoleAccount(conv *siteconv.Conventions, login string, uid int, runAs bool) bool {
	if runAs {
		return true
	}
	if _, ok := conv.Reserved(login); ok {
		return true
	}
	return RoleRange(conv, uid) != ""
}

// RoleRange names the role range uid lies in, or "".
func RoleRange(conv *siteconv.Conventions, uid int) string {
	for _, r := range roleRanges(conv) {
		if uid >= r.Min && uid <= r.Max {
			return r.Name
		}
	}
	return ""
}

// Findings judges one role account by ITTN-010 §7.2, in audit's shape: no password, no
// SSH keys (roles are assumed with sudo), no HBAC rule naming it directly (membership in
// the hostgroup's user group is expected).
func (r *Role) Findings() []finding.Finding {
	var out []finding.Finding
	obj := "user:" + r.Name
	if r.HasPassword {
		out = append(out, finding.New("role-password", finding.Error, "",
			fmt.Sprintf("role account %s has a password (ITTN-010 §7: no passphrase auth for role accounts)", r.Name), obj))
	}
	if r.SSHKeys > 0 {
		out = append(out, finding.New("role-ssh-key", finding.Error, "",
			fmt.Sprintf("role account %s has %d SSH public key(s) (ITTN-010 §7: no ssh key access for role accounts)", r.Name, r.SSHKeys), obj))
	}
	for _, h := range r.HBACRules {
		out = append(out, finding.New("role-hbac-direct", finding.Warning, "",
			fmt.Sprintf("HBAC rule %s names role account %s directly (roles are assumed with sudo)", h, r.Name), obj, "hbacrule:"+h))
	}
	return out
}
