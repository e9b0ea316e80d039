package access_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/access/explain"
	"github.com/accessctl/accessctl/pkg/cmd/access/where"
	"github.com/accessctl/accessctl/pkg/cmd/access/who"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/spf13/cobra"
)

// TestOneSearch: each verb reads the directory with one search; bad names are refused
// before any read (exit 2); -o json carries login and sudo.
func TestOneSearch(t *testing.T) {
	data, err := os.ReadFile("../../audit/testdata/seed.ldif")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seed.ldif")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		verb func(*cmdutil.Factory) *cobra.Command
		args []string
		code int
		ops  int64
	}{
		{func(f *cmdutil.Factory) *cobra.Command { return explain.NewCmdExplain(f, nil) }, []string{"erin", "db2.example.test", "-o", "json"}, 0, 1},
		{func(f *cmdutil.Factory) *cobra.Command { return who.NewCmdWho(f, nil) }, []string{"web1.example.test", "-o", "json"}, 0, 1},
		{func(f *cmdutil.Factory) *cobra.Command { return where.NewCmdWhere(f, nil) }, []string{"alice", "-o", "json"}, 0, 1},
		{func(f *cmdutil.Factory) *cobra.Command { return where.NewCmdWhere(f, nil) }, []string{"alice", "--from", p, "-o", "json"}, 0, 0},
		{func(f *cmdutil.Factory) *cobra.Command { return explain.NewCmdExplain(f, nil) }, []string{"bad)(uid=*", "web1.example.test"}, 2, 0},
		{func(f *cmdutil.Factory) *cobra.Command { return who.NewCmdWho(f, nil) }, []string{"bad host"}, 2, 0},
	}
	for _, tt := range tests {
		f, out, _ := cmdtest.Factory(t, cmdtest.OpenSandboxFile(t, p))
		cmd := tt.verb(f)
		cmd.SetArgs(tt.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.ExecuteContext(context.Background())
		if got := cmdutil.ExitCode(err); got != tt.code {
			t.Errorf("%v: exit %d (%v), want %d", tt.args, got, err, tt.code)
		}
		if f.Ops() != tt.ops {
			t.Errorf("%v: %d operations, want %d", tt.args, f.Ops(), tt.ops)
		}
		if tt.code == 0 && !json.Valid(out.Bytes()) {
			t.Errorf("%v: not JSON: %s", tt.args, out)
		}
		if tt.args[0] == "erin" {
			var ex struct{ Login, Sudo bool }
			_ = json.Unmarshal(out.Bytes(), &ex)
			if ex.Login || !ex.Sudo {
				t.Errorf("erin on db2: login=%v sudo=%v, want false true", ex.Login, ex.Sudo)
			}
		}
	}
}
