package users

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/ipa"
)

func TestCheckRecord(t *testing.T) {
	amor := ipa.GroupDN("amor", sfx)
	rule := "ipaUniqueID=1,cn=sudorules,cn=sudo," + sfx
	hg := ipa.HostgroupDN("amor", sfx)
	base := func() *Record {
		return &Record{Version: RecordVersion, Login: "jdoe", DN: uDN, Disabled: true,
			Before: Before{MemberOf: []string{amor, rule}, SSHPubKeys: []string{"ssh-ed25519 AAAA k"}},
			Removed: []Removal{
				{DN: amor, Kind: "group", Name: "amor", Attr: "member", Value: uDN},
				{DN: amor, Kind: "group", Name: "amor", Attr: "memberManager", Value: uDN},
				{DN: hg, Kind: "hostgroup", Name: "amor", Attr: "memberManager", Value: uDN},
				{DN: rule, Kind: "sudorule", Name: "amor-sudo", Attr: "memberUser", Value: strings.ToUpper(uDN)},
				{DN: rule, Kind: "sudorule", Name: "amor-sudo", Attr: "ipaSudoRunAs", Value: uDN},
			},
			SSHKeysRemoved: []string{"ssh-ed25519 AAAA k"},
			TokensDisabled: []TokenChange{{DN: "ipatokenUniqueID=t,cn=otp," + sfx}}}
	}
	add := func(rm Removal) func(r *Record) { return func(r *Record) { r.Removed = append(r.Removed, rm) } }
	tests := []struct {
		name   string
		tamper func(r *Record)
		item   string // "" = accepted
	}{
		{"genuine", func(*Record) {}, ""},
		{"admins, shown by memberof", func(r *Record) {
			r.Before.MemberOf = append(r.Before.MemberOf, adminsDN)
			r.Removed = append(r.Removed, Removal{DN: adminsDN, Kind: "group", Name: "admins", Attr: "member", Value: uDN})
		}, ""},
		{"admins, not shown by memberof", add(Removal{DN: adminsDN, Kind: "group", Name: "admins", Attr: "member", Value: uDN}), "removed[5]"},
		{"another user's dn", add(Removal{DN: amor, Kind: "group", Name: "amor", Attr: "member", Value: ipa.UserDN("asmith", sfx)}), "removed[5]"},
		{"a user entry", add(Removal{DN: ipa.UserDN("asmith", sfx), Kind: "user", Name: "asmith", Attr: "nsAccountLock", Value: uDN}), "removed[5]"},
		{"ipaConfig", add(Removal{DN: "cn=ipaConfig,cn=etc," + sfx, Kind: "entry", Name: "ipaConfig", Attr: "ipaUserObjectClasses", Value: uDN}), "removed[5]"},
		{"outside the suffix", add(Removal{DN: "cn=amor,cn=groups,cn=accounts,dc=other", Kind: "group", Name: "amor", Attr: "memberManager", Value: uDN}), "removed[5]"},
		{"userPassword on a group", add(Removal{DN: amor, Kind: "group", Name: "amor", Attr: "userPassword", Value: uDN}), "removed[5]"},
		{"managedBy on a host", add(Removal{DN: ipa.HostDN("h.example.test", sfx), Kind: "host", Name: "h.example.test", Attr: "managedBy", Value: uDN}), "removed[5]"},
		{"memberUser on a group", add(Removal{DN: amor, Kind: "group", Name: "amor", Attr: "memberUser", Value: uDN}), "removed[5]"},
		{"a name that is not the group's", func(r *Record) { r.Removed[0].Name = "admins" }, "removed[0]"},
		{"a control character in a rule name", func(r *Record) { r.Removed[3].Name = "amor\x1b[2J" }, "removed[3]"},
		{"the dn of another user", func(r *Record) { r.DN = ipa.UserDN("asmith", sfx) }, "dn"},
		{"a lock state with two values", func(r *Record) { r.Before.NSAccountLock = []string{"TRUE", "TRUE"} }, "before.nsaccountlock"},
		{"a lock state that is a word", func(r *Record) { r.Before.NSAccountLock = []string{"maybe"} }, "before.nsaccountlock"},
		{"a key not in the before-state", func(r *Record) { r.SSHKeysRemoved = append(r.SSHKeysRemoved, "ssh-ed25519 BBBB evil") }, "ssh_keys_removed[1]"},
		{"a token state that is a word", func(r *Record) { r.TokensDisabled[0].Before = []string{"x"} }, "tokens_disabled[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.tamper(r)
			err := CheckRecord(r, sfx)
			var re *RecordError
			switch {
			case tt.item == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.item != "" && (!errors.As(err, &re) || re.Item != tt.item):
				t.Fatalf("err %v, want item %s refused", err, tt.item)
			}
		})
	}
}

// TestReinstateWarnsAboutAdmins: a plausible restoration into admins is applied, with a
// warning in the plan.
func TestReinstateWarnsAboutAdmins(t *testing.T) {
	r := &Record{Version: RecordVersion, Login: "jdoe", DN: uDN, Before: Before{MemberOf: []string{adminsDN}},
		Removed: []Removal{{DN: adminsDN, Kind: "group", Name: "admins", Attr: "member", Value: uDN}}}
	p, err := PlanReinstate(&State{Suffix: sfx, Login: "jdoe", DN: uDN, User: user()}, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pending()) != 1 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "admins") {
		t.Fatalf("plan %+v, warnings %v", p.Pending(), p.Warnings)
	}
}
