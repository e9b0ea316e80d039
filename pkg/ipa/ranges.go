package ipa

import (
	"strconv"
)

// IDRangeFilter is a filter for attr (uidNumber, gidNumber) between min and max inclusive.
// 389-ds answers >= and <= on these attributes from an equality index whose keys sort as
// strings and then checks the values as numbers (uidNumber and gidNumber have no ORDERING
// rule), so a range filter is exact only when min and max have the same number of digits.
// Otherwise it asks for every value; callers filter numerically anyway.
func IDRangeFilter(attr string, min, max int) string {
	if len(strconv.Itoa(min)) != len(strconv.Itoa(max)) || min < 0 {
		return "(" + attr + "=*)"
	}
	return "(&(" + attr + ">=" + strconv.Itoa(min) + ")(" + attr + "<=" + strconv.Itoa(max) + "))"
}
