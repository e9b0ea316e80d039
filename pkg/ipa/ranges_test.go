package ipa

import "testing"

func TestIDRangeFilter(t *testing.T) {
	tests := []struct {
		min, max int
		want     string
	}{
		{70000, 79999, "(&(uidNumber>=70000)(uidNumber<=79999))"},
		{61000, 61999, "(&(uidNumber>=61000)(uidNumber<=61999))"},
		{9000, 10999, "(uidNumber=*)"},
		{-1, 5, "(uidNumber=*)"},
	}
	for _, tt := range tests {
		if got := IDRangeFilter("uidNumber", tt.min, tt.max); got != tt.want {
			t.Errorf("IDRangeFilter(%d, %d) = %s, want %s", tt.min, tt.max, got, tt.want)
		}
	}
}
