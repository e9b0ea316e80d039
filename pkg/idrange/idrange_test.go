package idrange

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var (
	dmRole     = Range{Name: "dm-role", Min: 61000, Max: 61999}
	cameraRole = Range{Name: "camera-role", Min: 62000, Max: 62999}
	general    = Range{Name: "general", Min: 70000, Max: 79999}
	site       = []Range{dmRole, cameraRole, general}

	// ITTN-010 §6.2.
	reservations = []Reservation{
		{61000, "arc"}, {61001, Unnamed}, {61002, "atadbot"}, {61003, "iip"}, {61616, "rke2"},
		{62000, "ccs"}, {62001, "ccsadm"}, {62002, "rce"}, {62003, "dsid"},
	}
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		ranges  []Range
		wantErr string
	}{
		{"site", site, ""},
		{"empty", nil, ""},
		{"below 60001", []Range{{"low", 60000, 60100}}, `range "low" (60000-60100) starts below 60001`},
		{"inverted", []Range{{"x", 70010, 70000}}, `range "x" (70010-70000) starts after it ends`},
		{"no name", []Range{{"", 70000, 70010}}, `has no name`},
		{"overlap", []Range{general, {"more", 79999, 80500}}, `range "more" (79999-80500) overlaps range "general" (70000-79999)`},
		{"duplicate name", []Range{general, {"general", 80000, 80001}}, `defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, Validate(tt.ranges), tt.wantErr, ErrInvalid)
		})
	}
}

func TestValidateReservations(t *testing.T) {
	tests := []struct {
		name    string
		res     []Reservation
		wantErr string
	}{
		{"site", reservations, ""},
		{"low", []Reservation{{500, "x"}}, "below 60001"},
		{"dup id", []Reservation{{61002, "a"}, {61002, "b"}}, `id 61002 is reserved twice ("a" and "b")`},
		{"dup name", []Reservation{{61002, "a"}, {61003, "a"}}, `"a" has two reserved ids`},
		{"two unnamed", []Reservation{{61002, ""}, {61003, Unnamed}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, ValidateReservations(tt.res), tt.wantErr, ErrInvalid)
		})
	}
}

func checkErr(t *testing.T, err error, want string, kind error) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name      string
		r         Range
		used      []int
		count     int
		highWater int
		want      []int
		wantErr   string
		kind      error
	}{
		{"dm-role skips reservations", dmRole, nil, 1, 0, []int{61004}, "", nil},
		{"dm-role skips used", dmRole, []int{61004, 61005}, 2, 0, []int{61006, 61007}, "", nil},
		{"camera-role", cameraRole, nil, 3, 0, []int{62004, 62005, 62006}, "", nil},
		{"high water", general, nil, 2, 70010, []int{70011, 70012}, "", nil},
		{"high water below range", general, nil, 1, 65000, []int{70000}, "", nil},
		{"freed id not reused", general, []int{70001}, 1, 70005, []int{70006}, "", nil},
		{"reserved inside general", Range{"g", 61610, 61620}, []int{61610, 61611, 61612, 61613, 61614, 61615}, 1, 0, []int{61617}, "", nil},
		{"exhausted", Range{"tiny", 70000, 70001}, []int{70000, 70001}, 1, 0, nil, `range "tiny" is exhausted (70000-70001)`, ErrExhausted},
		{"exhausted by high water", general, nil, 1, 79999, nil, `range "general" is exhausted (70000-79999)`, ErrExhausted},
		{"not enough", Range{"tiny", 70000, 70002}, []int{70001}, 3, 0, nil, `range "tiny" has only 2 free ids left (70000-70002), 3 requested`, ErrExhausted},
		{"zero count", general, nil, 0, 0, nil, "count must be at least 1", ErrInvalid},
		{"bad range", Range{"low", 100, 200}, nil, 1, 0, nil, "starts below 60001", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Next(tt.r, Set(tt.used...), reservations, tt.count, tt.highWater)
			checkErr(t, err, tt.wantErr, tt.kind)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Next = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestForName(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   int
		wantOK bool
	}{
		{"atadbot", "atadbot", 61002, true},
		{"rke2", "rke2", 61616, true},
		{"dsid", "dsid", 62003, true},
		{"unknown", "jdoe", 0, false},
		{"unnamed", Unnamed, 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ForName(tt.in, reservations)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("ForName(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		r       Range
		id      int
		account string
		used    []int
		wantErr string
		kind    error
	}{
		{"ok", cameraRole, 62500, "newrole", nil, "", nil},
		{"own reservation", dmRole, 61002, "atadbot", nil, "", nil},
		{"outside", cameraRole, 61500, "x", nil, `id 61500 lies outside range "camera-role" (62000-62999)`, ErrOutside},
		{"someone else's", dmRole, 61002, "x", nil, `id 61002 is reserved for "atadbot", not "x"`, ErrReserved},
		{"held for nobody", dmRole, 61001, "x", nil, `id 61001 is reserved for (reserved), not "x"`, ErrReserved},
		{"in use", general, 70001, "x", []int{70001}, "id 70001 is already in use", ErrInUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, Check(tt.r, tt.id, tt.account, Set(tt.used...), reservations), tt.wantErr, tt.kind)
		})
	}
}

func TestRangeOf(t *testing.T) {
	tests := []struct {
		name   string
		id     int
		want   string
		wantOK bool
	}{
		{"dm", 61500, "dm-role", true},
		{"camera low edge", 62000, "camera-role", true},
		{"general high edge", 79999, "general", true},
		{"gap", 65000, "", false},
		{"system", 1000, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RangeOf(tt.id, site)
			if got.Name != tt.want || ok != tt.wantOK {
				t.Fatalf("RangeOf(%d) = %v, %v", tt.id, got, ok)
			}
		})
	}
}

func TestRangeStats(t *testing.T) {
	tests := []struct {
		name      string
		r         Range
		used      []int
		highWater int
		want      Stats
	}{
		{"dm-role", dmRole, []int{61000, 61002, 61004}, 0, Stats{Used: 3, Reserved: 3, Free: 994, NextFree: 61005}},
		{"high water", general, []int{70000}, 70100, Stats{Used: 1, Free: 9999, NextFree: 70101}},
		{"full", Range{"t", 70000, 70001}, []int{70000, 70001}, 0, Stats{Used: 2}},
		{"exhausted by high water", Range{"t", 70000, 70001}, nil, 70001, Stats{Free: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RangeStats(tt.r, Set(tt.used...), reservations, tt.highWater); got != tt.want {
				t.Fatalf("RangeStats = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUncovered(t *testing.T) {
	local := FromIPA("EXAMPLE.COM_id_range", 70000, 200000)
	tests := []struct {
		name string
		r    Range
		ipa  []Range
		want []Range
	}{
		{"covered", general, []Range{local}, nil},
		{"not covered", dmRole, []Range{local}, []Range{dmRole}},
		{"two ranges adjacent", general, []Range{{"a", 70000, 74999}, {"b", 75000, 90000}}, nil},
		{"hole", general, []Range{{"a", 60000, 71999}, {"b", 75000, 90000}}, []Range{{"general", 72000, 74999}}},
		{"head and tail", general, []Range{{"a", 71000, 72000}}, []Range{{"general", 70000, 70999}, {"general", 72001, 79999}}},
		{"overlapping ipa ranges", general, []Range{{"a", 70000, 78000}, {"b", 71000, 72000}, {"c", 77000, 80000}}, nil},
		{"none", cameraRole, nil, []Range{cameraRole}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Uncovered(tt.r, tt.ipa)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Uncovered = %v, want %v", got, tt.want)
			}
			if Covered(tt.r, tt.ipa) != (len(tt.want) == 0) {
				t.Fatalf("Covered disagrees with Uncovered")
			}
		})
	}
}

func TestFixCommand(t *testing.T) {
	tests := []struct {
		name, rangeName string
		gap             Range
		want            string
	}{
		{"plain", "LSST.CLOUD_dm-role", dmRole, "ipa idrange-add LSST.CLOUD_dm-role --base-id=61000 --range-size=1000"},
		{"quoted", "my range", cameraRole, "ipa idrange-add 'my range' --base-id=62000 --range-size=1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FixCommand(tt.rangeName, tt.gap); got != tt.want {
				t.Fatalf("FixCommand = %q, want %q", got, tt.want)
			}
		})
	}
	got := FixCommandRID("dm", dmRole, 100000, 200000)
	if want := "ipa idrange-add dm --base-id=61000 --range-size=1000 --rid-base=100000 --secondary-rid-base=200000"; got != want {
		t.Fatalf("FixCommandRID = %q", got)
	}
}
