package users

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

const sfx = "dc=example,dc=test"

var (
	uDN      = ipa.UserDN("jdoe", sfx)
	adminsDN = ipa.GroupDN("admins", sfx)
)

func user(attrs ...directory.Attribute) *directory.Entry {
	e := directory.NewEntry(uDN, directory.A("objectClass", "posixaccount"), directory.A("uid", "jdoe"),
		directory.A("uidNumber", "70002"), directory.A("gidNumber", "70002"))
	for _, a := range attrs {
		e.Set(a.Name, a.Values...)
	}
	return e
}

func grp(name string, attrs ...directory.Attribute) *directory.Entry {
	e := directory.NewEntry(ipa.GroupDN(name, sfx), directory.A("cn", name))
	for _, a := range attrs {
		e.Set(a.Name, a.Values...)
	}
	return e
}

func TestPlanOffboard(t *testing.T) {
	rule := directory.NewEntry("ipaUniqueID=1,cn=sudorules,cn=sudo,"+sfx, directory.A("objectClass", "ipasudorule"),
		directory.A("cn", "amor-sudoto-arc"), directory.A("memberUser", strings.ToUpper(uDN)), directory.A("ipaSudoRunAs", uDN))
	token := directory.NewEntry("ipatokenUniqueID=t1,cn=otp,"+sfx, directory.A("objectClass", "ipaToken"),
		directory.A("ipatokenUniqueID", "t1"), directory.A("ipatokenOwner", uDN))
	tests := []struct {
		name     string
		state    State
		opts     OffboardOptions
		err      string
		modifies int
		removed  int
		check    func(t *testing.T, o *Outcome)
	}{
		{name: "not found", state: State{}, err: "user not found"},
		{name: "bind identity by DN", state: State{User: user()}, opts: OffboardOptions{BindDN: strings.ToUpper(uDN)}, err: "bound as"},
		{name: "bind identity by principal", state: State{User: user()}, opts: OffboardOptions{BindDN: "jdoe@EXAMPLE.TEST"}, err: "bound as"},
		{name: "last admin", state: State{User: user(), Refs: []*directory.Entry{grp("admins", directory.A("member", uDN))}}, err: "last active member of admins"},
		{name: "other admin disabled", state: State{User: user(directory.A("memberOf", adminsDN)),
			Admins: []*directory.Entry{directory.NewEntry(ipa.UserDN("admin", sfx), directory.A("nsAccountLock", "TRUE"))}}, err: "last active member of admins"},
		{name: "one of two admins", state: State{User: user(), Refs: []*directory.Entry{grp("admins", directory.A("member", uDN, ipa.UserDN("admin", sfx)))},
			Admins: []*directory.Entry{user(), directory.NewEntry(ipa.UserDN("admin", sfx))}},
			modifies: 2, removed: 1},
		{name: "already done", state: State{User: user(directory.A("nsAccountLock", "true"))}, modifies: 0,
			check: func(t *testing.T, o *Outcome) {
				if !o.Plan.Empty() || o.Record.Disabled {
					t.Errorf("plan not empty: %+v", o.Plan.Changes)
				}
			}},
		{name: "every reference, one modify per entry", opts: OffboardOptions{BindDN: "uid=admin," + directory.Users + "," + sfx},
			state: State{User: user(directory.A("nsAccountLock", "FALSE"), directory.A("memberOf", ipa.GroupDN("amor", sfx), ipa.GroupDN("outer", sfx), rule.DN)),
				Refs:      []*directory.Entry{grp("amor", directory.A("member", uDN), directory.A("memberManager", uDN)), rule},
				RuleNames: map[string]string{directory.NormalizeDN(rule.DN): "amor-sudoto-arc"}},
			modifies: 3, removed: 4,
			check: func(t *testing.T, o *Outcome) {
				u := o.Plan.Changes[0]
				if u.Kind != "user" || u.Mods[0].Op != directory.ModReplace || u.Before["nsaccountlock"][0] != "FALSE" || !u.Removes {
					t.Errorf("user change: %+v", u)
				}
				r := o.Plan.Changes[2]
				if len(r.Mods) != 2 || r.Mods[0].Values[0] != strings.ToUpper(uDN) {
					t.Errorf("rule change must delete the stored value form: %+v", r.Mods)
				}
				if strings.Join(r.IPA, "|") != "ipa sudorule-remove-user amor-sudoto-arc --users=jdoe|ipa sudorule-remove-runasuser amor-sudoto-arc --users=jdoe" {
					t.Errorf("ipa: %v", r.IPA)
				}
				if len(o.Plan.Info) != 1 || o.Plan.Info[0] != "indirect access that goes away with these memberships: group outer" {
					t.Errorf("info: %v", o.Plan.Info)
				}
				if !o.Plan.Removing() || o.Record.Operator == "" || o.Record.UIDNumber != "70002" {
					t.Errorf("record: %+v", o.Record)
				}
				for _, c := range o.Plan.Changes {
					if c.Action == plan.Delete {
						t.Errorf("offboarding deletes %s", c.DN)
					}
				}
			}},
		{name: "ssh keys", opts: OffboardOptions{RemoveSSHKeys: true}, state: State{User: user(directory.A("ipaSshPubKey", "ssh-ed25519 AAAA a"))},
			modifies: 1, check: func(t *testing.T, o *Outcome) {
				if len(o.Plan.Changes[0].Mods) != 2 || len(o.Record.SSHKeysRemoved) != 1 {
					t.Errorf("ssh keys not removed: %+v", o.Plan.Changes[0])
				}
			}},
		{name: "otp none", opts: OffboardOptions{DisableOTP: true}, state: State{User: user()}, modifies: 1,
			check: func(t *testing.T, o *Outcome) {
				if len(o.Plan.Info) != 1 || !strings.Contains(o.Plan.Info[0], "no OTP tokens") {
					t.Errorf("info: %v", o.Plan.Info)
				}
			}},
		{name: "otp token", opts: OffboardOptions{DisableOTP: true}, state: State{User: user(), Tokens: []*directory.Entry{token}}, modifies: 2,
			check: func(t *testing.T, o *Outcome) {
				if len(o.Record.TokensDisabled) != 1 || o.Plan.Changes[1].Mods[0].Values[0] != "TRUE" {
					t.Errorf("token: %+v", o.Plan.Changes[1])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.state
			s.Suffix, s.Login, s.DN = sfx, "jdoe", uDN
			o, err := PlanOffboard(&s, tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(o.Plan.Pending()); n != tt.modifies {
				t.Errorf("%d pending changes, want %d", n, tt.modifies)
			}
			if len(o.Record.Removed) != tt.removed {
				t.Errorf("%d removals recorded, want %d", len(o.Record.Removed), tt.removed)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

func TestReinstateUndoesOffboard(t *testing.T) {
	rule := directory.NewEntry("ipaUniqueID=1,cn=hbac,"+sfx, directory.A("cn", "r1"), directory.A("memberUser", uDN))
	amor := grp("amor", directory.A("member", uDN), directory.A("memberManager", uDN))
	s := &State{Suffix: sfx, Login: "jdoe", DN: uDN, User: user(directory.A("ipaSshPubKey", "k1"), directory.A("memberOf", amor.DN, rule.DN)),
		Refs: []*directory.Entry{amor, rule}}
	o, err := PlanOffboard(s, OffboardOptions{RemoveSSHKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	// After: disabled, no keys, amor still holds the user as manager (partly restored).
	after := &State{Suffix: sfx, Login: "jdoe", DN: uDN, User: user(directory.A("nsAccountLock", "TRUE")),
		Refs: []*directory.Entry{grp("amor", directory.A("memberManager", uDN))}}
	p, err := PlanReinstate(after, o.Record)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Pending() {
		for _, m := range c.Mods {
			got = append(got, c.Name+":"+m.Op.String()+":"+m.Attr+":"+strings.Join(m.Values, ","))
		}
	}
	want := []string{"jdoe:delete:nsAccountLock:", "jdoe:add:ipaSshPubKey:k1", "amor:add:member:" + uDN, "r1:add:memberUser:" + uDN}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reinstate mods\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Removing() {
		t.Errorf("reinstating is additive but the plan is marked removing")
	}
	o.Record.DN = ipa.UserDN("other", sfx)
	if _, err := PlanReinstate(after, o.Record); err == nil {
		t.Errorf("a record for another DN was accepted")
	}
	if _, err := PlanReinstate(&State{Login: "jdoe"}, o.Record); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
}

func TestRecordFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "records")
	r := &Record{Version: RecordVersion, Login: "jdoe", DN: uDN, Time: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		Removed: []Removal{{DN: adminsDN, Kind: "group", Name: "admins", Attr: "member", Value: uDN}}}
	p1, err := WriteRecord(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := WriteRecord(dir, r)
	if err != nil || p1 == p2 || filepath.Base(p1) != "jdoe-20261123T120000Z.json" {
		t.Fatalf("paths %s %s: %v", p1, p2, err)
	}
	if fi, _ := os.Stat(p1); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
	back, err := ReadRecord(p1)
	if err != nil || back.Removed[0] != r.Removed[0] || !back.Time.Equal(r.Time) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"version": 9, "login": "x", "dn": "y"}`), 0o600)
	if _, err := ReadRecord(bad); err == nil || !strings.Contains(err.Error(), "unsupported version") {
		t.Errorf("bad version: %v", err)
	}
}

func TestEntry(t *testing.T) {
	cfg := ConfigFrom(nil)
	tests := []struct {
		name string
		spec Spec
		cfg  IPAConfig
		want map[string]string
	}{
		{"defaults", Spec{Login: "jdoe", First: "John", Last: "Doe", UID: "-1", Realm: "EXAMPLE.TEST"}, cfg,
			map[string]string{"initials": "JD", "homeDirectory": "/home/jdoe", "loginShell": "/bin/sh", "mail": "",
				"krbPrincipalName": "jdoe@EXAMPLE.TEST", "gidNumber": "-1", "ipaUniqueID": "autogenerate"}},
		{"config and email", Spec{Login: "émile", First: "Émile", Last: "Zola", UID: "70100", Email: "ez@example.org"},
			IPAConfig{UserObjectClasses: []string{"top", "posixaccount"}, HomesRootDir: "/u", DefaultShell: "/bin/bash", EmailDomain: "example.test"},
			map[string]string{"initials": "ÉZ", "homeDirectory": "/u/émile", "loginShell": "/bin/bash", "mail": "ez@example.org",
				"krbPrincipalName": "", "uidNumber": "70100", "gidNumber": "70100"}},
		{"email domain", Spec{Login: "jdoe", First: "J", Last: "D", UID: "-1"}, IPAConfig{EmailDomain: "example.test", HomesRootDir: "/home"},
			map[string]string{"mail": "jdoe@example.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry(tt.spec, tt.cfg, sfx)
			for a, v := range tt.want {
				if got := e.First(a); got != v {
					t.Errorf("%s = %q, want %q", a, got, v)
				}
			}
			if e.Get("userPassword") != nil {
				t.Errorf("entry carries a password")
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	for dn, want := range map[string]string{
		ipa.GroupDN("g", sfx): "group", "ipaUniqueID=x,cn=hbac," + sfx: "hbacrule", "ipaUniqueID=x,cn=sudorules,cn=sudo," + sfx: "sudorule",
		"cn=r,cn=roles,cn=accounts," + sfx: "role", ipa.HostgroupDN("h", sfx): "hostgroup", "cn=p,cn=privileges,cn=pbac," + sfx: "privilege",
		"cn=x,cn=etc," + sfx: "entry",
	} {
		if got := KindOf(dn, sfx); got != want {
			t.Errorf("KindOf(%s) = %s, want %s", dn, got, want)
		}
	}
}
