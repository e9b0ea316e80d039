package ids

import (
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// RangeRow is one line of `id ranges`.
type RangeRow struct {
	Name      string `json:"name" yaml:"name"`
	Min       int    `json:"min" yaml:"min"`
	Max       int    `json:"max" yaml:"max"`
	Used      int    `json:"used" yaml:"used"`
	Reserved  int    `json:"reserved" yaml:"reserved"`
	Free      int    `json:"free" yaml:"free"`
	NextFree  int    `json:"next_free" yaml:"next_free"`
	HighWater int    `json:"high_water" yaml:"high_water"`
	// MarkError is set when the range's high-water mark is malformed: nothing can be
	// claimed in the range until it is repaired.
	MarkError string   `json:"high_water_error,omitempty" yaml:"high_water_error,omitempty"`
	Covered   bool     `json:"covered_by_ipa_range" yaml:"covered_by_ipa_range"`
	Fix       []string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// RangeRows computes the rows of `id ranges`: each range of the conventions with its
// counts, next free ID, high-water mark and FreeIPA range coverage.
func RangeRows(s *State, conv *siteconv.Conventions) []RangeRow {
	used := s.Used()
	res := Reservations(conv)
	var rows []RangeRow
	for _, r := range Ranges(conv) {
		hw := s.HighWater(r.Name)
		st := idrange.RangeStats(r, used, res, hw)
		row := RangeRow{Name: r.Name, Min: r.Min, Max: r.Max, Used: st.Used, Reserved: st.Reserved,
			Free: st.Free, NextFree: st.NextFree, HighWater: hw, Covered: idrange.Covered(r, s.IPARanges), Fix: s.FixCommands(r)}
		if err := s.MarkErr(r.Name); err != nil {
			row.MarkError, row.NextFree = err.Error(), 0
		}
		rows = append(rows, row)
	}
	return rows
}
