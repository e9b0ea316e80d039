package audit_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/testenv"
	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// The live copy of the seed lives in a suffix of its own, so that its planted
// violations (a disabled user's memberships, a duplicate UID, a bind DN, ...) never meet
// the shared test directory's data or plugin scopes.
const (
	seedSuffix  = "dc=seed,dc=test"
	seedBackend = "seed"
	// A client cannot add an entry with nsuniqueid in its RDN (389-ds answers 34), as
	// the server names real conflict entries; the live copy keeps the conflict marker
	// under a plain RDN.
	seedConflictLiveRDN = "cn=ops-c0ffee00"
)

// TestSeededFindingsLive loads testdata/seed.ldif (one planted violation of every kind)
// into a backend of its own on the live 389-ds, audits it there over LDAPS, and expects
// what the sandbox finds: every kind exactly once with the same objects, and the same
// JSON report but for the suffix, and the same access explain answer for every user on
// every host.
func TestSeededFindingsLive(t *testing.T) {
	env := testenv.Live(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dm, err := ldapdir.Dial(ctx, ldapdir.Options{
		Servers: []string{env.LDAPSURL}, CAFile: env.CAFile, Suffix: seedSuffix,
		ConnectTimeout: 3 * time.Second, Timeout: 30 * time.Second,
		Bind: ldapdir.Simple{DN: "cn=Directory Manager", Password: testenv.DMPassword(t)},
	})
	if err != nil {
		t.Fatalf("dial as Directory Manager: %v", err)
	}
	defer dm.Close()
	loadSeedLive(ctx, t, dm)

	c := directory.NewCounting(dm)
	snap, err := access.Read(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Count() != 1 {
		t.Errorf("audit read made %d directory operations, want 1 search", c.Count())
	}
	live, err := audit.Run(snap, siteconv.Default())
	if err != nil {
		t.Fatal(err)
	}
	toLive := func(s string) string {
		s = strings.ReplaceAll(s, seedConflictDN, seedConflictLiveDN())
		return strings.ReplaceAll(s, "dc=example,dc=test", seedSuffix)
	}
	checkSeeded(t, live, toLive)

	sb, _ := sandboxReport(t, seed(t))
	a, _ := json.Marshal(sb)
	b, _ := json.Marshal(live)
	if toLive(string(a)) != string(b) {
		t.Errorf("live and sandbox audits of the seed differ:\nlive    %s\nsandbox %s", b, toLive(string(a)))
	}

	// access explain, every user on every host: the live answers are the sandbox's
	// (whose hand-worked table is pkg/access's TestExplainTable).
	sbSnap, err := access.ReadFile("testdata/seed.ldif")
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, u := range sbSnap.Users {
		for _, h := range sbSnap.Hosts {
			lu, lh := snap.User(u.UID), snap.Host(h.FQDN)
			if lu == nil || lh == nil {
				t.Fatalf("user %s or host %s missing from the live copy", u.UID, h.FQDN)
			}
			want, _ := json.Marshal(sbSnap.Explain(u, h))
			got, _ := json.Marshal(snap.Explain(lu, lh))
			if toLive(string(want)) != string(got) {
				t.Errorf("explain %s %s: live %s\nsandbox %s", u.UID, h.FQDN, got, toLive(string(want)))
			}
			pairs++
		}
	}
	if pairs < 100 {
		t.Errorf("only %d user x host pairs compared", pairs)
	}
}

func seedConflictLiveDN() string {
	_, parent, _ := strings.Cut(seedConflictDN, ",")
	return seedConflictLiveRDN + "," + strings.ReplaceAll(parent, "dc=example,dc=test", seedSuffix)
}

// loadSeedLive makes the seed backend if it is missing, empties it and adds the seed's
// entries, parents first, with the seed's suffix rewritten.
func loadSeedLive(ctx context.Context, t *testing.T, dm directory.Client) {
	t.Helper()
	be := "cn=" + seedBackend + ",cn=ldbm database,cn=plugins,cn=config"
	if _, err := dm.Search(ctx, directory.SearchRequest{BaseDN: be, Scope: directory.ScopeBase, Attributes: []string{"1.1"}}); directory.IsNotFound(err) {
		for _, e := range []*directory.Entry{
			directory.NewEntry(be, directory.A("objectClass", "top", "extensibleObject", "nsBackendInstance"),
				directory.A("cn", seedBackend), directory.A("nsslapd-suffix", seedSuffix)),
			directory.NewEntry(directory.Join("cn", seedSuffix, "", "cn=mapping tree,cn=config"),
				directory.A("objectClass", "top", "extensibleObject", "nsMappingTree"), directory.A("cn", seedSuffix),
				directory.A("nsslapd-state", "backend"), directory.A("nsslapd-backend", seedBackend)),
		} {
			if _, err := dm.Add(ctx, e); err != nil {
				t.Fatalf("create the seed backend: %v", err)
			}
		}
	} else if err != nil {
		t.Fatalf("look for the seed backend: %v", err)
	}
	old, err := dm.Search(ctx, directory.SearchRequest{BaseDN: seedSuffix, Scope: directory.ScopeSub,
		Filter: "(|(objectClass=*)(objectClass=ldapSubEntry))", Attributes: []string{"1.1"}})
	if err != nil && !directory.IsNotFound(err) {
		t.Fatalf("read the old seed: %v", err)
	}
	// deepest first
	sort.Slice(old, func(i, j int) bool { return strings.Count(old[i].DN, ",") > strings.Count(old[j].DN, ",") })
	for _, e := range old {
		if err := dm.Delete(ctx, e.DN); err != nil && !directory.IsNotFound(err) {
			t.Fatalf("empty the seed backend: %v", err)
		}
	}
	f, err := os.Open("testdata/seed.ldif")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := sandbox.ReadLDIF(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		e.DN = strings.ReplaceAll(e.DN, "dc=example,dc=test", seedSuffix)
		if e.DN == strings.ReplaceAll(seedConflictDN, "dc=example,dc=test", seedSuffix) {
			e.DN = seedConflictLiveDN()
		}
		if e.DN == seedSuffix {
			e.Set("dc", "seed")
		}
		for i, a := range e.Attributes {
			for j, v := range a.Values {
				e.Attributes[i].Values[j] = strings.ReplaceAll(v, "dc=example,dc=test", seedSuffix)
			}
		}
		if _, err := dm.Add(ctx, e); err != nil {
			t.Fatalf("load the seed: %v", err)
		}
	}
}
