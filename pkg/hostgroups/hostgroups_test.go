package hostgroups

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

func demo(t *testing.T) *sandbox.Dir {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// hostEntry is a host in FreeIPA's host_add shape (freeipa-ldap.md §2.4).
func hostEntry(fqdn, suffix string) *directory.Entry {
	dn := ipa.HostDN(fqdn, suffix)
	return directory.NewEntry(dn,
		directory.A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
			"ipasshhost", "krbprincipalaux", "krbprincipal"),
		directory.A("fqdn", fqdn), directory.A("cn", fqdn), directory.A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
		directory.A("krbPrincipalName", "host/"+fqdn+"@EXAMPLE.TEST"), directory.A("krbCanonicalName", "host/"+fqdn+"@EXAMPLE.TEST"),
		directory.A("managedBy", dn), directory.A("ipaUniqueID", "autogenerate"))
}

func TestReadDemo(t *testing.T) {
	d := demo(t)
	c := directory.NewCounting(d)
	st, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Count() != Searches {
		t.Errorf("Read made %d operations, want %d", c.Count(), Searches)
	}
	for _, f := range []string{"amor01.cp.lsst.org", "amor02.cp.lsst.org", "eas-hvac-01.cp.lsst.org", "at-hcu01.cp.lsst.org", "ts-csc-generic-01.cp.lsst.org"} {
		if st.Host(f) == nil {
			t.Errorf("host %s not read", f)
		}
	}
	want := map[string][]string{
		"amor":   {"amor01.cp.lsst.org", "amor02.cp.lsst.org"},
		"auxtel": {"at-hcu01.cp.lsst.org", "ts-csc-generic-01.cp.lsst.org"},
	}
	for g, m := range want {
		if got := st.Hostgroups[g].Members; !reflect.DeepEqual(got, m) {
			t.Errorf("%s members = %v, want %v", g, got, m)
		}
		if st.Rules[g] == nil || st.Rules[g].Err != nil {
			t.Errorf("rule %s = %+v", g, st.Rules[g])
		}
	}
	if h := st.Host("AMOR01.cp.lsst.org"); h == nil || !reflect.DeepEqual(h.MemberOf, []string{"amor"}) {
		t.Errorf("amor01 = %+v", h)
	}
	if mm, _ := st.Verify(nil); len(mm) != 0 {
		t.Errorf("demo mismatches: %+v", mm)
	}
}

func TestRulePlan(t *testing.T) {
	tests := []struct {
		name         string
		hg           string
		edit         Edit
		wantJoin     []string
		wantEvict    []string
		wantRemoving bool
		wantErr      string
	}{
		{name: "add condition joins", hg: "amor", edit: Edit{AddInclusive: []string{`^eas-hvac-`}},
			wantJoin: []string{"eas-hvac-01.cp.lsst.org"}, wantEvict: []string{}},
		{name: "remove condition evicts", hg: "auxtel", edit: Edit{RemoveInclusive: []string{`^at-.*`}},
			wantJoin: []string{}, wantEvict: []string{"at-hcu01.cp.lsst.org"}, wantRemoving: true},
		{name: "exclusion evicts", hg: "amor", edit: Edit{AddExclusive: []string{`^amor02\.`}},
			wantJoin: []string{}, wantEvict: []string{"amor02.cp.lsst.org"}, wantRemoving: true},
		{name: "new rule on new hostgroup", hg: "hvac", edit: Edit{AddInclusive: []string{`^eas-hvac-[0-9]+\.cp\.lsst\.org$`}},
			wantJoin: []string{"eas-hvac-01.cp.lsst.org"}, wantEvict: []string{}},
		{name: "no-op", hg: "amor", edit: Edit{AddInclusive: []string{`^amor[0-9]+\.cp\.lsst\.org$`}},
			wantJoin: []string{}, wantEvict: []string{}},
		{name: "missing condition", hg: "amor", edit: Edit{RemoveInclusive: []string{`^nope`}}, wantErr: "has no inclusive condition"},
		{name: "missing hostgroup", hg: "nope", edit: Edit{AddInclusive: []string{`^nope`}}, wantErr: "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := demo(t)
			if _, err := d.Add(ctx, ipa.Hostgroup("hvac", "HVAC", d.Suffix())); err != nil {
				t.Fatal(err)
			}
			st, err := Read(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			rule, err := st.ApplyEdit(tt.hg, "fqdn", tt.edit)
			var p *plan.Plan
			var pv *Preview
			if err == nil {
				p, pv, err = st.RulePlan("test", rule)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pv.Join, tt.wantJoin) || !reflect.DeepEqual(pv.Evict, tt.wantEvict) {
				t.Fatalf("join %v evict %v, want %v %v", pv.Join, pv.Evict, tt.wantJoin, tt.wantEvict)
			}
			if p.Removing() != tt.wantRemoving {
				t.Fatalf("Removing = %v", p.Removing())
			}
			if err := plan.Apply(ctx, d, p); err != nil {
				t.Fatal(err)
			}
			// Preview equals what enforcement did: the re-read members are the expected set.
			after, err := Read(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			got := after.Hostgroups[tt.hg].Members
			if len(got) == 0 {
				got = nil
			}
			want := pv.Expected
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("members after apply %v, preview expected %v", got, want)
			}
			if mm, _ := after.Verify([]string{tt.hg}); len(mm) != 0 {
				t.Fatalf("mismatch after apply: %+v", mm)
			}
			// The server's own rebuild with cleanup agrees (nothing left to change).
			if _, err := RunRebuild(ctx, d, time.Millisecond); err != nil {
				t.Fatal(err)
			}
			again, _ := Read(ctx, d)
			if mm, _ := again.Verify(nil); len(mm) != 0 {
				t.Fatalf("rebuild changed membership after enforcement: %+v", mm)
			}
		})
	}
}

func TestNewHostJoinsByServerAutomember(t *testing.T) {
	ctx := context.Background()
	d := demo(t)
	st, _ := Read(ctx, d)
	rule, _ := st.ApplyEdit("amor", "fqdn", Edit{AddInclusive: []string{`^eas-hvac-`}})
	p, _, err := st.RulePlan("add", rule)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx, d, p); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Add(ctx, hostEntry("eas-hvac-02.cp.lsst.org", d.Suffix())); err != nil {
		t.Fatal(err)
	}
	after, _ := Read(ctx, d)
	if !reflect.DeepEqual(after.Host("eas-hvac-02.cp.lsst.org").MemberOf, []string{"amor"}) {
		t.Fatalf("new host memberOf = %v", after.Host("eas-hvac-02.cp.lsst.org").MemberOf)
	}
}

func TestApplyRollsBack(t *testing.T) {
	ctx := context.Background()
	d := demo(t)
	st, _ := Read(ctx, d)
	rule, _ := st.ApplyEdit("auxtel", "fqdn", Edit{RemoveInclusive: []string{`^at-.*`}})
	p, _, _ := st.RulePlan("remove", rule)
	f := directory.NewFaulty(d, 2) // the member modify fails
	if err := plan.Apply(ctx, f, p); err == nil {
		t.Fatal("apply succeeded under fault")
	}
	after, _ := Read(ctx, d)
	if !sameConds(after.Rules["auxtel"].Inclusive, st.Rules["auxtel"].Inclusive) ||
		!reflect.DeepEqual(after.Hostgroups["auxtel"].Members, st.Hostgroups["auxtel"].Members) {
		t.Fatalf("not rolled back: %+v %v", after.Rules["auxtel"].Inclusive, after.Hostgroups["auxtel"].Members)
	}
}

func TestLint(t *testing.T) {
	ctx := context.Background()
	d := demo(t)
	s := d.Suffix()
	for _, e := range []*directory.Entry{
		ipa.Hostgroup("hvac", "", s), ipa.Hostgroup("ccs", "", s), ipa.Hostgroup("manual", "", s),
		ipa.AutomemberHostgroupRule("hvac", []string{`eas-hvac`}, nil, "fqdn", s),
		ipa.AutomemberHostgroupRule("ccs", []string{`^amor01.cp.lsst.org$`, `^nothing-here`}, nil, "fqdn", s),
	} {
		if _, err := d.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Modify(ctx, ipa.HostgroupDN("manual", s), []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.HostDN("amor02.cp.lsst.org", s)}}}); err != nil {
		t.Fatal(err)
	}
	st, err := Read(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    LintOptions
		want    []string // code hostgroup subject
		notWant []string
	}{
		{name: "all", opts: LintOptions{}, want: []string{
			"unanchored hvac fqdn=eas-hvac",
			"unescaped-dot ccs fqdn=^amor01.cp.lsst.org$",
			"no-match ccs fqdn=^nothing-here",
			"overlap amor amor,ccs",
			"unmatched-member manual amor02.cp.lsst.org",
			"missing-member ccs amor01.cp.lsst.org",
			"missing-member hvac eas-hvac-01.cp.lsst.org",
		}},
		{name: "intended overlap", opts: LintOptions{IntendedOverlap: func(a, b string) bool { return a == "amor" && b == "ccs" }},
			notWant: []string{"overlap amor amor,ccs"}},
		{name: "only auxtel", opts: LintOptions{Only: "auxtel"}, notWant: []string{"unanchored hvac fqdn=eas-hvac", "overlap amor amor,ccs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := st.Lint(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range fs {
				got[f.Code+" "+f.Hostgroup+" "+f.Subject] = true
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("missing finding %q in %v", w, got)
				}
			}
			for _, w := range tt.notWant {
				if got[w] {
					t.Errorf("unexpected finding %q", w)
				}
			}
		})
	}
	t.Run("fix escapes", func(t *testing.T) {
		p, err := st.FixEscapesPlan("")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Pending()) == 0 || p.Pending()[0].Name != "ccs" {
			t.Fatalf("plan = %+v", p.Changes)
		}
		if err := plan.Apply(ctx, d, p); err != nil {
			t.Fatal(err)
		}
		after, _ := Read(ctx, d)
		if !sameConds(after.Rules["ccs"].Inclusive, []automember.Condition{automember.FQDN(`^amor01\.cp\.lsst\.org$`), automember.FQDN(`^nothing-here`)}) {
			t.Fatalf("fixed rule = %q", after.Rules["ccs"].Inclusive)
		}
	})
}

func TestConditionCounts(t *testing.T) {
	st := New("dc=x", []*Host{{FQDN: "a1.x"}, {FQDN: "a2.x"}, {FQDN: "b1.x"}}, nil, []*Rule{
		{Rule: automember.Rule{Name: "a", Inclusive: []automember.Condition{automember.FQDN("^a"), automember.FQDN("1")},
			Exclusive: []automember.Condition{automember.FQDN(`^a2\.`)}}},
		{Rule: automember.Rule{Name: "bad", Inclusive: []automember.Condition{automember.FQDN("^a(?=b)")}}},
	})
	got, err := st.ConditionCounts(nil)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, c := range got {
		s = append(s, fmt.Sprintf("%s %s %s %d", c.Hostgroup, c.Type, c.Condition, c.Hosts))
	}
	want := []string{"a inclusive fqdn=^a 2", "a inclusive fqdn=1 2", `a exclusive fqdn=^a2\. 1`, "bad inclusive fqdn=^a(?=b) -1"}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("counts %q, want %q", s, want)
	}
}

// synthetic builds a site at FreeIPA's perf-test scale: nHosts hosts, nRules hostgroups
// with rules in the site's style, members as the rules say (with a few strays).
func synthetic(nHosts, nRules int) *State {
	var hosts []*Host
	var groups []*Hostgroup
	var rules []*Rule
	for i := 0; i < nRules; i++ {
		n := fmt.Sprintf("hg%04d", i)
		rules = append(rules, &Rule{Rule: automember.Rule{Name: n, Inclusive: []automember.Condition{
			automember.FQDN(`^` + n + `-[a-z]+[0-9]*\.cp\.lsst\.org$`), automember.FQDN(`^` + n + `x.*`)}}})
		groups = append(groups, &Hostgroup{Name: n})
	}
	for i := 0; i < nHosts; i++ {
		g := i % (nRules + 10)
		f := fmt.Sprintf("hg%04d-node%d.cp.lsst.org", g, i)
		hosts = append(hosts, &Host{FQDN: f, DN: ipa.HostDN(f, "dc=x")})
		if g < nRules && i%50 != 0 {
			groups[g].Members = append(groups[g].Members, f)
		}
	}
	return New("dc=x", hosts, groups, rules)
}

// BenchmarkPreview previews one hostgroup's rule change over 40,000 hosts (after the
// search), as `automember add/remove/preview` do.
func BenchmarkPreview(b *testing.B) {
	st := synthetic(40000, 1000)
	rule, err := st.ApplyEdit("hg0007", "fqdn", Edit{AddInclusive: []string{`^hg0008-`}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := st.RulePlan("bench", rule); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnforceAll computes the joins and evictions of 1,000 rules over 40,000 hosts
// (`automember rebuild`).
func BenchmarkEnforceAll(b *testing.B) {
	st := synthetic(40000, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := st.EnforcePlan("bench", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLint lints 1,000 rules against 40,000 hosts.
func BenchmarkLint(b *testing.B) {
	st := synthetic(40000, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Lint(LintOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// sameConds compares conditions as sets: LDAP keeps no value order.
func sameConds(a, b []automember.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !hasCond(b, x) {
			return false
		}
	}
	return true
}
