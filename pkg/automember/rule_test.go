package automember

import (
	"strings"
	"testing"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Condition
		wantErr string
	}{
		{"fqdn", `fqdn=^web[1-9]+\.example\.com`, Condition{"fqdn", `^web[1-9]+\.example\.com`}, ""},
		{"split at first equals", `fqdn=^a=b`, Condition{"fqdn", `^a=b`}, ""},
		{"other attr", `manager=^uid=boss`, Condition{"manager", `^uid=boss`}, ""},
		{"no equals", `fqdn`, Condition{}, "must have the form attr=regex"},
		{"empty attr", `=^a`, Condition{}, "attribute name must not be empty"},
		{"bad attr", `fq dn=^a`, Condition{}, `attribute name "fq dn"`},
		{"empty regex", `fqdn=`, Condition{}, `invalid automember regex "": must not be empty`},
		{"bad regex", `fqdn=^a(?=b)`, Condition{}, "look-ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCondition(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCondition(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCondition(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseCondition(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// auxtel is the rule of ITTN-010 §3.2.2, plus an exclusion.
var auxtel = Rule{
	Name: "auxtel",
	Inclusive: []Condition{
		FQDN(`^at-.*`), FQDN(`^atarchiver.*`), FQDN(`^ats-.*`), FQDN(`^atsccs.*`), FQDN(`^atsdaq.*`),
		FQDN(`^atshcu.*`), FQDN(`^auxtel-control-01.*`), FQDN(`^ts-csc-generic-01\.cp\.lsst\.org$`),
	},
	Exclusive: []Condition{FQDN(`^at-test-`)},
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name         string
		rule         Rule
		attrs        map[string][]string
		want         bool
		wantBy       string
		wantExcluded string
	}{
		{"prefix", auxtel, fqdn("at-hcu01.cp.lsst.org"), true, `fqdn=^at-.*`, ""},
		{"literal", auxtel, fqdn("ts-csc-generic-01.cp.lsst.org"), true, `fqdn=^ts-csc-generic-01\.cp\.lsst\.org$`, ""},
		{"escaped dot refuses any char", auxtel, fqdn("ts-csc-generic-01xcp.lsst.org"), false, "", ""},
		{"anchored end", auxtel, fqdn("ts-csc-generic-01.cp.lsst.org.evil"), false, "", ""},
		{"excluded first", auxtel, fqdn("at-test-01.cp.lsst.org"), false, "", `fqdn=^at-test-`},
		{"case-sensitive", auxtel, fqdn("AT-hcu01.cp.lsst.org"), false, "", ""},
		{"no match", auxtel, fqdn("comcam-01.cp.lsst.org"), false, "", ""},
		{"unanchored matches inside", Rule{Name: "h", Inclusive: []Condition{FQDN(`hvac`)}}, fqdn("eas-hvac01.cp.lsst.org"), true, "fqdn=hvac", ""},
		{"any value", Rule{Name: "h", Inclusive: []Condition{FQDN(`^b`)}}, map[string][]string{"fqdn": {"a.x.org", "b.x.org"}}, true, "fqdn=^b", ""},
		{"attr name case-insensitive", Rule{Name: "h", Inclusive: []Condition{FQDN(`^b`)}}, map[string][]string{"FQDN": {"b.x.org"}}, true, "fqdn=^b", ""},
		{"missing attr", Rule{Name: "h", Inclusive: []Condition{{"l", `^summit`}}}, fqdn("b.x.org"), false, "", ""},
		{"invalid regex never matches", Rule{Name: "h", Inclusive: []Condition{FQDN(`^(?=b)`)}}, fqdn("b.x.org"), false, "", ""},
		{"first inclusive in order", Rule{Name: "h", Inclusive: []Condition{FQDN(`x`), FQDN(`^a`), FQDN(`a`)}}, fqdn("a.y.org"), true, "fqdn=^a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, by, excl := Match(tt.rule, tt.attrs)
			if got != tt.want || condString(by) != tt.wantBy || condString(excl) != tt.wantExcluded {
				t.Fatalf("Match = %v, %q, %q; want %v, %q, %q", got, condString(by), condString(excl), tt.want, tt.wantBy, tt.wantExcluded)
			}
		})
	}
}

func fqdn(s string) map[string][]string { return map[string][]string{"fqdn": {s}} }

func condString(c *Condition) string {
	if c == nil {
		return ""
	}
	return c.String()
}
