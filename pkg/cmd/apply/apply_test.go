package apply_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/apply"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

func run(t *testing.T, dir directory.Client, mk func(*cmdutil.Factory) *cobra.Command, args ...string) (string, string, error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := mk(f)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// volatile attributes change without meaning; userPassword is new on every run.
var volatile = map[string]bool{"modifytimestamp": true, "createtimestamp": true, "entryusn": true,
	"modifiersname": true, "creatorsname": true, "entrydn": true, "nsuniqueid": true, "entryid": true,
	"parentid": true, "userpassword": true}

// state is the canonical text of what the directory holds about name: the lines of
// every entry whose DN or value names it.
func state(t *testing.T, dir directory.Client, name string) string {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter: "(objectClass=*)", Attributes: []string{"*"}})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var lines []string
	for _, e := range es {
		dn := directory.NormalizeDN(e.DN)
		for _, a := range e.Attributes {
			if volatile[strings.ToLower(a.Name)] {
				continue
			}
			for _, v := range a.Values {
				if strings.Contains(v, "=") && strings.Contains(v, ",") {
					v = directory.NormalizeDN(v)
				}
				line := dn + " " + strings.ToLower(a.Name) + ": " + v
				if strings.Contains(strings.ToLower(line), name) {
					lines = append(lines, line)
				}
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// siteHeader is the document head of dir's export (its suffix and realm).
func siteHeader(t *testing.T, dir directory.Client, cluster string) string {
	t.Helper()
	out, _, err := run(t, dir, export.NewCmdExport, "--cluster", cluster)
	if err != nil || !strings.Contains(out, "site:") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	i := strings.Index(out, "site:")
	j := strings.Index(out[i:], "\n")
	head := out[:i+j+1]
	for _, l := range strings.SplitAfter(out[i+j+1:], "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		head += l
	}
	return head
}

// TestFaultEveryWrite fails write N of a three-object apply (an edited cluster, a new
// cluster, a new service bind DN) for every N it makes: each object is either as before
// or as the file says, never half-applied; a re-run without faults converges to the file
// and a third run writes nothing.
func TestFaultEveryWrite(t *testing.T) {
	mixed := 0 // faults that left one object applied and another as before
	for n := int64(1); n < 200; n++ {
		dir := cmdtest.Sandbox(t)
		edited, added, svc := cmdtest.Name("fe"), cmdtest.Name("fn"), cmdtest.Name("fs")
		if _, _, err := run(t, dir, func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) },
			edited, "--desc", "Edited", "--host-regex", `^`+edited+`-[0-9]+\.example\.test$`, "--yes"); err != nil {
			t.Fatalf("cluster create: %v", err)
		}
		doc := siteHeader(t, dir, edited) + fmt.Sprintf(`clusters:
- name: %[1]s
  description: Edited
  hostRegexes: ['^%[1]s-[0-9]+\.example\.test$', '^%[1]s-x[0-9]+\.example\.test$']
  members: {users: [jdoe, asmith], groups: []}
  sudo: {users: [jdoe], groups: []}
- name: %[2]s
  description: Added
  hostRegexes: ['^%[2]s-[0-9]+\.example\.test$']
  members: {users: [bwilson], groups: []}
  sudo: {users: [], groups: []}
services:
- {name: %[3]s, description: Fault service}
`, edited, added, svc)
		file := filepath.Join(t.TempDir(), "site.yaml")
		if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		names := []string{edited, added, svc}
		before := map[string]string{}
		for _, x := range names {
			before[x] = state(t, dir, x)
		}
		pwDir := t.TempDir()
		faulty := directory.NewFaulty(dir, n)
		out, _, err := run(t, faulty, apply.NewCmdApply, "-f", file, "--yes", "--password-dir", pwDir)
		if faulty.Ops() < n {
			if err != nil {
				t.Fatalf("unfaulted run (%d writes): %v\n%s", faulty.Ops(), err, out)
			}
			if n < 4 {
				t.Fatalf("the apply made only %d writes", n-1)
			}
			t.Logf("%d writes, each failed in turn; %d left objects applied before the one rolled back", n-1, mixed)
			if mixed == 0 {
				t.Fatal("no fault left an earlier object applied: the objects are not applied one by one")
			}
			return
		}
		var ae *plan.ApplyError
		if !errors.As(err, &ae) {
			t.Fatalf("write %d failed: err = %v, want a plan apply error", n, err)
		}
		if len(ae.Leftover) != 0 {
			t.Fatalf("write %d failed: rollback left %v", n, ae.Leftover)
		}
		if !strings.Contains(err.Error(), "(rolled back)") {
			t.Errorf("write %d failed: the error does not name the object rolled back: %v", n, err)
		}
		mid := map[string]string{}
		for _, x := range names {
			mid[x] = state(t, dir, x)
		}
		// The password file of a service that was rolled back is gone again.
		if _, serr := os.Stat(filepath.Join(pwDir, svc)); serr == nil && mid[svc] == before[svc] {
			t.Errorf("write %d failed: the service was rolled back but its password file stays", n)
		}
		if _, _, err := run(t, dir, apply.NewCmdApply, "-f", file, "--yes", "--password-dir", pwDir); err != nil {
			t.Fatalf("write %d failed: re-run: %v", n, err)
		}
		for _, x := range names {
			after := state(t, dir, x)
			if after == before[x] {
				t.Fatalf("write %d failed: apply changed nothing about %s", n, x)
			}
			if mid[x] != before[x] && mid[x] != after {
				t.Fatalf("write %d failed: %s is half applied:\n--- before\n%s\n--- after the fault\n%s\n--- as the file says\n%s", n, x, before[x], mid[x], after)
			}
		}
		if mid[edited] != before[edited] && mid[svc] == before[svc] {
			mixed++
		}
		again := directory.NewFaulty(dir, 1)
		if out, _, err := run(t, again, apply.NewCmdApply, "-f", file, "--yes", "--password-dir", pwDir); err != nil || again.Ops() != 0 {
			t.Fatalf("write %d failed: third run: %v, %d writes\n%s", n, err, again.Ops(), out)
		}
	}
	t.Fatal("the apply never ran to the end")
}

// TestPasswordDir: a new service bind DN is created with its password in a new 0600 file
// named after it, never printed; the description is the file's; a second apply writes
// nothing. Both backends.
func TestPasswordDir(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			anchor, svc := cmdtest.Name("pa"), cmdtest.Name("ps")
			if _, _, err := run(t, dir, func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) },
				anchor, "--desc", "Anchor", "--yes"); err != nil {
				t.Fatalf("cluster create: %v", err)
			}
			t.Cleanup(func() {
				_, _, _ = run(t, dir, members.NewCmdDelete, anchor, "--yes")
				_ = dir.Delete(context.Background(), "uid="+svc+",cn=sysaccounts,cn=etc,"+dir.Suffix())
			})
			doc := siteHeader(t, dir, anchor) + fmt.Sprintf("services:\n- {name: %s, description: Password test}\n", svc)
			file := filepath.Join(t.TempDir(), "site.yaml")
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			pwDir := t.TempDir()
			out, errOut, err := run(t, dir, apply.NewCmdApply, "-f", file, "--yes", "--password-dir", pwDir)
			if err != nil {
				t.Fatalf("apply: %v\n%s%s", err, out, errOut)
			}
			path := filepath.Join(pwDir, svc)
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("password file: %v, mode %v", err, st)
			}
			pw, _ := os.ReadFile(path)
			if len(strings.TrimSpace(string(pw))) < 32 || strings.Contains(out+errOut, strings.TrimSpace(string(pw))) {
				t.Fatalf("password of %d characters, or printed:\n%s%s", len(pw), out, errOut)
			}
			es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: "uid=" + svc + ",cn=sysaccounts,cn=etc," + dir.Suffix(),
				Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"description", "passwordExpirationTime"}})
			if err != nil || len(es) != 1 || es[0].First("description") != "Password test" {
				t.Fatalf("bind DN: %v %v", err, es)
			}
			again := directory.NewFaulty(dir, 1)
			if out, _, err := run(t, again, apply.NewCmdApply, "-f", file, "--yes", "--password-dir", pwDir); err != nil || again.Ops() != 0 {
				t.Fatalf("second apply: %v, %d writes\n%s", err, again.Ops(), out)
			}
		})
	}
}

// TestReReadBeforeApply: a member added by someone else after the plan was shown (here,
// between the planning read and the object's own re-read) is planned for: off a terminal
// without --yes, the fresh plan now removes access where the shown one did not, so the
// object is refused and left as it is (exit 3); with --yes the object ends exactly as the
// file says, and apply says the plan was re-made.
func TestReReadBeforeApply(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	ctx := context.Background()
	s := dir.Suffix()
	name := cmdtest.Name("rr")
	if _, _, err := run(t, dir, func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) },
		name, "--desc", "Race", "--yes"); err != nil {
		t.Fatalf("cluster create: %v", err)
	}
	if _, _, err := run(t, dir, members.NewCmdAddUser, name, "jdoe", "--yes"); err != nil {
		t.Fatalf("add-user: %v", err)
	}
	doc := siteHeader(t, dir, name) + fmt.Sprintf(`clusters:
- name: %s
  description: Race
  hostRegexes: []
  members: {users: [jdoe, asmith], groups: []}
  sudo: {users: [], groups: []}
`, name)
	file := filepath.Join(t.TempDir(), "site.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	group := ipa.GroupDN(name, s)
	members0 := func() []string {
		es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: group, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"member"}})
		if err != nil || len(es) != 1 {
			t.Fatalf("read %s: %v", group, err)
		}
		var out []string
		for _, v := range es[0].Get("member") {
			out = append(out, directory.RDNValue(v))
		}
		sort.Strings(out)
		return out
	}
	// apply runs with a Directory that lets "someone else" add intruder to the group on
	// its second use: the object's re-read right before it is applied.
	apply1 := func(intruder string, args ...string) (string, error) {
		f, _, errOut := cmdtest.Factory(t, dir)
		calls := 0
		open := f.Directory
		f.Directory = func(ctx context.Context) (directory.Client, error) {
			if calls++; calls == 2 {
				if err := dir.Modify(ctx, group, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.UserDN(intruder, s)}}}); err != nil {
					t.Fatalf("intrude: %v", err)
				}
			}
			return open(ctx)
		}
		cmd := apply.NewCmdApply(f)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		cmd.SetArgs(append([]string{"-f", file}, args...))
		err := cmd.ExecuteContext(ctx)
		return errOut.String(), err
	}

	_, err := apply1("bwilson")
	if cmdutil.ExitCode(err) != cmdutil.ExitCanceled || !strings.Contains(err.Error(), "changed since the plan was shown") {
		t.Fatalf("without --yes: %v, want exit 3 naming the change", err)
	}
	if got := strings.Join(members0(), ","); got != "bwilson,jdoe" {
		t.Fatalf("refused object changed: members %s, want bwilson,jdoe (as left by the intruder)", got)
	}
	errOut, err := apply1("admin", "--yes")
	if err != nil {
		t.Fatalf("with --yes: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "changed since the plan was shown") {
		t.Errorf("apply does not say it re-made the plan:\n%s", errOut)
	}
	if got := strings.Join(members0(), ","); got != "asmith,jdoe" {
		t.Fatalf("members %s, want exactly the file's asmith,jdoe", got)
	}
}
