package idrange

import (
	"errors"
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  string
	}{
		{"70001", 70001, ""},
		{"1", 1, ""},
		{"2147483647", MaxID, ""},
		{"0x111e2", 0, "not a decimal number"},
		{"0210542", 0, "leading zero"},
		{"0", 0, "leading zero"},
		{"-5", 0, "not a decimal number"},
		{"+5", 0, "not a decimal number"},
		{"1e5", 0, "not a decimal number"},
		{" 5", 0, "not a decimal number"},
		{"٣", 0, "not a decimal number"},
		{"2147483648", 0, "out of range"},
		{"12345678901234567890", 0, "out of range"},
		{"", 0, "empty id"},
		{strings.Repeat("9", 5000), 0, "out of range"},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseID(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) || len(err.Error()) > 200 {
			t.Errorf("ParseID(%q) = %d, %v; want an ErrInvalid error with %q, short", tt.in[:min(len(tt.in), 30)], got, err, tt.err)
		}
	}
}
