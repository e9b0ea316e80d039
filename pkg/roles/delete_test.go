package roles

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func TestPlanDelete(t *testing.T) {
	const sfx = "dc=example,dc=test"
	conv := siteconv.Default()
	group, rule := conv.SudotoNames("comcam", "atadbot")
	sudoto := ipa.PosixGroup(group, "sudo to atadbot", "70600", sfx)
	sudoto.Set("member", ipa.UserDN("jdoe", sfx))
	shaped := SudoRuleEntry(conv, "atadbot", "comcam", sfx)
	other := SudoRuleEntry(conv, "otherbot", "comcam", sfx)
	other.DN = shaped.DN
	tests := []struct {
		name        string
		rule, group *directory.Entry
		want        []string // DNs deleted, in order
		refused     string
	}{
		{name: "rule and group", rule: shaped, group: sudoto, want: []string{shaped.DN, sudoto.DN}},
		{name: "group only", group: sudoto, want: []string{sudoto.DN}},
		{name: "nothing there"},
		{name: "rule of another shape", rule: other, group: sudoto, refused: "is not in the shape role create makes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &State{Suffix: sfx, Role: "atadbot", Hostgroup: "comcam", SudotoGroup: group, SudotoRule: rule,
				SudoRuleE: tt.rule, SudotoGroupE: tt.group, User: directory.NewEntry(ipa.UserDN("atadbot", sfx))}
			p, err := PlanDelete(s, conv)
			if tt.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("got %v, want a refusal %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Pending() {
				if c.Action != plan.Delete || !c.Removes {
					t.Errorf("%s: %s, want a removing delete", c.DN, c.Action)
				}
				if strings.Contains(c.DN, "uid=atadbot") {
					t.Errorf("the role user is deleted: %s", c.DN)
				}
				got = append(got, c.DN)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("deletes %v, want %v", got, tt.want)
			}
			if !strings.Contains(strings.Join(p.Info, "\n"), "the role user atadbot stays") {
				t.Errorf("info %v does not say the user stays", p.Info)
			}
		})
	}
}
