package ipa

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
)

func TestSystemObjectsHaveSources(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range SystemObjects {
		key := o.Kind + "/" + strings.ToLower(o.Name)
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if kindPlural[o.Kind] == "" {
			t.Errorf("%s: unknown kind %q", o.Name, o.Kind)
		}
		for _, src := range strings.Split(o.Source, ", ") {
			if !strings.HasPrefix(src, "install/share/") && !strings.HasPrefix(src, "install/updates/") {
				t.Errorf("%s: source %q is not a FreeIPA install template or update", o.Name, src)
			}
		}
	}
}

func TestCheckManageable(t *testing.T) {
	const sfx = "dc=example,dc=test"
	userGroup := PosixGroup("hvac", "Summit HVAC users", "70010", sfx)
	upg := directory.NewEntry(GroupDN("jdoe", sfx),
		directory.A("objectClass", "top", "posixgroup", "ipaobject", "mepManagedEntry"),
		directory.A("cn", "jdoe"), directory.A("gidNumber", "70002"), directory.A("mepManagedBy", UserDN("jdoe", sfx)))
	foreign := directory.NewEntry(GroupDN("hvac", sfx), directory.A("objectClass", "top", "posixgroup"), directory.A("cn", "hvac"))
	notHG := directory.NewEntry(HostgroupDN("hvac", sfx), directory.A("objectClass", "top", "groupOfNames"))
	sudo := SudoRule(SudoRuleSpec{Name: "hvac-sudo"}, sfx)
	tests := []struct {
		name, kind, obj string
		e               *directory.Entry
		want            string // "" = manageable
	}{
		{"admins", KindGroup, "admins", nil, "admins is one of FreeIPA's own groups (install/share/bootstrap-template.ldif); accessctl does not manage it"},
		{"admins existing", KindGroup, "admins", userGroup, "admins is one of FreeIPA's own groups"},
		{"case ignored", KindGroup, "IPAUsers", nil, "IPAUsers is one of FreeIPA's own groups"},
		{"editors", KindGroup, "editors", nil, "one of FreeIPA's own groups"},
		{"trust admins", KindGroup, "trust admins", nil, "(install/updates/60-trusts.update)"},
		{"default smb group", KindGroup, "default smb group", nil, "(install/share/default-smb-group.ldif)"},
		{"ipaservers", KindHostgroup, "ipaservers", nil, "ipaservers is one of FreeIPA's own hostgroups (install/share/bootstrap-template.ldif, install/updates/20-ipaservers_hostgroup.update)"},
		{"admin user", KindUser, "admin", nil, "admin is one of FreeIPA's own users"},
		{"allow_all", KindHBACRule, "allow_all", nil, "(install/share/default-hbac.ldif)"},
		{"sudo bind dn", KindBindDN, "sudo", nil, "sudo is one of FreeIPA's own system accounts (install/share/sudobind.ldif)"},
		{"passsync", KindBindDN, "passsync", nil, "(install/updates/73-winsync.update)"},
		{"private group", KindGroup, "jdoe", upg, "group jdoe is the private group of user jdoe (mepManagedBy"},
		{"foreign group", KindGroup, "hvac", foreign, "group hvac is not an IPA user group"},
		{"not a hostgroup", KindHostgroup, "hvac", notHG, "hostgroup hvac is not an IPA hostgroup"},
		{"not a sudo rule", KindSudoRule, "hvac-sudo", foreign, "sudorule hvac-sudo is not an IPA sudo rule"},
		{"not a user", KindUser, "svc", foreign, "user svc is not a POSIX user"},
		// Names are per kind: only the group admins is FreeIPA's, not a hostgroup admins.
		{"admins as a hostgroup", KindHostgroup, "admins", nil, ""},
		{"sudo as a group", KindGroup, "sudo", nil, ""},
		{"ipaservers as a group", KindGroup, "ipaservers", nil, ""},
		{"cluster group", KindGroup, "hvac", userGroup, ""},
		{"missing cluster group", KindGroup, "hvac", nil, ""},
		{"sudo rule", KindSudoRule, "hvac-sudo", sudo, ""},
		{"hostgroup", KindHostgroup, "hvac", Hostgroup("hvac", "d", sfx), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckManageable(tt.kind, tt.obj, tt.e)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *UnmanagedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want an *UnmanagedError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), "; accessctl does not manage it") {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
