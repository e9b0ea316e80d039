package siteconv

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/conventions"
	"github.com/accessctl/accessctl/pkg/names"
)

// FuzzParse: any conventions file is either refused with an error or accepted; an
// accepted file's cluster patterns expand a valid cluster name to names the name
// rules accept (nothing unsafe reaches a filter or DN through a pattern), and its
// ranges are ordered. A refusal never quotes more than a short prefix of the file.
func FuzzParse(f *testing.F) {
	f.Add(string(conventions.Default))
	f.Add("cluster:\n  group: \"{name}\"\n")
	f.Add("cluster:\n  group: \"{name}*)(\"\n")
	f.Add("ids:\n  ranges:\n    - {name: x, min: 10, max: 1}\n")
	f.Add("ids: [1, 2\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), "fuzz.yaml")
		if err != nil {
			if len(err.Error()) > 1024 {
				t.Fatalf("error of %d bytes: %.200s", len(err.Error()), err)
			}
			return
		}
		n := c.ClusterNames("hvac")
		for _, g := range []string{n.Group, n.SudoGroup, n.Hostgroup, n.HBACRule, n.SudoRule} {
			if err := names.Group(g); err != nil {
				t.Fatalf("accepted pattern gives %v", err)
			}
		}
		for _, r := range c.IDs.Ranges {
			if r.Min > r.Max {
				t.Fatalf("accepted range %s with min %d > max %d", r.Name, r.Min, r.Max)
			}
		}
	})
}

// FuzzValidate: whatever a conventions file sets its patterns, key and numbers to, the
// validator either refuses it or everything built from it stays safe: cluster and role
// patterns give valid names (nothing that changes a DN or a filter), bind DNs stay
// directly under cn=sysaccounts,cn=etc, the automember key is an attribute name, and
// the numbers are within their bounds (issue 16.4).
func FuzzValidate(f *testing.F) {
	d := Default()
	f.Add(d.Cluster.Group, d.Cluster.HBACRule, d.Role.SudotoGroup, d.Service.BindDN, d.Automember.Key, d.Service.PasswordLength, 70000, 79999)
	f.Add("{name},cn=admins", "{name})(cn=*", "{hostgroup}={role}", "uid={name},cn=users,cn=accounts,{suffix}", "cn)(x", 2000000000, 1, 1<<32-1)
	f.Add("x{name}", "{name}-{name}", "{role}{hostgroup}", "uid={name}+cn=x,cn=sysaccounts,cn=etc,{suffix}", "fqdn;binary", 1024, 0, -5)
	f.Add("{name}$", "{name}.users", "{hostgroup}-{role}-", "UID={name},CN=sysaccounts,CN=etc,{suffix}", "a-1", 32, 70000, 70000+1<<22)
	f.Fuzz(func(t *testing.T, group, hbac, sudoto, bindDN, key string, pwLen, min, max int) {
		c := Default()
		c.Cluster.Group, c.Cluster.HBACRule, c.Role.SudotoGroup = group, hbac, sudoto
		c.Service.BindDN, c.Automember.Key, c.Service.PasswordLength = bindDN, key, pwLen
		c.IDs.Ranges[2].Min, c.IDs.Ranges[2].Max = min, max
		if err := c.Validate(); err != nil {
			if !strings.HasPrefix(err.Error(), "conventions ") {
				t.Fatalf("error %q does not start with \"conventions \"", err)
			}
			return
		}
		n := c.ClusterNames("hvac")
		for _, name := range []string{n.Group, n.SudoGroup, n.Hostgroup, n.HBACRule, n.SudoRule} {
			if err := names.Group(name); err != nil {
				t.Fatalf("accepted pattern gives %v", err)
			}
		}
		if base, ok := c.ClusterBaseFrom("group", n.Group); !ok || base != "hvac" {
			t.Fatalf("ClusterBaseFrom(group, %q) = %q %v", n.Group, base, ok)
		}
		g, _ := c.SudotoNames("comcam", "ccs")
		if err := names.Group(g); err != nil {
			t.Fatalf("accepted sudoto pattern gives %v", err)
		}
		suffix := "dc=lsst,dc=cloud"
		dn := c.BindDN("foreman", suffix)
		rdn, parent, _ := strings.Cut(dn, ",")
		if !strings.EqualFold(parent, "cn=sysaccounts,cn=etc,"+suffix) || !strings.HasPrefix(strings.ToLower(rdn), "uid=") ||
			strings.ContainsAny(rdn[4:], ",=+\"\\<>;#") {
			t.Fatalf("accepted bind DN pattern %q gives %q", bindDN, dn)
		}
		if key == "" || strings.ContainsAny(key, "()*=\\, \x00;") {
			t.Fatalf("accepted automember key %q", key)
		}
		if pwLen < MinPasswordLength || pwLen > MaxPasswordLength {
			t.Fatalf("accepted password length %d", pwLen)
		}
		if min < 1 || max > MaxID || min > max || max-min+1 > MaxRangeWidth {
			t.Fatalf("accepted range %d-%d", min, max)
		}
	})
}
