package sandbox

import (
	"strings"
	"testing"
)

// TestReadLDIFStrict: a record with two dn: lines (a missing blank line), lines and
// values over the caps and junk attribute names are refused with the line number,
// and the message never quotes the file.
func TestReadLDIFStrict(t *testing.T) {
	long := strings.Repeat("a", MaxLDIFLine+1)
	tests := []struct {
		name, in, want string
	}{
		{"two dn lines", "dn: cn=a,dc=x\ncn: a\ndn: cn=b,dc=x\ncn: b\n", "ldif line 3: a second dn: line in one record"},
		{"two dn lines, second base64", "dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\ncn: b\nDN:: Y249YyxkYz14\n", "ldif line 6: a second dn: line"},
		{"folded second dn", "dn: cn=a,dc=x\ncn: a\ndn: cn=b,\n dc=x\n", "ldif line 3: a second dn: line"},
		{"physical line over the cap", "dn: cn=a,dc=x\ndescription: " + long + "\n", "ldif line 2: line longer than"},
		{"folded line over the cap", "dn: cn=a,dc=x\ndescription: " + long[:MaxLDIFLine/2] + "\n " + long[:MaxLDIFLine/2] + "\n", "ldif line 2: line longer than"},
		{"value over the cap", "dn: cn=a,dc=x\ndescription: " + long[:MaxLDIFValue+1] + "\n", "ldif line 2: attribute description: value longer than"},
		{"base64 value over the cap", "dn: cn=a,dc=x\ndescription:: " + strings.Repeat("QUFB", MaxLDIFValue/3+1) + "\n", "ldif line 2: attribute description: value longer than"},
		{"no dn", "cn: secret-content\n", "ldif line 1: record does not start with a dn: line"},
		{"junk name", "dn: cn=a,dc=x\nsecret content: x\n", "ldif line 2: not an attribute line"},
		{"no colon", "dn: cn=a,dc=x\nsecret-content\n", "ldif line 2: not an attribute line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLDIF(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("read: no error, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want) {
				t.Fatalf("error %.200q, want prefix %q", msg, tt.want)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "cn=b") || len(msg) > 200 {
				t.Fatalf("error quotes the file: %.300q", msg)
			}
		})
	}
}

// TestReadLDIFAccepts: what ldapsearch -LLL prints still reads, up to the caps.
func TestReadLDIFAccepts(t *testing.T) {
	big := strings.Repeat("b", MaxLDIFValue)
	in := "version: 1\n# c\ndn: cn=a,dc=x\ncn;lang-en: a\n2.5.4.13: d\ndescription: " + big + "\n\ndn: cn=b,dc=x\ncn: b\n"
	es, err := ReadLDIF(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].DN != "cn=b,dc=x" || len(es[0].First("description")) != MaxLDIFValue || es[0].First("2.5.4.13") != "d" {
		t.Fatalf("read %d entries: %v", len(es), es[len(es)-1])
	}
}
