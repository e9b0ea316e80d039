package cluster

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

const sfx = "dc=example,dc=test"

// snapshot holds, for each base, a cluster's user group, sudo group and hostgroup.
func snapshot(bases ...string) *Snapshot {
	sn := &Snapshot{Suffix: sfx}
	for _, b := range bases {
		sn.Entries = append(sn.Entries, ipa.PosixGroup(b, b+" users", "-1", sfx), ipa.PosixGroup(b+"-sudo", b+" sudo users", "-1", sfx),
			ipa.Hostgroup(b, b+" servers", sfx))
	}
	return sn
}

func TestBasesLeaveOutFreeIPAOwn(t *testing.T) {
	conv := siteconv.Default()
	got := snapshot("hvac", "admins", "ipaservers", "editors").Bases(conv)
	if want := []string{"hvac"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Bases = %v, want %v", got, want)
	}
}

func TestManageable(t *testing.T) {
	conv := siteconv.Default()
	upg := directory.NewEntry(ipa.GroupDN("jdoe", sfx), directory.A("objectClass", "top", "posixgroup", "ipaobject", "mepManagedEntry"),
		directory.A("cn", "jdoe"), directory.A("mepManagedBy", ipa.UserDN("jdoe", sfx)))
	tests := []struct {
		name string
		sn   *Snapshot
		base string
		want string
	}{
		{"cluster", snapshot("hvac"), "hvac", ""},
		{"new cluster", snapshot(), "hvac", ""},
		{"admins", snapshot("admins"), "admins", "admins is one of FreeIPA's own groups"},
		{"admins absent", snapshot(), "ipausers", "ipausers is one of FreeIPA's own groups"},
		{"ipaservers", snapshot(), "ipaservers", "ipaservers is one of FreeIPA's own hostgroups"},
		{"private group", &Snapshot{Suffix: sfx, Entries: []*directory.Entry{upg}}, "jdoe", "group jdoe is the private group of user jdoe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sn.State(conv, tt.base)
			err := s.Manageable()
			var ue *ipa.UnmanagedError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			// Every planner that changes the cluster refuses the same way.
			_, perr := PlanDelete(s)
			_, cerr := PlanCreate(s, conv, CreateOptions{Base: tt.base, Desc: "x", GIDs: [2]string{"-1", "-1"}})
			_, gerr := s.PlanGroupEdit(GroupEdit{Groups: []string{s.Names.Group}, Attr: "member", SkipMissing: true,
				IPA: func(string, []string) string { return "" }})
			for _, e := range []error{perr, cerr, gerr} {
				if (tt.want == "") != (e == nil) || (e != nil && e.Error() != err.Error()) {
					t.Errorf("planner: %v, want %v", e, err)
				}
			}
		})
	}
}
