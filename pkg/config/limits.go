package config

import (
	"fmt"
	"strconv"
	"strings"
)

// The search caps (search-max-entries, search-max-bytes) bound what one search may
// make the client hold.

// sizeUnits are the suffixes a size may carry (powers of 1024, as memory is counted).
var sizeUnits = []struct {
	suffix string
	factor int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// ParseSize reads a number of octets: digits with an optional unit (B, KiB, MiB, GiB,
// TiB), e.g. 2GiB.
func ParseSize(s string) (int64, error) {
	num, factor := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/factor {
		return 0, fmt.Errorf("want a number of octets such as 2GiB or 500MiB")
	}
	return n * factor, nil
}

// SearchMaxEntries is the search-max-entries cap (0: no cap).
func (c *Config) SearchMaxEntries() int64 {
	n, _ := strconv.ParseInt(c.Get("search-max-entries"), 10, 64)
	return n
}

// SearchMaxBytes is the search-max-bytes cap (0: no cap).
func (c *Config) SearchMaxBytes() int64 {
	n, _ := ParseSize(c.Get("search-max-bytes"))
	return n
}

func (c *Config) validateLimits() error {
	v := c.values["search-max-entries"]
	if n, err := strconv.ParseInt(v.Value, 10, 64); err != nil || n < 0 {
		return fmt.Errorf("invalid search-max-entries %q from %s: want a number of entries (0: no cap)", cut(v.Value), v.Source)
	}
	v = c.values["search-max-bytes"]
	if _, err := ParseSize(v.Value); err != nil {
		return fmt.Errorf("invalid search-max-bytes %q from %s: %v (0: no cap)", cut(v.Value), v.Source, err)
	}
	return nil
}

// cut shortens a bad value for an error message.
func cut(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
