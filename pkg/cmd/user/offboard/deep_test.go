package offboard_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/offboard"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// deepSandbox writes a demo sandbox plus a chain of n nested groups, chain1 ∋ chain2 ∋
// ... ∋ chainN, with jdoe a direct member of chain1: removing jdoe from chain1 makes the
// sandbox recompute memberOf for the whole chain, which grows with n².
func deepSandbox(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deep.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	const s = "dc=example,dc=test"
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "dn: cn=chain%d,cn=groups,cn=accounts,%s\nobjectClass: top\nobjectClass: groupofnames\n"+
			"objectClass: nestedgroup\nobjectClass: ipausergroup\nobjectClass: ipaobject\nobjectClass: posixgroup\n"+
			"cn: chain%d\ngidNumber: %d\nipaUniqueID: chain-%d\n", i, s, i, 200000+i, i)
		if i < n {
			fmt.Fprintf(&b, "member: cn=chain%d,cn=groups,cn=accounts,%s\n", i+1, s)
		}
		if i == 1 {
			fmt.Fprintf(&b, "member: uid=jdoe,cn=users,cn=accounts,%s\n", s)
		}
		b.WriteString("\n")
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOffboardDeepNesting (issue 16.6): offboarding a member of a group chain deeper
// than the sandbox maintains fails cleanly, promptly and in bounded memory, and the file
// is exactly as before — not the user locked and two groups changed.
func TestOffboardDeepNesting(t *testing.T) {
	sizes := []int{sandbox.MaxNesting + 200}
	if !testing.Short() {
		sizes = append(sizes, 50000)
	}
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			path := deepSandbox(t, n)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fi0, _ := os.Stat(path)
			dir := cmdtest.OpenSandboxFile(t, path)
			f, _, _ := cmdtest.Factory(t, dir)
			cmd := offboard.NewCmdOffboard(f, nil)
			cmd.SetArgs([]string{"jdoe", "--yes", "--records", t.TempDir()})
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			start := time.Now()
			err = cmd.ExecuteContext(ctx)
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), "group nesting too deep") || !strings.Contains(err.Error(), "the directory is as before") {
				t.Fatalf("offboard: err %v, want a clean nesting refusal", err)
			}
			if took > 90*time.Second {
				t.Errorf("took %v", took)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatalf("the sandbox file changed: %d -> %d bytes", len(before), len(after))
			}
			if fi, _ := os.Stat(path); !fi.ModTime().Equal(fi0.ModTime()) || !os.SameFile(fi, fi0) {
				t.Error("the sandbox file was rewritten")
			}
			// The handle's memory is back to the file's state too.
			u, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.UserDN("jdoe", dir.Suffix()), Scope: directory.ScopeBase,
				Filter: "(objectClass=*)", Attributes: []string{"nsAccountLock"}})
			if err != nil || len(u) != 1 || u[0].First("nsAccountLock") != "" {
				t.Fatalf("jdoe after the failed offboard: %v %v", u, err)
			}
		})
	}
}
