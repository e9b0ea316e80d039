package ldapdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/ccache"
)

// TestClientFromCache checks the cache errors that must be one clear line: no
// cache, no TGT, an expired TGT, and a TGT gokrb5 cannot parse.
func TestClientFromCache(t *testing.T) {
	now := time.Unix(1800000000, 0)
	admin := ccache.Principal{NameType: 1, Realm: "A.TEST", Components: []string{"admin"}}
	tgt := func(end time.Time, ticket string) ccache.Credential {
		return ccache.Credential{Client: admin, Server: ccache.Principal{NameType: 2, Realm: "A.TEST", Components: []string{"krbtgt", "A.TEST"}},
			KeyType: 18, Key: make([]byte, 32), AuthTime: end.Add(-time.Hour), StartTime: end.Add(-time.Hour), EndTime: end, Ticket: []byte(ticket)}
	}
	svc := tgt(now.Add(time.Hour), "x")
	svc.Server.Components = []string{"ldap", "h.a.test"}
	dir := t.TempDir()
	tests := []struct {
		name  string
		creds []ccache.Credential
		write bool
		want  string
	}{
		{"no cache file", nil, false, "no Kerberos ticket in FILE:" + dir + "/no cache file; run kinit"},
		{"no TGT", []ccache.Credential{svc}, true, "no Kerberos ticket in FILE:" + dir + "/no TGT; run kinit"},
		{"expired", []ccache.Credential{tgt(now.Add(-time.Minute), "x")}, true,
			"the Kerberos ticket of admin@A.TEST in FILE:" + dir + "/expired expired at " + now.Add(-time.Minute).Local().Format("2006-01-02 15:04:05 MST") + "; run kinit"},
		{"unparsable TGT", []ccache.Credential{tgt(now.Add(time.Hour), "not a ticket")}, true, "TGT bytes in cache are not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if tt.write {
				if err := os.WriteFile(path, ccache.EncodeFile(admin, tt.creds), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cc, err := ccache.Open("FILE:"+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = clientFromCache(cc, now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.name != "unparsable TGT" && !errors.Is(err, ErrNoTicket) {
				t.Fatalf("%v is not ErrNoTicket", err)
			}
		})
	}
}
