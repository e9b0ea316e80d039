package yamlerr

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type doc struct {
	Name    string   `yaml:"name"`
	Timeout int      `yaml:"timeout"`
	Servers []string `yaml:"servers"`
}

func TestDescribeQuotesNothingOfTheInput(t *testing.T) {
	known := []string{"name", "timeout", "servers"}
	tests := []struct {
		name, in string
		line     int
		want     string
	}{
		{"shadow line", "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n", 1, "unknown field"},
		{"a word", "s3cr3t-password\n", 1, "want a mapping, got a string"},
		{"shadow line as a key", "root:*:20228:0:99999:7::: x\n_apt:*:20228:0:99999:7::\n", 0, ""},
		{"unknown field near a known one", "name: x\ntimeoutt: 3\n", 2, "unknown field (did you mean timeout?)"},
		{"unknown field far from any", "name: x\nhunter2secret: 3\n", 2, "unknown field"},
		{"wrong type", "timeout: s3cr3t-value\n", 1, "want a number, got a string"},
		{"list where a string goes", "name: [a, b]\n", 1, "want a string, got a list"},
		{"duplicate key", "name: a\nname: b\n", 2, "key already defined at line 1"},
		{"unknown anchor", "name: *s3cr3t\n", 0, "unknown anchor referenced"},
		{"syntax", "name: [s3cr3t\n", 1, "did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := yaml.NewDecoder(strings.NewReader(tt.in))
			dec.KnownFields(true)
			var d doc
			err := dec.Decode(&d)
			if err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			line, msg := Describe(err, known)
			if tt.want != "" && (line != tt.line || msg != tt.want) {
				t.Fatalf("Describe(%v) = %d %q, want %d %q", err, line, msg, tt.line, tt.want)
			}
			for _, secret := range []string{"root", "20228", "s3cr3t", "hunter2", "_apt"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("Describe(%v) = %q echoes %q", err, msg, secret)
				}
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"server", "timeout", "connect-timeout"}
	for in, want := range map[string]string{
		"sever": " (did you mean server?)", "timout": " (did you mean timeout?)",
		"server": "", "password": "", strings.Repeat("x", 100): "",
	} {
		if got := Suggest(in, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
