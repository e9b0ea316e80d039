package users

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TestPlanCreateUPG: user-add's decision table (user.py pre_callback, ldap2.has_upg).
func TestPlanCreateUPG(t *testing.T) {
	const on = "(&(objectclass=posixAccount)(!(description=__no_upg__)))"
	const off = "(&(objectclass=disable)(objectclass=posixAccount)(!(description=__no_upg__)))"
	def := func(filter string) *directory.Entry {
		e := directory.NewEntry(directory.In(UPGDefinition, sfx), directory.A("cn", "UPG Definition"))
		if filter != "" {
			e.Set("originFilter", filter)
		}
		return e
	}
	ipausers := grp("ipausers", directory.A("objectClass", "ipausergroup"))
	posixDefault := grp("ipausers", directory.A("objectClass", "ipausergroup", "posixgroup"), directory.A("gidNumber", "5000"))
	clash := grp("newu", directory.A("objectClass", "posixgroup"), directory.A("gidNumber", "7"))
	tests := []struct {
		name     string
		def      *directory.Entry
		dflt     *directory.Entry
		existing []*directory.Entry
		gid      string // "" = refused
		inErr    string
		note     string
	}{
		{"upg on", def(on), ipausers, nil, ipa.DNAMagic, "", "managed-entries plugin creates the private group newu"},
		{"upg on, group of that name", def(on), ipausers, []*directory.Entry{clash}, "", "the user private group would clash", ""},
		{"upg off, stock ipausers", def(off), ipausers, nil, "", "(ipausers) is not POSIX", ""},
		{"upg off, POSIX default group", def(off), posixDefault, nil, "5000", "", "user private groups are off"},
		{"upg off, group of that name is no clash", def(off), posixDefault, []*directory.Entry{clash}, "5000", "", "user private groups are off"},
		{"upg off, no default group", def(off), nil, nil, "", "(ipausers) does not exist", ""},
		{"upg off, upper-case OC is not has_upg's marker", def("(&(objectClass=disable)(objectclass=posixAccount))"), ipausers, nil, ipa.DNAMagic, "", "managed-entries plugin"},
		{"definition unreadable", nil, ipausers, nil, "", "cannot read the user private group definition", ""},
		{"originFilter unreadable", def(""), ipausers, nil, "", "cannot read the user private group definition", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &CreateState{Suffix: sfx, UPGDef: tt.def, Existing: tt.existing, Groups: map[string]*directory.Entry{}}
			if tt.dflt != nil {
				s.Groups["ipausers"] = tt.dflt
			}
			p, err := PlanCreate(s, CreateOptions{Spec: Spec{Login: "newu", First: "N", Last: "U", UID: ipa.DNAMagic, Realm: "EXAMPLE.TEST"}})
			if tt.gid == "" {
				if err == nil || !strings.Contains(err.Error(), tt.inErr) {
					t.Fatalf("err = %v, want %q", err, tt.inErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := p.Changes[0]
			if got := c.Entry.First("gidNumber"); got != tt.gid {
				t.Errorf("gidNumber = %s, want %s", got, tt.gid)
			}
			if notes := strings.Join(c.Notes, "\n"); !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want %q", notes, tt.note)
			}
		})
	}
}
