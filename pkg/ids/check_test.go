package ids

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// The ID rules, one case per rule (finding ids as audit reports them; errors first).
func TestCheck(t *testing.T) {
	conv := siteconv.Default()
	// FreeIPA ranges covering every convention range, so that only the holders judge.
	var full []idrange.Range
	for _, r := range Ranges(conv) {
		full = append(full, idrange.FromIPA(r.Name, r.Min, r.Max-r.Min+1))
	}
	u := func(name string, uid, gid int) Holder {
		return Holder{DN: "uid=" + name, Name: name, Kind: KindUser, UID: uid, GID: gid}
	}
	g := func(name string, gid int, kind string) Holder {
		return Holder{DN: "cn=" + name, Name: name, Kind: kind, GID: gid}
	}
	cases := []struct {
		name    string
		holders []Holder
		want    []string // kinds
	}{
		{"clean user and upg", []Holder{u("jdoe", 70001, 70001), g("jdoe", 70001, KindPrivateGroup)}, nil},
		{"admin and admins share idstart", []Holder{u("admin", 70000, 70000), g("admins", 70000, KindGroup)}, nil},
		{"reserved for its name", []Holder{u("atadbot", 61002, 61002), g("atadbot", 61002, KindPrivateGroup)}, nil},
		{"outside range", []Holder{u("x", 50000, 50000)}, []string{"id-outside-range"}},
		{"reserved for another", []Holder{u("bob", 61002, 61002)}, []string{"id-reserved"}},
		{"reserved for nobody", []Holder{g("arcg", 61001, KindGroup)}, []string{"id-reserved"}},
		{"uid ne gid", []Holder{u("m", 70010, 70011)}, []string{"id-uid-gid"}},
		{"duplicate uid", []Holder{u("a", 70010, 70010), u("b", 70010, 70010)}, []string{"id-duplicate"}},
		{"duplicate gid", []Holder{g("a", 70010, KindGroup), g("b", 70010, KindGroup)}, []string{"id-duplicate"}},
		{"upg and a group share a gid", []Holder{u("a", 70010, 70010), g("a", 70010, KindPrivateGroup), g("ops", 70010, KindGroup)}, []string{"id-duplicate"}},
		{"uid is another group's gid", []Holder{u("a", 70010, 70020), g("ops", 70010, KindGroup)}, []string{"id-duplicate", "id-uid-gid"}},
		{"staged user counts", []Holder{{Name: "s", Kind: KindStagedUser, UID: 70010, GID: 70010}, u("b", 70010, 70010)}, []string{"id-duplicate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Check(c.holders, full, conv) {
				got = append(got, f.ID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("kinds = %v, want %v", got, c.want)
			}
		})
	}
}

// A convention range no FreeIPA range covers is one error per gap, with the ipa command.
func TestCheckUncoveredRange(t *testing.T) {
	conv := siteconv.Default()
	fs := Check(nil, nil, conv)
	if len(fs) != len(Ranges(conv)) {
		t.Fatalf("%d findings for %d uncovered ranges: %+v", len(fs), len(Ranges(conv)), fs)
	}
	for _, f := range fs {
		if f.ID != "id-range-uncovered" || f.Severity != "error" || !strings.HasPrefix(f.Fix, "ipa idrange-add ") {
			t.Errorf("finding %+v", f)
		}
	}
}
