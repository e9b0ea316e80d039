package host

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/hostgroups"
)

func TestHostCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		notWant  []string
	}{
		{name: "list", args: []string{"list"}, want: []string{"amor01.cp.lsst.org  ", "eas-hvac-01.cp.lsst.org        -"}},
		{name: "list hostgroup", args: []string{"list", "--hostgroup", "amor", "-o", "json"}, want: []string{`"fqdn": "amor02.cp.lsst.org"`}, notWant: []string{"at-hcu01"}},
		{name: "list unassigned", args: []string{"list", "--unassigned"}, want: []string{"eas-hvac-01"}, notWant: []string{"amor01"}},
		{name: "list both", args: []string{"list", "--unassigned", "--hostgroup", "amor"}, wantCode: cmdutil.ExitUsage},
		{name: "show", args: []string{"show", "AT-HCU01.cp.lsst.org", "-o", "yaml"}, want: []string{"hostgroup: auxtel", "condition: fqdn=^at-.*", "status: by rule"}},
		{name: "show bad name", args: []string{"show", "at_hcu"}, wantCode: cmdutil.ExitUsage},
		{name: "show missing", args: []string{"show", "nope.cp.lsst.org"}, wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			extra := &cobra.Command{Use: "rename"}
			cmd := NewCmdHost(f, extra)
			cmd.SetArgs(tt.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.ExecuteContext(context.Background())
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantCode == 0 && f.Ops() != hostgroups.Searches {
				t.Errorf("%d operations, want %d searches", f.Ops(), hostgroups.Searches)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}
