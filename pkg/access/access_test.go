package access_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

const seedPath = "../audit/testdata/seed.ldif"

func load(t testing.TB) *access.Snapshot {
	t.Helper()
	s, err := access.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rules(v access.Verdict) []string {
	var out []string
	for _, m := range v.Rules {
		out = append(out, m.Rule)
	}
	return out
}

// TestExplainTable compares explain with a hand-worked table of users x hosts over the
// seeded directory (testdata of pkg/audit): nesting of groups and hostgroups, category
// all, a disabled rule, a disabled user, login and sudo evaluated independently.
func TestExplainTable(t *testing.T) {
	s := load(t)
	tests := []struct {
		user, host    string
		login         bool
		loginRules    []string
		loginUserPath []string // of the first login rule
		loginHostPath []string
		loginMiss     string
		sudo          bool
		sudoRules     []string
		sudoMiss      string
	}{
		{user: "alice", host: "web1", login: true, loginRules: []string{"web-users"}, loginUserPath: []string{"ops", "web"}, loginHostPath: []string{"web"},
			sudoMiss: "covers host web1.example.test"},
		{user: "alice", host: "db1", login: true, loginRules: []string{"site-login"}, loginUserPath: []string{"ops"}, loginHostPath: []string{"db", "site"},
			sudoMiss: "covers host db1.example.test"},
		{user: "bob", host: "web1", login: true, loginRules: []string{"web-users"}, loginUserPath: []string{"web"}, loginHostPath: []string{"web"},
			sudo: true, sudoRules: []string{"web-sudo", "web-sudoto-arc"}},
		{user: "bob", host: "db1", loginMiss: "rule web-users covers bob (via group web) but not host db1.example.test (it names hostgroup web)",
			sudoMiss: "rule web-sudo covers bob"},
		{user: "carol", host: "web1", loginMiss: "user carol is disabled", sudoMiss: "user carol is disabled"},
		{user: "hank", host: "cam1", loginMiss: "rule cam-users would let hank log in on cam1.example.test but is disabled", sudoMiss: "covers host cam1"},
		{user: "erin", host: "web2", login: true, loginRules: []string{"all-web2"}, sudoMiss: "rule db-sudo covers erin (via group dbsudo) but not host web2.example.test"},
		{user: "erin", host: "db2", loginMiss: "rule site-login covers host db2.example.test (via hostgroup db > site) but not user erin (it names group ops)", sudo: true, sudoRules: []string{"db-sudo"}},
		{user: "dave", host: "db1", login: true, loginRules: []string{"legacy-login"}, sudoMiss: "covers host db1"},
		{user: "iip", host: "web2", login: true, loginRules: []string{"all-web2", "iip-login"}, sudoMiss: "covers host web2"},
		{user: "frank", host: "lonely", loginMiss: "rule all-web2 covers frank (category all) but not host lonely.example.test", sudoMiss: "covers host lonely"},
	}
	for _, tt := range tests {
		t.Run(tt.user+"@"+tt.host, func(t *testing.T) {
			u, h := s.User(tt.user), s.Host(tt.host+".example.test")
			if u == nil || h == nil {
				t.Fatalf("user %s or host %s missing from the seed", tt.user, tt.host)
			}
			ex := s.Explain(u, h)
			if ex.Login != tt.login || ex.Sudo != tt.sudo {
				t.Fatalf("login=%v sudo=%v, want %v %v (%+v)", ex.Login, ex.Sudo, tt.login, tt.sudo, ex)
			}
			if got := rules(ex.LoginDetail); !reflect.DeepEqual(got, tt.loginRules) {
				t.Errorf("login rules %v, want %v", got, tt.loginRules)
			}
			if got := rules(ex.SudoDetail); !reflect.DeepEqual(got, tt.sudoRules) {
				t.Errorf("sudo rules %v, want %v", got, tt.sudoRules)
			}
			if tt.loginUserPath != nil && !reflect.DeepEqual(ex.LoginDetail.Rules[0].UserPath, tt.loginUserPath) {
				t.Errorf("user path %v, want %v", ex.LoginDetail.Rules[0].UserPath, tt.loginUserPath)
			}
			if tt.loginHostPath != nil && !reflect.DeepEqual(ex.LoginDetail.Rules[0].HostPath, tt.loginHostPath) {
				t.Errorf("host path %v, want %v", ex.LoginDetail.Rules[0].HostPath, tt.loginHostPath)
			}
			if !strings.Contains(ex.LoginDetail.Miss, tt.loginMiss) || (tt.loginMiss == "") != (ex.LoginDetail.Miss == "") {
				t.Errorf("login miss %q, want %q", ex.LoginDetail.Miss, tt.loginMiss)
			}
			if !strings.Contains(ex.SudoDetail.Miss, tt.sudoMiss) || (tt.sudoMiss == "") != (ex.SudoDetail.Miss == "") {
				t.Errorf("sudo miss %q, want %q", ex.SudoDetail.Miss, tt.sudoMiss)
			}
		})
	}
}

func TestExplainSudoDetail(t *testing.T) {
	s := load(t)
	ex := s.Explain(s.User("bob"), s.Host("web2.example.test"))
	var arc access.Match
	for _, m := range ex.SudoDetail.Rules {
		if m.Rule == "web-sudoto-arc" {
			arc = m
		}
	}
	if !reflect.DeepEqual(arc.RunAs, []string{"arc"}) || !reflect.DeepEqual(arc.Options, []string{"!authenticate"}) || !reflect.DeepEqual(arc.Commands, []string{"ALL"}) {
		t.Errorf("web-sudoto-arc match = %+v", arc)
	}
	login := ex.LoginDetail.Rules
	if len(login) != 2 || login[0].Rule != "all-web2" || login[0].UserVia != "category all" || !reflect.DeepEqual(login[0].Services, []string{"sshd"}) {
		t.Errorf("login = %+v", login)
	}
}

func TestWho(t *testing.T) {
	s := load(t)
	w := s.Who(s.Host("web1.example.test"))
	if !reflect.DeepEqual(w.LoginUsers, []string{"alice", "bob", "iip"}) {
		t.Errorf("login users %v", w.LoginUsers)
	}
	if !reflect.DeepEqual(w.SudoUsers, []string{"bob"}) {
		t.Errorf("sudo users %v", w.SudoUsers)
	}
	found := false
	for _, p := range w.Login {
		if p.Rule == "web-users" && reflect.DeepEqual(p.UserPath, []string{"ops", "web"}) && reflect.DeepEqual(p.Users, []string{"alice"}) {
			found = true
		}
	}
	if !found {
		t.Errorf("no web-users path ops > web with alice: %+v", w.Login)
	}
	// disabled carol is left out; category all reaches every enabled user
	w2 := s.Who(s.Host("web2.example.test"))
	for _, u := range w2.LoginUsers {
		if u == "carol" {
			t.Errorf("disabled user listed: %v", w2.LoginUsers)
		}
	}
	if len(w2.LoginUsers) != 12 {
		t.Errorf("web2 login users %v, want the 12 enabled users", w2.LoginUsers)
	}
}

func TestWhere(t *testing.T) {
	s := load(t)
	w := s.Where(s.User("alice"))
	if !reflect.DeepEqual(w.LoginHosts, []string{"db1.example.test", "db2.example.test", "old1.example.test", "web1.example.test", "web2.example.test"}) {
		t.Errorf("alice login hosts %v", w.LoginHosts)
	}
	if len(w.SudoHosts) != 0 {
		t.Errorf("alice sudo hosts %v", w.SudoHosts)
	}
	var site access.Reach
	for _, r := range w.Login {
		if r.Rule == "site-login" {
			site = r
		}
	}
	if !reflect.DeepEqual(site.Hostgroups, []string{"db", "site"}) {
		t.Errorf("site-login hostgroups %v", site.Hostgroups)
	}
	if c := s.Where(s.User("carol")); !c.Disabled || len(c.LoginHosts) != 0 {
		t.Errorf("carol = %+v", c)
	}
}

// TestReadOneSearch: the snapshot is one search, and the same as the LDIF file's.
func TestReadOneSearch(t *testing.T) {
	d, err := sandbox.Open(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	c := directory.NewCounting(d)
	s, err := access.Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Count() != 1 {
		t.Errorf("%d operations, want 1", c.Count())
	}
	f := load(t)
	if len(s.Users) != len(f.Users) || len(s.Hosts) != len(f.Hosts) || len(s.Rules) != len(f.Rules) || len(s.Entries) != len(f.Entries) {
		t.Errorf("live %d/%d/%d/%d, file %d/%d/%d/%d", len(s.Users), len(s.Hosts), len(s.Rules), len(s.Entries), len(f.Users), len(f.Hosts), len(f.Rules), len(f.Entries))
	}
}
