package automember

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		wantErr string // "" = valid
	}{
		{"anchored literal", `^ts-csc-generic-01\.cp\.lsst\.org$`, ""},
		{"prefix", `^eas-hvac`, ""},
		{"dot star", `^at-.*`, ""},
		{"class", `^[a-z]+[0-9]{2,3}\.cp\.lsst\.org$`, ""},
		{"posix class", `^[[:alpha:]]+\d`, ""},
		{"bracket literal first", `^[]a]x`, ""},
		{"negated bracket literal", `^[^]a]x`, ""},
		{"non-capturing", `^(?:at|ats)-`, ""},
		{"named P", `^(?P<site>cp|ls)-`, ""},
		{"named angle", `^(?<site>cp|ls)-`, ""},
		{"case flag", `(?i)^HVAC`, ""},
		{"case flag group", `^(?i:hvac)`, ""},
		{"lazy", `^a.*?b`, ""},
		{"lazy counted", `^a{2,3}?b`, ""},
		{"quote", `^\Qa.b\E$`, ""},
		{"quote with specials", `^\Q(?=\E`, ""},
		{"hex", `^\x61\x{62}`, ""},
		{"end z", `org\z`, ""},
		{"start A", `\Aab`, ""},
		{"word boundary", `\bhvac\b`, ""},
		{"literal brace", `^a{`, ""},
		{"escaped paren in class", `^[(?=]`, ""},
		{"empty", ``, `invalid automember regex "": must not be empty`},
		{"backref", `^(a)\1`, `at byte 4: back-reference "\\1"`},
		{"backref k", `^(?<x>a)\k<x>`, `at byte 8: back-reference "\\k"`},
		{"backref g", `(a)\g1`, `at byte 3: back-reference`},
		{"named backref", `(?P<x>a)(?P=x)`, `at byte 8: named back-reference`},
		{"lookahead", `^a(?=b)`, `at byte 2: look-ahead "(?="`},
		{"negative lookahead", `^(?!test-)`, `at byte 1: negative look-ahead`},
		{"lookbehind", `(?<=a)b`, `at byte 0: look-behind`},
		{"negative lookbehind", `(?<!a)b`, `negative look-behind`},
		{"atomic", `^(?>a+)b`, `at byte 1: atomic group`},
		{"possessive plus", `^a++b`, `at byte 3: possessive quantifier`},
		{"possessive star", `^a*+b`, `at byte 3: possessive quantifier`},
		{"possessive question", `^a?+b`, `at byte 3: possessive quantifier`},
		{"possessive counted", `^a{2}+b`, `at byte 5: possessive quantifier`},
		{"open counted", `^a{,3}`, `at byte 2: quantifier "{,3}"`},
		{"conditional", `(a)?(?(1)b|c)`, `at byte 4: conditional`},
		{"recursion R", `a(?R)?`, `at byte 1: recursion`},
		{"recursion number", `(a)(?1)`, `at byte 3: recursion`},
		{"subroutine", `(?<x>a)(?&x)`, `named back-reference or subroutine`},
		{"branch reset", `(?|a|b)`, `branch reset`},
		{"comment", `a(?#note)`, `comment`},
		{"verb", `(*UTF)a`, `at byte 0: verb`},
		{"quote named", `(?'x'a)`, `named group "(?'"`},
		{"flag s", `(?s)a.b`, `at byte 2: inline flag "s"`},
		{"flag m", `(?m)^a`, `inline flag "m"`},
		{"flag x", `(?x) a`, `inline flag "x"`},
		{"flag U", `(?U)a+`, `inline flag "U"`},
		{"flag mixed", `(?im)a`, `at byte 3: inline flag "m"`},
		{"Z", `org\Z`, `at byte 3: "\\Z"`},
		{"G", `\Ga`, `escape "\\G"`},
		{"K", `a\Kb`, `escape "\\K"`},
		{"h", `a\hb`, `escape "\\h"`},
		{"v", `a\vb`, `escape "\\v"`},
		{"R", `a\R`, `escape "\\R"`},
		{"X", `\X`, `escape "\\X"`},
		{"C", `\C`, `escape "\\C"`},
		{"N", `\N`, `escape "\\N"`},
		{"e", `\e`, `escape "\\e"`},
		{"octal", `\012`, `octal escape`},
		{"class octal", `[\1]`, `at byte 1: octal escape`},
		{"class h", `[\h]`, `escape "\\h"`},
		{"property", `\pL`, `Unicode property`},
		{"non ascii", `^hvác`, `at byte 3: non-ASCII byte`},
		{"trailing backslash", `a\`, `at byte 1: trailing`},
		{"go rejects", `^(a`, `does not compile: missing closing )`},
		{"bad repeat", `a{2,1}`, `does not compile: invalid repeat count`},
		{"nested repeat", `a**`, `does not compile`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.pattern)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate(%q): %v", tt.pattern, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%q): no error, want %q", tt.pattern, tt.wantErr)
			}
			var re *RegexError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not *RegexError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate(%q) = %q, want it to contain %q", tt.pattern, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), `"`+strings.ReplaceAll(tt.pattern, `\`, `\\`)) && tt.pattern != "" && !strings.Contains(tt.pattern, "á") {
				t.Fatalf("error %q does not quote the pattern", err)
			}
		})
	}
}
