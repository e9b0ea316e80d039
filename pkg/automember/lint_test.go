package automember

import (
	"reflect"
	"testing"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name      string
		regex     string
		wantCodes []string
		wantFixes []string
	}{
		{"clean", `^ts-csc-generic-01\.cp\.lsst\.org$`, nil, nil},
		{"clean prefix", `^at-.*`, nil, nil},
		{"unanchored", `eas-hvac`, []string{CodeUnanchored}, []string{`^eas-hvac`}},
		{"unanchored with flag", `(?i)eas`, []string{CodeUnanchored}, []string{`(?i)^eas`}},
		{"A anchor", `\Aeas`, nil, nil},
		{"unescaped dots", `^ts-csc-generic-01.cp.lsst.org$`, []string{CodeUnescapedDot}, []string{`^ts-csc-generic-01\.cp\.lsst\.org$`}},
		{"both", `web01.cp.lsst.org`, []string{CodeUnanchored, CodeUnescapedDot}, []string{`^web01.cp.lsst.org`, `web01\.cp\.lsst\.org`}},
		{"wildcard dots kept", `^at-.+\.cp\..*$`, nil, nil},
		{"dot in class", `^a[.]b`, nil, nil},
		{"dot in quote", `^\Qa.b\E`, nil, nil},
		{"dot after escape class", `^\d.b`, nil, nil},
		{"invalid", `^a(?=b)`, []string{CodeInvalid}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var codes, fixes []string
			for _, f := range Lint(FQDN(tt.regex)) {
				codes = append(codes, f.Code)
				fixes = append(fixes, f.Fix)
				if f.Message == "" {
					t.Fatalf("finding %s has no message", f.Code)
				}
			}
			if !reflect.DeepEqual(codes, tt.wantCodes) || !reflect.DeepEqual(fixes, tt.wantFixes) {
				t.Fatalf("Lint(%q) codes %q fixes %q; want %q %q", tt.regex, codes, fixes, tt.wantCodes, tt.wantFixes)
			}
		})
	}
}

func TestEscapeLiteralDots(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"host", `^ts-csc-generic-01.cp.lsst.org$`, `^ts-csc-generic-01\.cp\.lsst\.org$`},
		{"already escaped", `^a\.b`, `^a\.b`},
		{"mixed", `^a\.b.c`, `^a\.b\.c`},
		{"wildcards", `^at-.*`, `^at-.*`},
		{"dot before quantifier", `^a.+b`, `^a.+b`},
		{"class", `^[a.b]c.d`, `^[a.b]c\.d`},
		{"double dot", `^a..b`, `^a..b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeLiteralDots(tt.in); got != tt.want {
				t.Fatalf("EscapeLiteralDots(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
