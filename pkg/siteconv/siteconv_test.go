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
		{"short password", "password_length: 32", "password_length: 16", "must be at least 32"},
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
