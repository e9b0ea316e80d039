package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

func seeded(t *testing.T) string {
	data, err := os.ReadFile("../../audit/testdata/seed.ldif")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seed.ldif")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExitCodes: exit 5 with findings at or above --fail-on, 0 below it, 2 for bad flags;
// one search per audit, none for --from or bad flags.
func TestExitCodes(t *testing.T) {
	p := seeded(t)
	tests := []struct {
		args []string
		code int
		ops  int64
	}{
		{[]string{"-o", "json"}, 5, 1},
		{[]string{"--fail-on", "error"}, 5, 1},
		{[]string{"--fail-on", "none"}, 0, 1},
		{[]string{"--from", p, "--fail-on", "warning"}, 5, 0},
		{[]string{"--fail-on", "bogus"}, 2, 0},
		{[]string{"--format", "pdf"}, 2, 0},
		{[]string{"-o", "xml"}, 2, 0},
		{[]string{"--from", filepath.Join(t.TempDir(), "missing.ldif")}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(fmtArgs(tt.args), func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.OpenSandboxFile(t, p))
			cmd := NewCmdAudit(f, nil)
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.ExecuteContext(context.Background())
			if got := cmdutil.ExitCode(err); got != tt.code {
				t.Errorf("exit %d (%v), want %d", got, err, tt.code)
			}
			if f.Ops() != tt.ops {
				t.Errorf("%d directory operations, want %d", f.Ops(), tt.ops)
			}
		})
	}
}

func fmtArgs(a []string) string {
	s := ""
	for _, x := range a {
		s += x + " "
	}
	return s
}
