package site

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `apiVersion: accessctl/v1
kind: Site
site: {suffix: "dc=lsst,dc=cloud", realm: LSST.CLOUD}
clusters:
- name: hvac
  description: Summit HVAC
  hostRegexes: ['^eas-hvac-[0-9]+\.cp\.lsst\.org$']
  members: {users: [jdoe], groups: []}
  sudo: {users: [], groups: []}
  memberManagers: {users: [], groups: []}
roles:
- name: atadbot
  range: dm-role
  uid: 61002
  sudo: [{hostgroup: auxtel, holders: {users: [], groups: [auxtel]}}]
services:
- {name: dex, description: Dex LDAP connector}
users:
- {login: jdoe, first: John, last: Doe, state: active}
- {login: gone, first: Old, last: Timer, state: offboarded}
`

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadGood(t *testing.T) {
	p := write(t, t.TempDir(), "site.yaml", good)
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Site.Suffix != "dc=lsst,dc=cloud" || len(s.Clusters) != 1 || s.Clusters[0].HostRegexes[0] != `^eas-hvac-[0-9]+\.cp\.lsst\.org$` ||
		s.Roles[0].UID != 61002 || s.Roles[0].Sudo[0].Holders.Groups[0] != "auxtel" || len(s.Users) != 2 || !s.HasUsers {
		t.Fatalf("loaded %+v", s)
	}
	if w := s.Where["role/atadbot"]; w.Line != 12 {
		t.Errorf("role at %v, want line 12", w)
	}
}

func TestLoadErrors(t *testing.T) {
	header := "apiVersion: accessctl/v1\nkind: Site\nsite: {suffix: \"dc=x\", realm: X}\n"
	cases := []struct {
		name, body, want string
		line             int
	}{
		{"unknown top key", header + "cluster: []\n", "cluster: unknown key", 4},
		{"unknown nested key", header + "clusters:\n- name: a\n  description: A\n  member: {users: [x]}\n", "clusters[0].member: unknown key", 7},
		{"bad api", "apiVersion: v2\nkind: Site\nsite: {suffix: x, realm: X}\n", "apiVersion: want accessctl/v1", 1},
		{"bad kind", "apiVersion: accessctl/v1\nkind: Cluster\nsite: {suffix: x, realm: X}\n", "kind: want Site", 2},
		{"no site", "# a comment\napiVersion: accessctl/v1\nkind: Site\n", "site: needs suffix and realm", 2},
		{"bad regex", header + "clusters:\n- name: a\n  description: A\n  hostRegexes: ['^a(?=b)']\n", "clusters[0].hostRegexes[0]:", 7},
		{"bad cluster name", header + "clusters:\n- name: a-sudo\n  description: A\n", "clusters[0].name:", 5},
		{"bad user name", header + "clusters:\n- name: a\n  description: A\n  members: {users: [Bad User]}\n", "clusters[0].members.users[0]:", 7},
		{"bad uid", header + "roles:\n- {name: r, range: x, uid: abc}\n", "roles[0].uid: want a whole number", 5},
		{"negative uid", header + "roles:\n- {name: r, range: x, uid: -3}\n", "roles[0].uid: invalid ID -3", 5},
		{"bad state", header + "users:\n- {login: a, state: gone}\n", "users[0].state: want active or offboarded", 5},
		{"duplicate in file", header + "services:\n- {name: dex}\n- {name: dex}\n", "services[1].name: service dex is already defined at", 6},
		{"offboarded member", header + "clusters:\n- name: a\n  description: A\n  sudo: {users: [old]}\nusers:\n- {login: old, state: offboarded}\n", "user old is offboarded", 5},
		{"alias", header + "services:\n- &s {name: a}\n- *s\n", "anchors and aliases", 5},
		{"not yaml", "a: [\n", "not valid YAML", 0},
		{"list wanted", header + "clusters: {name: a}\n", "clusters: want a list", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "s.yaml", c.body)
			_, err := Load(p)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), p+":") {
				t.Fatalf("err = %q, want %q", err, c.want)
			}
			if c.line != 0 && se.Line != c.line {
				t.Fatalf("line = %d, want %d (%v)", se.Line, c.line, err)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	d := t.TempDir()
	header := "apiVersion: accessctl/v1\nkind: Site\nsite: {suffix: \"dc=x\", realm: X}\n"
	write(t, d, "clusters/a.yaml", header+"clusters:\n- {name: a, description: A}\n")
	write(t, d, "roles/r.yaml", header+"roles:\n- {name: r, range: x}\n")
	write(t, d, "README.md", "not yaml at all: [")
	s, err := Load(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 2 || len(s.Clusters) != 1 || len(s.Roles) != 1 {
		t.Fatalf("loaded %+v", s)
	}
	// The same cluster in a second file is refused at the second place, naming the first.
	second := write(t, d, "more/b.yaml", header+"clusters:\n- {name: a, description: A}\n")
	_, err = Load(d)
	if err == nil || !strings.HasPrefix(err.Error(), second+":5: clusters[0].name: cluster a is already defined at "+filepath.Join(d, "clusters/a.yaml")+":5") {
		t.Fatalf("err = %v", err)
	}
	_ = os.Remove(second)
	// Files of one directory must name the same site.
	other := write(t, d, "services/s.yaml", "apiVersion: accessctl/v1\nkind: Site\nsite: {suffix: \"dc=y\", realm: Y}\n")
	if _, err := Load(d); err == nil || !strings.HasPrefix(err.Error(), other+":3: site: differs") {
		t.Fatalf("err = %v", err)
	}
}

func TestSchemaFresh(t *testing.T) {
	want, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../docs/site-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("docs/site-schema.json is stale: run go run ./internal/gendocs -root .")
	}
	for _, s := range []string{`"additionalProperties": false`, `"const": "accessctl/v1"`, `"enum": [`, `"hostRegexes"`, `"memberManagers"`} {
		if !bytes.Contains(want, []byte(s)) {
			t.Errorf("schema lacks %s", s)
		}
	}
}
