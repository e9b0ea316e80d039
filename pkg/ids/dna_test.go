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

// TestDNARange: DNA's range is the realm's <REALM>_id_range whatever the order of the
// ranges (a range added with ipa idrange-add is ipa-local too, issue 18), never "the first
// local range".
func TestDNARange(t *testing.T) {
	realm := rangeEntry("EXAMPLE.TEST_id_range", "70000", "10000", "ipa-local")
	role := rangeEntry("dm-role", "61000", "1000", "ipa-local")
	other := rangeEntry("OTHER_id_range", "80000", "1000", "ipa-local")
	trust := rangeEntry("AD.TEST_id_range", "90000", "1000", "ipa-ad-trust")
	want := idrange.Range{Name: "EXAMPLE.TEST_id_range", Min: 70000, Max: 79999}
	tests := []struct {
		name    string
		entries []*directory.Entry
		realm   string
		want    idrange.Range
		ok      bool
	}{
		{"realm range first", []*directory.Entry{realm, role}, "EXAMPLE.TEST", want, true},
		{"realm range last", []*directory.Entry{role, realm}, "EXAMPLE.TEST", want, true},
		{"realm unknown, realm range first", []*directory.Entry{realm, role}, "", want, true},
		{"realm unknown, realm range last", []*directory.Entry{role, realm}, "", want, true},
		{"trust range ignored", []*directory.Entry{trust, realm}, "", want, true},
		{"the realm picks among two _id_range", []*directory.Entry{other, realm}, "EXAMPLE.TEST", want, true},
		{"two _id_range and no realm: unknown", []*directory.Entry{other, realm}, "", idrange.Range{}, false},
		{"only another local range: unknown, never the first local range", []*directory.Entry{role}, "", idrange.Range{}, false},
		{"realm's range missing: unknown", []*directory.Entry{role, other}, "EXAMPLE.TEST", idrange.Range{}, false},
		{"bad numbers skipped", []*directory.Entry{rangeEntry("X_id_range", "0x10", "5", "ipa-local")}, "", idrange.Range{}, false},
		{"none", nil, "EXAMPLE.TEST", idrange.Range{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DNARange(tt.entries, tt.realm)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
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
