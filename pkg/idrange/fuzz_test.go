package idrange

import "testing"

// FuzzNext checks Next's promises on arbitrary ranges, used sets and
// high-water marks: results in range, above the high-water mark, strictly
// increasing, never used, never reserved.
func FuzzNext(f *testing.F) {
	f.Add(61000, 999, 3, 0, []byte{0, 4, 5})
	f.Add(70000, 9999, 1, 79998, []byte{})
	f.Add(62000, 10, 20, 61000, []byte{1, 2, 3, 255})
	f.Fuzz(func(t *testing.T, min, width, count, highWater int, usedOffsets []byte) {
		if width < 0 || width > 5000 || count > 100 {
			t.Skip()
		}
		r := Range{Name: "f", Min: min, Max: min + width}
		var used []int
		for _, o := range usedOffsets {
			used = append(used, min+int(o))
		}
		isUsed := Set(used...)
		got, err := Next(r, isUsed, reservations, count, highWater)
		if err != nil {
			if len(got) != 0 {
				t.Fatalf("error %v with ids %v", err, got)
			}
			return
		}
		if len(got) != count {
			t.Fatalf("got %d ids, want %d", len(got), count)
		}
		res := reservedSet(reservations)
		prev := highWater
		for _, id := range got {
			if !r.Contains(id) || id <= prev || isUsed(id) {
				t.Fatalf("bad id %d in %v (range %v, high water %d)", id, got, r, highWater)
			}
			if _, ok := res[id]; ok {
				t.Fatalf("reserved id %d handed out", id)
			}
			prev = id
		}
		s := RangeStats(r, isUsed, reservations, highWater)
		if s.NextFree != got[0] || s.Used+s.Reserved+s.Free != r.Size() {
			t.Fatalf("RangeStats %+v disagrees with Next %v", s, got)
		}
	})
}

// FuzzUncovered checks that Uncovered's gaps lie in r, avoid every IPA range
// and, with the IPA ranges, cover r.
func FuzzUncovered(f *testing.F) {
	f.Add(70000, 100, 69990, 20, 70050, 10)
	f.Fuzz(func(t *testing.T, min, width, aMin, aWidth, bMin, bWidth int) {
		if width < 0 || width > 2000 || aWidth < 0 || aWidth > 2000 || bWidth < 0 || bWidth > 2000 {
			t.Skip()
		}
		r := Range{"r", min, min + width}
		ipa := []Range{{"a", aMin, aMin + aWidth}, {"b", bMin, bMin + bWidth}}
		gaps := Uncovered(r, ipa)
		for id := r.Min; id <= r.Max; id++ {
			_, inIPA := RangeOf(id, ipa)
			_, inGap := RangeOf(id, gaps)
			if inIPA == inGap {
				t.Fatalf("id %d: in ipa %v, in gap %v (gaps %v)", id, inIPA, inGap, gaps)
			}
		}
	})
}
