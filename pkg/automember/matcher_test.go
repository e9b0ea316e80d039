package automember

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func TestLiteralPrefix(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", `^eas-hvac`, "eas-hvac"},
		{"dot star", `^at-.*`, "at-"},
		{"escaped dots", `^ts-csc\.cp\.lsst`, "ts-csc.cp.lsst"},
		{"star drops last", `^abc*`, "ab"},
		{"question drops last", `^abc?d`, "ab"},
		{"counted drops last", `^abc{0,2}`, "ab"},
		{"plus keeps last", `^abc+`, "abc"},
		{"class stops", `^ab[0-9]`, "ab"},
		{"alternation factored", `^ab(c|d)`, "ab"},
		{"alternation common prefix", `^(hg01-a|hg01-b)`, "hg01-"},
		{"anchored alternatives", `^abc|^abd`, "ab"},
		{"group literal continues", `^(ab)c`, "abc"},
		{"optional group", `^a(bc)?d`, "a"},
		{"A anchor", `\Aab`, "ab"},
		{"multiline flag", `(?m)^ab`, ""},
		{"case-insensitive part", `^ab(?i)c`, "ab"},
		{"alternation unanchored branch", `^ab|cd`, ""},
		{"one-char class is literal", `^ab[|]`, "ab|"},
		{"unanchored", `eas-hvac`, ""},
		{"flag", `(?i)^eas`, ""},
		{"escape class stops", `^ab\d`, "ab"},
		{"anchored end", `^ab$`, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LiteralPrefix(tt.in); got != tt.want {
				t.Fatalf("LiteralPrefix(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMatcher(t *testing.T) {
	rules := []Rule{
		auxtel,
		{Name: "hvac", Inclusive: []Condition{FQDN(`^eas-hvac`), FQDN(`hvac-ctl`)}},
		{Name: "comcam", Inclusive: []Condition{FQDN(`^(comcam|cc)-`)}, Exclusive: []Condition{FQDN(`-test\.`)}},
		{Name: "summit", Inclusive: []Condition{{Attr: "l", Regex: `^summit$`}}},
	}
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		fqdn    string
		want    []string // "hostgroup<-condition" or "hostgroup!exclusion" (Explain)
		explain bool
	}{
		{"auxtel", "at-hcu01.cp.lsst.org", []string{"auxtel<-fqdn=^at-.*"}, false},
		{"two groups", "ats-hvac-ctl.cp.lsst.org", []string{"auxtel<-fqdn=^ats-.*", "hvac<-fqdn=hvac-ctl"}, false},
		{"prefix", "eas-hvac01.cp.lsst.org", []string{"hvac<-fqdn=^eas-hvac"}, false},
		{"alternation unindexed", "cc-01.cp.lsst.org", []string{"comcam<-fqdn=^(comcam|cc)-"}, false},
		{"excluded hidden", "cc-01-test.cp.lsst.org", nil, false},
		{"excluded explained", "cc-01-test.cp.lsst.org", []string{"comcam!fqdn=-test\\."}, true},
		{"auxtel exclusion explained", "at-test-1.cp.lsst.org", []string{"auxtel!fqdn=^at-test-"}, true},
		{"none", "foo.cp.lsst.org", nil, false},
		{"short name", "a", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res []MatchResult
			if tt.explain {
				res = m.Explain(tt.fqdn)
			} else {
				res = m.Hostgroups(tt.fqdn)
			}
			var got []string
			for _, r := range res {
				if r.Matched {
					got = append(got, r.Hostgroup+"<-"+r.By.String())
				} else {
					got = append(got, r.Hostgroup+"!"+r.ExcludedBy.String())
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("other attribute", func(t *testing.T) {
		res := m.MatchAttrs(map[string][]string{"fqdn": {"eas-hvac01.cp.lsst.org"}, "L": {"summit"}})
		if len(res) != 2 || res[0].Hostgroup != "hvac" || res[1].Hostgroup != "summit" {
			t.Fatalf("MatchAttrs = %+v", res)
		}
	})
	t.Run("invalid rule", func(t *testing.T) {
		_, err := NewMatcher([]Rule{{Name: "x", Inclusive: []Condition{FQDN(`^a++`)}}})
		if err == nil || !strings.Contains(err.Error(), "possessive") {
			t.Fatalf("NewMatcher error = %v", err)
		}
	})
}

// TestMatcherAgreesWithMatch checks the indexed Matcher against the plain
// per-rule Match on generated rules and hosts.
func TestMatcherAgreesWithMatch(t *testing.T) {
	rules, hosts := synthetic(200, 3000, 1)
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		var want []string
		for _, r := range rules {
			if ok, by, _ := Match(r, fqdn(h)); ok {
				want = append(want, r.Name+"<-"+by.String())
			}
		}
		var got []string
		for _, r := range m.Hostgroups(h) {
			got = append(got, r.Hostgroup+"<-"+r.By.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Matcher %q, Match %q", h, got, want)
		}
	}
}

// synthetic builds nRules hostgroup rules in the site's style (mostly
// anchored prefixes, some exact names, some unanchored or alternations, a
// few exclusions) and nHosts host names that hit them. Rule names sort in
// rule order.
func synthetic(nRules, nHosts int, seed int64) ([]Rule, []string) {
	rng := rand.New(rand.NewSource(seed))
	var rules []Rule
	for i := 0; i < nRules; i++ {
		base := fmt.Sprintf("hg%04d", i)
		r := Rule{Name: base}
		switch i % 20 {
		case 0: // unanchored
			r.Inclusive = []Condition{FQDN(base + `-ctl`)}
		case 1: // alternation, no usable prefix
			r.Inclusive = []Condition{FQDN(`^(` + base + `-a|` + base + `-b)`)}
		default:
			r.Inclusive = []Condition{
				FQDN(`^` + base + `-[a-z]+[0-9]*\.cp\.lsst\.org$`),
				FQDN(`^` + base + `x.*`),
				FQDN(`^` + base + `-control-01\.cp\.lsst\.org$`),
			}
		}
		if i%7 == 0 {
			r.Exclusive = []Condition{FQDN(`-test\.`)}
		}
		rules = append(rules, r)
	}
	suffixes := []string{"-node", "-ctl", "-a", "-b", "x", "-control-01", "-test"}
	var hosts []string
	for i := 0; i < nHosts; i++ {
		hosts = append(hosts, fmt.Sprintf("hg%04d%s%02d.cp.lsst.org", rng.Intn(nRules+50), suffixes[rng.Intn(len(suffixes))], rng.Intn(100)))
	}
	return rules, hosts
}

// BenchmarkMatcher evaluates 1,000 rules against 40,000 hosts per op
// (FreeIPA's perf-test scale), as `automember preview` and `lint` do.
func BenchmarkMatcher(b *testing.B) {
	rules, hosts := synthetic(1000, 40000, 2)
	m, err := NewMatcher(rules)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	matched := 0
	for b.Loop() {
		matched = 0
		for _, h := range hosts {
			matched += len(m.Hostgroups(h))
		}
	}
	b.ReportMetric(float64(matched), "memberships")
}

// BenchmarkMatcherBuild measures building the Matcher from 1,000 rules.
func BenchmarkMatcherBuild(b *testing.B) {
	rules, _ := synthetic(1000, 0, 2)
	for b.Loop() {
		if _, err := NewMatcher(rules); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchNaive is the unindexed baseline: Match of every rule for
// 1,000 of the 40,000 hosts per op (multiply by 40 to compare with
// BenchmarkMatcher).
func BenchmarkMatchNaive(b *testing.B) {
	rules, hosts := synthetic(1000, 1000, 2)
	for b.Loop() {
		for _, h := range hosts {
			attrs := fqdn(h)
			for _, r := range rules {
				Match(r, attrs)
			}
		}
	}
}
