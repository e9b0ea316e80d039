package ids

import (
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
)

func rangeEntry(name, base, size, typ string) *directory.Entry {
	return directory.NewEntry("cn="+name+",cn=ranges,cn=etc,dc=x", directory.A("cn", name),
		directory.A("ipaBaseID", base), directory.A("ipaIDRangeSize", size), directory.A("ipaRangeType", typ))
}

// TestLocalRange: DNA's range is the realm's <REALM>_id_range whatever the order of the
// ranges (a range added with ipa idrange-add is ipa-local too, issue 18).
func TestLocalRange(t *testing.T) {
	realm := rangeEntry("EXAMPLE.TEST_id_range", "70000", "10000", "ipa-local")
	role := rangeEntry("dm-role", "61000", "1000", "ipa-local")
	trust := rangeEntry("AD.TEST_id_range", "90000", "1000", "ipa-ad-trust")
	tests := []struct {
		name      string
		entries   []*directory.Entry
		want      idrange.Range
		wantRealm string
		ok        bool
	}{
		{"realm first", []*directory.Entry{realm, role}, idrange.Range{Name: "EXAMPLE.TEST_id_range", Min: 70000, Max: 79999}, "EXAMPLE.TEST", true},
		{"realm last", []*directory.Entry{role, realm}, idrange.Range{Name: "EXAMPLE.TEST_id_range", Min: 70000, Max: 79999}, "EXAMPLE.TEST", true},
		{"trust range ignored", []*directory.Entry{trust, realm}, idrange.Range{Name: "EXAMPLE.TEST_id_range", Min: 70000, Max: 79999}, "EXAMPLE.TEST", true},
		{"no realm range: first local, no realm", []*directory.Entry{role}, idrange.Range{Name: "dm-role", Min: 61000, Max: 61999}, "", true},
		{"bad numbers skipped", []*directory.Entry{rangeEntry("X_id_range", "0x10", "5", "ipa-local")}, idrange.Range{}, "", false},
		{"none", nil, idrange.Range{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, realm, ok := LocalRange(tt.entries)
			if got != tt.want || realm != tt.wantRealm || ok != tt.ok {
				t.Errorf("got %v %q %v, want %v %q %v", got, realm, ok, tt.want, tt.wantRealm, tt.ok)
			}
		})
	}
}

func TestDNADecisions(t *testing.T) {
	general := idrange.Range{Name: "general", Min: 70000, Max: 79999}
	inside := &idrange.Range{Name: "R_id_range", Min: 70000, Max: 79999}
	partly := &idrange.Range{Name: "R_id_range", Min: 65000, Max: 74999}
	apart := &idrange.Range{Name: "R_id_range", Min: 200000, Max: 399999}
	tests := []struct {
		name                   string
		dna                    *idrange.Range
		mark                   int
		fits, overlaps, useDNA bool
	}{
		{"dna serves general", inside, 0, true, true, true},
		{"mark below dna", inside, 69999, true, true, true},
		{"legacy claim in dna's range", inside, 70004, true, true, false},
		{"dna partly in general", partly, 0, false, true, false},
		{"dna elsewhere", apart, 0, false, false, false},
		{"dna unknown", nil, 0, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DNAFits(tt.dna, general); got != tt.fits {
				t.Errorf("DNAFits = %v", got)
			}
			if got := DNAOverlaps(tt.dna, general); got != tt.overlaps {
				t.Errorf("DNAOverlaps = %v", got)
			}
			if got := UseDNA(tt.dna, general, tt.mark); got != tt.useDNA {
				t.Errorf("UseDNA = %v", got)
			}
			err := RefuseClaimUnderDNA(tt.dna, general)
			if (err != nil) != tt.overlaps || err != nil && !errors.Is(err, ErrDNAServed) {
				t.Errorf("RefuseClaimUnderDNA = %v", err)
			}
		})
	}
}

// TestMarkFrom: a mark is one decimal ID; anything else is ErrBadMark, never "no mark".
func TestMarkFrom(t *testing.T) {
	tests := []struct {
		vals []string
		want int
		bad  string
	}{
		{[]string{"70004"}, 70004, ""},
		{[]string{"abc"}, 0, `holds "abc", not a decimal id`},
		{[]string{"-5"}, 0, `holds "-5", not a decimal id`},
		{[]string{"12345678901234567890"}, 0, `holds "12345678901234567890", not a decimal id`},
		{[]string{"0x111e2"}, 0, "not a decimal id"},
		{[]string{"070004"}, 0, "not a decimal id"},
		{[]string{" 70004"}, 0, "not a decimal id"},
		{[]string{"70004", "70010"}, 0, "holds 2 values"},
		{nil, 0, "holds no value"},
		{[]string{"x" + string(make([]byte, 200))}, 0, `..., not a decimal id`},
	}
	for _, tt := range tests {
		e := directory.NewEntry(MarkDN("general", "dc=x"), directory.A("cn", "general"))
		if tt.vals != nil {
			e.Set(MarkAttr, tt.vals...)
		}
		m := markFrom(e)
		if tt.bad == "" {
			if m.Err != nil || m.Value != tt.want {
				t.Errorf("%q: %d %v, want %d", tt.vals, m.Value, m.Err, tt.want)
			}
			continue
		}
		if !errors.Is(m.Err, ErrBadMark) || !strings.Contains(m.Err.Error(), tt.bad) || m.Value != 0 || len(m.Err.Error()) > 400 {
			t.Errorf("%q: err %v, want ErrBadMark with %q", tt.vals, m.Err, tt.bad)
		}
	}
	// A malformed mark stops claims in its range only.
	s := &State{Marks: map[string]Mark{"general": markFrom(directory.NewEntry("cn=general", directory.A("cn", "general"), directory.A(MarkAttr, "abc")))}}
	if _, err := s.UseDNA(idrange.Range{Name: "general", Min: 70000, Max: 79999}); !errors.Is(err, ErrBadMark) {
		t.Errorf("UseDNA with a bad mark: %v", err)
	}
}
