package ldapdir

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
)

// TestLiveSearchCaps: a search that returns more entries or octets than its cap fails
// with an error naming the cap, across pages, and the connection stays usable.
func TestLiveSearchCaps(t *testing.T) {
	l := liveEnv(t)
	ctx := context.Background()
	setup := dial(t, l.opts(t, l.ldapsURL))
	base := fmt.Sprintf("cn=ldapdir-caps-%d,%s", time.Now().UnixNano(), l.suffix)
	if _, err := setup.Add(ctx, directory.NewEntry(base, directory.A("objectClass", "top", "nsContainer"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup(t, setup, base) })
	const n = 30
	for i := range n {
		if _, err := setup.Add(ctx, directory.NewEntry(fmt.Sprintf("cn=e%02d,%s", i, base), directory.A("objectClass", "top", "nsContainer"))); err != nil {
			t.Fatal(err)
		}
	}
	one := directory.SearchRequest{BaseDN: base, Scope: directory.ScopeOne, Filter: "(objectClass=nsContainer)", Attributes: []string{"cn"}}
	tests := []struct {
		name                 string
		maxEntries, maxBytes int64
		wantErr              string
	}{
		{"defaults", 0, 0, ""},
		{"exactly the cap", n, 0, ""},
		{"entries over the cap, second page", 25, 0, "the search returned more than 25 entries (the cap set by search-max-entries): narrow the search or raise the cap"},
		{"entries over the cap, first page", 5, 0, "more than 5 entries"},
		{"octets over the cap", 0, 1000, "the search returned more than 1000 octets of entries (the cap set by search-max-bytes)"},
		{"no cap", -1, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := l.opts(t, l.ldapsURL)
			o.PageSize, o.MaxEntries, o.MaxBytes, o.Suffix = 10, tt.maxEntries, tt.maxBytes, l.suffix
			c := dial(t, o)
			es, err := c.Search(ctx, one)
			if tt.wantErr == "" {
				if err != nil || len(es) != n {
					t.Fatalf("%d entries, %v", len(es), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("%d entries, err = %v; want %q", len(es), err, tt.wantErr)
			}
			if directory.IsCode(err, directory.CodeNetwork) {
				t.Errorf("a cap is not a network failure: %v", err)
			}
			// The cap is per search: a smaller one on the same connection succeeds.
			got, err := c.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeBase, Attributes: []string{"cn"}})
			if err != nil || len(got) != 1 {
				t.Fatalf("after the capped search: %d entries, %v", len(got), err)
			}
		})
	}
}
