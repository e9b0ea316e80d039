package view_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/members"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/view"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func exec(t *testing.T, dir directory.Client, mk func(*cmdutil.Factory) *cobra.Command, args ...string) (string, error) {
	t.Helper()
	f, out, _ := cmdtest.Factory(t, dir)
	cmd := mk(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestCheckFindsAndFixesDrift plants one drift of each kind the check knows and expects
// each exactly once; --fix then repairs the fixable ones.
func TestCheckFindsAndFixesDrift(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			name := cmdtest.Name("dr")
			if _, err := exec(t, dir, func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) }, name, "--desc", "Drift"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = exec(t, dir, members.NewCmdDelete, name, "--yes") })
			s, err := cluster.Read(ctx, dir, siteconv.Default(), name)
			if err != nil {
				t.Fatal(err)
			}
			// Disabled HBAC rule, a sudo rule widened to all hosts' categories, and a
			// description that breaks the shared base text.
			must(t, dir.Modify(ctx, s.HBACRule.DN, []directory.Mod{{Op: directory.ModReplace, Attr: "ipaEnabledFlag", Values: []string{"FALSE"}}}))
			must(t, dir.Modify(ctx, s.SudoRule.DN, []directory.Mod{{Op: directory.ModReplace, Attr: "cmdCategory", Values: []string{"none"}}}))
			must(t, dir.Modify(ctx, s.Hostgroup.DN, []directory.Mod{{Op: directory.ModReplace, Attr: "description", Values: []string{"Drift nodes"}}}))

			out, err := exec(t, dir, view.NewCmdCheck, name, "-o", "json")
			if cmdutil.ExitCode(err) != cmdutil.ExitFindings {
				t.Fatalf("check: err = %v, want findings (exit 5)", err)
			}
			var rep finding.Report // audit's findings document
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("check -o json: %v\n%s", err, out)
			}
			findings := rep.Findings
			want := []string{`ipaEnabledFlag is "FALSE", want "TRUE"`, `cmdCategory is "none", want "all"`, "descriptions do not follow the templates"}
			for _, w := range want {
				n := 0
				for _, f := range findings {
					if strings.Contains(f.Message, w) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("finding %q seen %d times, want once: %+v", w, n, findings)
				}
			}
			if len(findings) != len(want) {
				t.Errorf("%d findings, want %d: %+v", len(findings), len(want), findings)
			}
			if _, err := exec(t, dir, view.NewCmdCheck, name, "--fix", "--yes"); err != nil {
				t.Fatalf("check --fix: %v", err)
			}
			out, err = exec(t, dir, view.NewCmdCheck, name, "-o", "json")
			if cmdutil.ExitCode(err) != cmdutil.ExitFindings || !strings.Contains(out, "descriptions do not follow") || strings.Contains(out, "ipaEnabledFlag") {
				t.Fatalf("after --fix: err = %v\n%s", err, out)
			}
		})
	}
}

func TestListAndShow(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	out, err := exec(t, dir, view.NewCmdList, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var items []view.ListItem
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Name != "amor" || items[0].Hosts != 2 {
		t.Fatalf("list = %+v, want the demo's amor cluster with 2 hosts", items)
	}
	// A half cluster: only the sudo rule removed.
	s, _ := cluster.Read(context.Background(), dir, siteconv.Default(), "amor")
	must(t, dir.Delete(context.Background(), s.SudoRule.DN))
	out, _ = exec(t, dir, view.NewCmdList, "-o", "json")
	if !strings.Contains(out, `"health": "half"`) || !strings.Contains(out, `"sudorule amor-sudo"`) {
		t.Fatalf("half cluster not reported:\n%s", out)
	}
	out, err = exec(t, dir, view.NewCmdShow, "amor", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res view.ShowResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 2 || res.Hosts[0].Condition == "" || len(res.Members) == 0 {
		t.Fatalf("show = %+v", res)
	}
	if _, err := exec(t, dir, view.NewCmdShow, "nosuch"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("show of a missing cluster: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
