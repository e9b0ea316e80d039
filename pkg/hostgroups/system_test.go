package hostgroups

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// serversWithRule is the IPA servers' hostgroup with a rule someone put on it by hand
// (matching nothing, with unescaped dots), next to an ordinary hostgroup with a rule.
func serversWithRule() *State {
	const sfx = "dc=example,dc=test"
	rule := func(hg, re string) *Rule {
		return &Rule{Rule: automember.Rule{Name: hg, Inclusive: []automember.Condition{{Attr: "fqdn", Regex: re}}}, DN: ipa.AutomemberHostgroupDN(hg, sfx)}
	}
	return New(sfx,
		[]*Host{{FQDN: "ipa1.example.test"}, {FQDN: "web1.example.test"}},
		[]*Hostgroup{{Name: "ipaservers", Members: []string{"ipa1.example.test"}}, {Name: "web", Members: []string{"web1.example.test"}}},
		[]*Rule{rule("ipaservers", "^nomatch.example.test$"), rule("web", "^web1.example.test$")})
}

// TestServersHostgroupNeverEnforced: no plan ever evicts the IPA servers.
func TestServersHostgroupNeverEnforced(t *testing.T) {
	st := serversWithRule()
	refused := func(what string, err error) {
		t.Helper()
		var ue *ipa.UnmanagedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "ipaservers is one of FreeIPA's own hostgroups") {
			t.Errorf("%s: %v, want the refusal", what, err)
		}
	}
	_, err := st.ApplyEdit("ipaservers", "fqdn", Edit{AddInclusive: []string{"^x$"}})
	refused("edit", err)
	_, _, err = st.RulePlan("t", automember.Rule{Name: "ipaservers"})
	refused("rule plan", err)
	_, err = st.DeletePlan("ipaservers", false)
	refused("delete", err)
	_, _, err = st.EnforcePlan("t", []string{"ipaservers"})
	refused("enforce named", err)

	// Every rule: the servers' is skipped with a warning, the others are enforced.
	p, pvs, err := st.EnforcePlan("t", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pvs) != 1 || pvs[0].Hostgroup != "web" {
		t.Errorf("previews %v, want only web", pvs)
	}
	for _, c := range p.Changes {
		if c.Name == "ipaservers" {
			t.Errorf("plan changes ipaservers: %+v", c)
		}
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "skipped ipaservers: ipaservers is one of FreeIPA's own hostgroups") {
		t.Errorf("warnings %q", p.Warnings)
	}
	fp, err := st.FixEscapesPlan("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fp.Changes {
		if c.Name == "ipaservers" {
			t.Errorf("lint fix changes ipaservers: %+v", c)
		}
	}
}
