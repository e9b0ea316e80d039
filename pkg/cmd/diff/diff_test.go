package diff_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/apply"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmd/diff"
	"github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
)

func run(t *testing.T, dir directory.Client, mk func(*cmdutil.Factory) *cobra.Command, args ...string) (string, string, int64, error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := mk(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), f.Ops(), err
}

// TestRoundTrip: on the sandbox and the live directory, a cluster's export diffs clean
// (exit 0) with one search each for export and diff; an edit is a plan with exit 5 and
// changes nothing; apply makes it so and a second apply writes nothing. Live, other tests' objects are around: --cluster keeps to ours.
func TestRoundTrip(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			name := cmdtest.Name("st")
			_, _, _, err := run(t, dir, func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) },
				name, "--desc", "Site test", "--host-regex", `^`+name+`-[0-9]+\.example\.test$`, "--yes")
			if err != nil {
				t.Fatalf("cluster create: %v", err)
			}
			t.Cleanup(func() { deleteCluster(t, dir, name) })

			out, _, ops, err := run(t, dir, export.NewCmdExport, "--cluster", name)
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			if ops != 1 {
				t.Errorf("export made %d directory operations, want 1 (one paged search)", ops)
			}
			if !strings.Contains(out, "- name: "+name+"\n    description: Site test\n") {
				t.Fatalf("export:\n%s", out)
			}
			file := filepath.Join(t.TempDir(), "site.yaml")
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			text, _, ops, err := run(t, dir, diff.NewCmdDiff, "-f", file)
			if err != nil || cmdutil.ExitCode(err) != 0 {
				t.Fatalf("diff of the export: %v\n%s", err, text)
			}
			if ops != 1 {
				t.Errorf("diff of a matching file made %d directory operations, want 1", ops)
			}

			// The whole site too: everything export writes, diff finds unchanged.
			all, _, _, err := run(t, dir, export.NewCmdExport, "--users")
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			whole := filepath.Join(t.TempDir(), "all.yaml")
			if err := os.WriteFile(whole, []byte(all), 0o644); err != nil {
				t.Fatal(err)
			}
			if text, _, ops, err := run(t, dir, diff.NewCmdDiff, "-f", whole); err != nil || ops != 2 {
				t.Fatalf("diff of the whole export: %v, %d operations (want 2: snapshot and user names)\n%s", err, ops, text)
			}

			edited := strings.Replace(out, "    members:\n      users: []\n", "    members:\n      users: [admin]\n", 1)
			if edited == out {
				t.Fatalf("cannot edit:\n%s", out)
			}
			if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			text, errText, _, err := run(t, dir, diff.NewCmdDiff, "-f", file, "-o", "json")
			if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
				t.Fatalf("diff of an edit: exit %d (%v), want 5\n%s", cmdutil.ExitCode(err), err, text)
			}
			if !strings.Contains(text, `"member"`) || !strings.Contains(text, "uid=admin,") || !strings.Contains(errText, "1 change(s)") {
				t.Fatalf("diff of an edit:\n%s\n%s", text, errText)
			}
			if n := memberCount(t, dir, name); n != 0 {
				t.Fatalf("diff changed the directory: %d member(s)", n)
			}

			// apply carries the plan out; then diff is clean and a second apply writes nothing.
			if text, _, _, err := run(t, dir, apply.NewCmdApply, "-f", file, "--yes"); err != nil {
				t.Fatalf("apply: %v\n%s", err, text)
			}
			if n := memberCount(t, dir, name); n != 1 {
				t.Fatalf("after apply: %d member(s), want 1 (admin)", n)
			}
			if text, _, _, err := run(t, dir, diff.NewCmdDiff, "-f", file); err != nil {
				t.Fatalf("diff after apply: %v\n%s", err, text)
			}
			if text, _, _, err := run(t, dir, apply.NewCmdApply, "-f", file, "--yes"); err != nil || !strings.Contains(text, "No changes") {
				t.Fatalf("second apply: %v\n%s", err, text)
			}
		})
	}
}

func memberCount(t *testing.T, dir directory.Client, group string) int {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: directory.In(directory.Groups, dir.Suffix()),
		Scope: directory.ScopeOne, Filter: "(cn=" + group + ")", Attributes: []string{"member"}})
	if err != nil || len(es) != 1 {
		t.Fatalf("read group %s: %v (%d entries)", group, err, len(es))
	}
	return len(es[0].Get("member"))
}

func deleteCluster(t *testing.T, dir directory.Client, name string) {
	f, _, _ := cmdtest.Factory(t, dir)
	cmd := members.NewCmdDelete(f)
	cmd.SetArgs([]string{name, "--yes"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Logf("cleanup: delete cluster %s: %v", name, err)
	}
}
