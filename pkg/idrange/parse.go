package idrange

import (
	"fmt"
	"strconv"
)

// MaxID is the highest ID accepted: 2^31-1, the largest uidNumber/gidNumber every POSIX
// system and FreeIPA's ID ranges handle.
const MaxID = 1<<31 - 1

// ParseID parses an ID the way a person writes it in decimal: digits only, no sign, no
// leading zero, 1 to MaxID. "0x111e2" and "0210542" are refused rather than read as hex
// or octal (strconv.ParseInt(s, 0, ...) would read them so), and a value is never
// silently cut or wrapped.
func ParseID(s string) (int, error) {
	if s == "" {
		return 0, errorf(ErrInvalid, "empty id: want a decimal number from 1 to %d", MaxID)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errorf(ErrInvalid, "id %s is not a decimal number (digits 0-9 only, no sign, no 0x)", Quote(s))
		}
	}
	if s[0] == '0' {
		return 0, errorf(ErrInvalid, "id %s has a leading zero: write it in decimal without one (no octal)", Quote(s))
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxID {
		return 0, errorf(ErrInvalid, "id %s is out of range: want 1 to %d", Quote(s), MaxID)
	}
	return int(n), nil
}

// Quote quotes s for an error message, cut to a short prefix so that a long or hostile
// value is never echoed whole.
func Quote(s string) string {
	const max = 24
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
