package siteconv

import (
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	n := c.ClusterNames("hvac")
	want := ClusterNames{Base: "hvac", Group: "hvac", SudoGroup: "hvac-sudo", Hostgroup: "hvac", HBACRule: "hvac-users", SudoRule: "hvac-sudo"}
	if n != want {
		t.Fatalf("ClusterNames = %+v, want %+v", n, want)
	}
	if id, ok := c.Reserved("atadbot"); !ok || id != 61002 {
		t.Fatalf("Reserved(atadbot) = %d %v", id, ok)
	}
	g, r := c.SudotoNames("comcam", "ccs")
	if g != "comcam-sudoto-ccs" || r != "comcam-sudoto-ccs" {
		t.Fatalf("SudotoNames = %s %s", g, r)
	}
	if got := c.BindDN("foreman", "dc=lsst,dc=cloud"); got != "uid=foreman,cn=sysaccounts,cn=etc,dc=lsst,dc=cloud" {
		t.Fatalf("BindDN = %s", got)
	}
}

func TestClusterBaseFrom(t *testing.T) {
	c := Default()
	tests := []struct {
		kind, name, base string
		ok               bool
	}{
		{"sudo_group", "hvac-sudo", "hvac", true},
		{"hbac_rule", "amor-users", "amor", true},
		{"hbac_rule", "allow_all", "", false},
		{"sudo_rule", "-sudo", "", false},
		{"group", "amor", "amor", true},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.name, func(t *testing.T) {
			base, ok := c.ClusterBaseFrom(tt.kind, tt.name)
			if base != tt.base || ok != tt.ok {
				t.Fatalf("got %q %v, want %q %v", base, ok, tt.base, tt.ok)
			}
		})
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	base := string(mustDefault())
	tests := []struct {
		name, from, to, want string
	}{
		{"min above max", "min: 62000\n      max: 62999", "min: 62999\n      max: 62000", `:41: ids.ranges[1].min: range "camera-role": min 62999 is above max 62000`},
		{"overlap", "min: 70000\n      max: 79999", "min: 62500\n      max: 79999", `ids.ranges[2]: range "general" (62500-79999) overlaps range "camera-role"`},
		{"unknown field", "uid_equals_gid: true", "uid_equals_gidd: true", ":34: syntax: unknown field (did you mean uid_equals_gid?)"},
		{"pattern without name", `sudo_group: "{name}-sudo"`, `sudo_group: "sudo"`, `cluster.sudo_group: pattern "sudo" must contain {name}`},
		{"bad yaml", "name: ITTN-010", "name: [ITTN-010", "syntax"},
		{"duplicate reservation", "{id: 61003, name: iip}", "{id: 61002, name: iip}", "id 61002 reserved twice"},
		{"short password", "password_length: 32", "password_length: 16", ":29: service.password_length: must be 32 to 1024 characters, got 16"},
		// Issue 16.4: the conventions are validated before use.
		{"password 2e9", "password_length: 32", "password_length: 2000000000", ":29: service.password_length: must be 32 to 1024 characters, got 2000000000"},
		{"group holds a DN", `group: "{name}"`, `group: "{name},cn=admins"`, `:8: cluster.group: pattern "{name},cn=admins" does not make a valid name`},
		{"group with a quote", `group: "{name}"`, `group: "{name}\""`, `:8: cluster.group: pattern "{name}\"" does not make a valid name`},
		{"group with =", `group: "{name}"`, `group: "x={name}"`, `cluster.group: pattern "x={name}" does not make a valid name`},
		{"group with a filter", `hbac_rule: "{name}-users"`, `hbac_rule: "{name})(cn=*"`, `cluster.hbac_rule: pattern "{name})(cn=*" does not make a valid name`},
		{"group with a space", `hbac_rule: "{name}-users"`, `hbac_rule: "{name} users"`, `does not make a valid name`},
		{"name twice", `hostgroup: "{name}"`, `hostgroup: "{name}-{name}"`, `cluster.hostgroup: pattern "{name}-{name}" must contain {name} exactly once`},
		{"stray placeholder", `sudo_rule: "{name}-sudo"`, `sudo_rule: "{name}-{role}"`, `cluster.sudo_rule: pattern "{name}-{role}" does not make a valid name`},
		{"long literal", `sudo_rule: "{name}-sudo"`, `sudo_rule: "{name}-` + strings.Repeat("x", 40) + `"`, `adds more than 32 characters`},
		{"sudoto with a comma", `sudoto_group: "{hostgroup}-sudoto-{role}"`, `sudoto_group: "{hostgroup},sudoto={role}"`, `role.sudoto_group: pattern "{hostgroup},sudoto={role}" does not make a valid name`},
		{"bind dn among users", `bind_dn: "uid={name},cn=sysaccounts,cn=etc,{suffix}"`, `bind_dn: "uid={name},cn=users,cn=accounts,{suffix}"`, `:28: service.bind_dn: pattern "uid={name},cn=users,cn=accounts,{suffix}" must be uid=...{name}...,cn=sysaccounts,cn=etc,{suffix}`},
		{"bind dn with a cn", `bind_dn: "uid={name},cn=sysaccounts,cn=etc,{suffix}"`, `bind_dn: "cn={name},cn=sysaccounts,cn=etc,{suffix}"`, `must be uid=...{name}...,cn=sysaccounts,cn=etc,{suffix}`},
		{"bind dn with a nested rdn", `bind_dn: "uid={name},cn=sysaccounts,cn=etc,{suffix}"`, `bind_dn: "uid={name}+cn=x,cn=sysaccounts,cn=etc,{suffix}"`, `service.bind_dn: pattern "uid={name}+cn=x,cn=sysaccounts,cn=etc,{suffix}" (uid) does not make a valid name`},
		{"bind dn below sysaccounts", `bind_dn: "uid={name},cn=sysaccounts,cn=etc,{suffix}"`, `bind_dn: "uid={name},cn=x,cn=sysaccounts,cn=etc,{suffix}"`, `must be uid=...{name}...,cn=sysaccounts,cn=etc,{suffix}`},
		{"automember key filter", "key: fqdn", `key: "cn)(x"`, `:62: automember.key: "cn)(x" is not an attribute name`},
		{"range too wide", "min: 70000\n      max: 79999", "min: 70000\n      max: 4294967295", `ids.ranges[2].max: range "general": max must be 1 to 2147483647, got 4294967295`},
		{"ranges too wide together", "min: 70000\n      max: 79999", "min: 70000\n      max: 9000000", `ids.ranges[2].max: range "general": the ranges hold more than 4194304 IDs together`},
		{"minimum zero", "minimum: 60001", "minimum: 0", "ids.minimum: must be 1 to 2147483647, got 0"},
		{"range name with a comma", "name: general", `name: "gen,eral"`, `ids.ranges[2].name: range name "gen,eral": only a-z`},
		{"reservation above 2^31", "{id: 61003, name: iip}", "{id: 3000000000, name: iip}", "ids.reservations[3].id: must be 1 to 2147483647, got 3000000000"},
		{"reservation for a bad login", "{id: 61003, name: iip}", `{id: 61003, name: "ii p"}`, `ids.reservations[3].name: "ii p" is not a valid login`},
		{"description with a newline", "description: general users and groups in FreeIPA", `description: "general\nusers"`, `ids.ranges[2].description: must be printable text`},
		{"sudo option with a newline", `sudo_options: ["!authenticate"]`, `sudo_options: ["!authenticate\nALL"]`, `role.sudo_options[0]: must be printable`},
		{"server with a space", "servers: []", `servers: ["ipa1 ipa2"]`, `servers[0]: must be a host name`},
		{"overlap host group", "intended_overlaps: []", `intended_overlaps: [["a,b", "c"]]`, `automember.intended_overlaps[0]: invalid hostgroup name "a,b"`},
		{"description template", "group: group\n", "group: ../x\n", `cluster.descriptions.group: "../x" is not a template name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.from) {
				t.Fatalf("fixture text %q not in default conventions", tt.from)
			}
			_, err := Parse([]byte(strings.Replace(base, tt.from, tt.to, 1)), "site.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "conventions site.yaml") {
				t.Fatalf("err %q does not name the file", err)
			}
		})
	}
}

func mustDefault() []byte {
	b, _ := defaultBytes()
	return b
}
