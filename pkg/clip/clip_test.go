package clip

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	long := strings.Repeat("a", 10240)
	tests := []struct{ in, want string }{
		{"jdoe", `"jdoe"`},
		{"a\nb", `"a\nb"`},
		{strings.Repeat("x", MaxRunes), `"` + strings.Repeat("x", MaxRunes) + `"`},
		{long, `"` + strings.Repeat("a", MaxRunes) + `"… (10240 bytes)`},
		{strings.Repeat("é", 100), `"` + strings.Repeat("é", MaxRunes) + `"… (200 bytes)`},
		{strings.Repeat("\xff", 70), `"` + strings.Repeat(`\xff`, MaxRunes) + `"… (70 bytes)`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.20q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
