// Package clip shortens user input before an error message echoes it: a 10 KB name or
// a line of a file must not flood the one line accessctl prints on stderr.
package clip

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxRunes is how much of an input an error message shows.
const MaxRunes = 64

// Quote quotes s like %q; an input longer than MaxRunes characters is cut to its first
// MaxRunes, followed by "…" and its full length: "aaaa…"… (10240 bytes).
func Quote(s string) string {
	if utf8.RuneCountInString(s) <= MaxRunes {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(Prefix(s)), len(s))
}

// Prefix returns the first MaxRunes characters of s (an invalid UTF-8 byte counts as one).
func Prefix(s string) string {
	n := 0
	for i := range s {
		if n == MaxRunes {
			return s[:i]
		}
		n++
	}
	return s
}
