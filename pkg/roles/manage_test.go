package roles

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func TestManageable(t *testing.T) {
	const sfx = "dc=example,dc=test"
	conv := siteconv.Default()
	conv.IDs.Reservations = append(conv.IDs.Reservations, siteconv.Reservation{ID: 70500, Name: "oldbot"})
	user := func(uid, n string) *directory.Entry {
		return directory.NewEntry(ipa.UserDN(uid, sfx), directory.A("objectClass", "top", "posixaccount"),
			directory.A("uid", uid), directory.A("uidNumber", n), directory.A("gidNumber", n))
	}
	upg := directory.NewEntry(ipa.GroupDN("amor", sfx), directory.A("objectClass", "posixgroup", "mepManagedEntry"),
		directory.A("mepManagedBy", ipa.UserDN("amor", sfx)))
	tests := []struct {
		name, role, hg string
		u, group       *directory.Entry
		o              CreateOptions
		want           string
	}{
		{name: "new role", role: "newbot", hg: "amor"},
		{name: "role account", role: "atadbot", hg: "amor", u: user("atadbot", "61002")},
		{name: "camera role range", role: "ccsbot", hg: "amor", u: user("ccsbot", "62050")},
		{name: "reserved outside role ranges", role: "oldbot", hg: "amor", u: user("oldbot", "70500")},
		{name: "range given", role: "genbot", hg: "amor", u: user("genbot", "70600"), o: CreateOptions{Range: "general", RangeGiven: true}},
		{name: "regular user", role: "jdoe", hg: "amor", u: user("jdoe", "70002"),
			want: `user jdoe is not a role account (uidNumber "70002" lies in no role range: dm-role, camera-role)`},
		{name: "admin", role: "admin", hg: "amor", want: "admin is one of FreeIPA's own users"},
		{name: "ipaservers", role: "newbot", hg: "ipaservers", want: "ipaservers is one of FreeIPA's own hostgroups"},
		{name: "editors user group", role: "newbot", hg: "editors", want: "editors is one of FreeIPA's own groups"},
		{name: "private group as user group", role: "newbot", hg: "amor", group: upg, want: "group amor is the private group of user amor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &State{Suffix: sfx, Role: tt.role, Hostgroup: tt.hg, User: tt.u, UserGroup: tt.group}
			s.SudotoGroup, s.SudotoRule = conv.SudotoNames(tt.hg, tt.role)
			err := s.manageable(conv, tt.o)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *ipa.UnmanagedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if _, perr := PlanCreate(s, conv, tt.o); perr == nil || perr.Error() != err.Error() {
				t.Errorf("PlanCreate: %v, want the same refusal", perr)
			}
		})
	}
}
