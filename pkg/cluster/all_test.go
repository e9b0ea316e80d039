package cluster

import (
	"reflect"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// What a `cluster create` killed after its first add leaves (the user group alone,
// described by the template) is a half cluster; other lone groups are not.
func TestBasesFindInterruptedCreate(t *testing.T) {
	private := ipa.PosixGroup("jdoe", "User private group for jdoe users", "70010", sfx)
	private.Set("objectClass", append(private.Get("objectClass"), "mepManagedEntry")...)
	private.Set("mepManagedBy", "uid=jdoe,cn=users,cn=accounts,"+sfx)
	nonPosix := directory.NewEntry(ipa.GroupDN("ext", sfx), directory.A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject"),
		directory.A("cn", "ext"), directory.A("description", "External users"))
	sn := snapshot("amor")
	sn.Entries = append(sn.Entries,
		ipa.PosixGroup("hvac", "Summit HVAC users", "-1", sfx),       // interrupted create: a half cluster
		ipa.PosixGroup("devs", "Developers", "-1", sfx),              // description not by the template
		ipa.PosixGroup("ipausers", "Default group users", "-1", sfx), // FreeIPA's own
		ipa.PosixGroup("empty", "", "-1", sfx),                       // no description
		private,                                                      // a user's private group
		nonPosix,                                                     // not POSIX
	)
	got := sn.Bases(siteconv.Default())
	if want := []string{"amor", "hvac"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Bases = %v, want %v", got, want)
	}
}

func TestGroupDescriptionBase(t *testing.T) {
	conv := siteconv.Default()
	for d, want := range map[string]string{"Summit HVAC users": "Summit HVAC", " users": "", "users": "", "Summit HVAC": ""} {
		got, ok := GroupDescriptionBase(conv, d)
		if got != want || ok != (want != "") {
			t.Errorf("GroupDescriptionBase(%q) = %q, %v; want %q", d, got, ok, want)
		}
	}
}
