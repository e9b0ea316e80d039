package audit_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// seed copies testdata/seed.ldif (one planted violation of every kind) to a sandbox file.
func seed(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("testdata/seed.ldif")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seed.ldif")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sandboxReport(t *testing.T, path string) (*audit.Report, int64) {
	t.Helper()
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := directory.NewCounting(d)
	snap, err := access.Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(snap, siteconv.Default())
	if err != nil {
		t.Fatal(err)
	}
	return rep, c.Count()
}

// seededFindings are the findings of testdata/seed.ldif: one planted violation of every
// kind, each with its severity and objects.
var seededFindings = []struct{ id, sev, objects string }{
	{"cluster-half", "error", "cluster:db group:db-sudo hbacrule:db-users"},
	{"cluster-rule-disabled", "error", "cluster:cam hbacrule:cam-users"},
	{"cluster-category", "warning", "cluster:cam sudorule:cam-sudo"},
	{"cluster-members", "warning", "cluster:db sudorule:db-sudo"},
	{"cluster-shape", "warning", "cluster:cam group:cam-sudo"},
	{"cluster-description", "info", "cluster:cam"},
	{"automember-unanchored", "warning", `hostgroup:cam condition:fqdn=cam[0-9]+\.example\.test$`},
	{"automember-unescaped-dot", "warning", `hostgroup:db condition:fqdn=^db[0-9]+\.example.test$`},
	{"automember-no-match", "warning", `hostgroup:web condition:fqdn=^www[0-9]+\.example\.test$`},
	{"automember-overlap", "warning", "hostgroup:legacy hostgroup:web"},
	{"automember-unmatched-member", "warning", "hostgroup:web host:old1.example.test"},
	{"automember-missing-member", "warning", "hostgroup:web host:web3.example.test"},
	{"host-no-hostgroup", "warning", "host:lonely.example.test"},
	{"offboard-membership", "warning", "user:carol group:web"},
	{"offboard-rule", "warning", "user:carol hbacrule:legacy-login"},
	{"offboard-manager", "warning", "user:carol group:ops"},
	{"id-outside-range", "warning", "user:frank"},
	{"id-reserved", "error", "user:gina"},
	{"id-uid-gid", "warning", "user:hank"},
	{"id-duplicate", "error", "user:ivan user:judy"},
	{"id-range-uncovered", "error", "range:camera-role"},
	{"role-password", "error", "user:arc"},
	{"role-ssh-key", "error", "user:ccs"},
	{"role-hbac-direct", "warning", "user:iip hbacrule:iip-login"},
	{"sudoto-options", "error", "sudorule:web-sudoto-ccs"},
	{"sudoto-runas", "error", "sudorule:web-sudoto-iip"},
	{"rule-direct-user", "warning", "hbacrule:legacy-login user:dave"},
	{"sudo-without-login", "warning", "user:erin sudorule:db-sudo host:db1.example.test host:db2.example.test"},
	{"replication-conflict", "error", "entry:" + seedConflictDN},
	{"service-binddn", "warning", "binddn:foreman"},
}

const seedConflictDN = "cn=ops+nsuniqueid=c0ffee00-11111111-22222222-33333333,cn=groups,cn=accounts,dc=example,dc=test"

// checkSeeded: every planted violation is found exactly once, with the right objects
// (rewritten by objects, for a copy of the seed stored elsewhere), and nothing else.
func checkSeeded(t *testing.T, rep *audit.Report, objects func(string) string) {
	t.Helper()
	byID := map[string][]audit.Finding{}
	for _, f := range rep.Findings {
		byID[f.ID] = append(byID[f.ID], f)
	}
	for _, w := range seededFindings {
		t.Run(w.id, func(t *testing.T) {
			got := byID[w.id]
			if len(got) != 1 {
				t.Fatalf("%d findings, want exactly 1: %+v", len(got), got)
			}
			if g, want := strings.Join(got[0].Objects, " "), objects(w.objects); g != want {
				t.Errorf("objects = %q, want %q", g, want)
			}
			if got[0].Severity != w.sev {
				t.Errorf("severity = %s, want %s", got[0].Severity, w.sev)
			}
		})
	}
	if len(rep.Findings) != len(seededFindings) {
		t.Errorf("%d findings, want %d", len(rep.Findings), len(seededFindings))
	}
	if rep.AtOrAbove(audit.Error) != 10 || rep.AtOrAbove(audit.Warning) != 29 || rep.AtOrAbove(audit.Info) != 30 {
		t.Errorf("AtOrAbove = %d/%d/%d", rep.AtOrAbove(audit.Error), rep.AtOrAbove(audit.Warning), rep.AtOrAbove(audit.Info))
	}
}

// TestSeededFindings: on the sandbox, every planted violation is found exactly once and
// the read is one search.
func TestSeededFindings(t *testing.T) {
	rep, ops := sandboxReport(t, seed(t))
	if ops != 1 {
		t.Errorf("audit made %d directory operations, want 1 search", ops)
	}
	checkSeeded(t, rep, func(s string) string { return s })
}

// TestOfflineEqualsLive: --from on the same data gives identical JSON.
func TestOfflineEqualsLive(t *testing.T) {
	p := seed(t)
	live, _ := sandboxReport(t, p)
	snap, err := access.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	off, err := audit.Run(snap, siteconv.Default())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(live)
	b, _ := json.Marshal(off)
	if string(a) != string(b) {
		t.Errorf("offline and live audits differ:\nlive %s\noff  %s", a, b)
	}
}

// TestDemoDirectory: the demo directory has only the findings it is known to have

func TestDemoDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "demo.ldif")
	if err := sandbox.Init(p, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	rep, _ := sandboxReport(t, p)
	for _, f := range rep.Findings {
		switch f.ID {
		case "id-range-uncovered", "automember-no-match", "host-no-hostgroup", "cluster-description":
		default:
			t.Errorf("unexpected finding on the demo directory: %+v", f)
		}
	}
}
