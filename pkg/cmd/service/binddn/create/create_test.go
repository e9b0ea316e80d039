package create

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/service/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdCreate: argv to Options through runF; bad names, flags and password
// destinations are usage errors (exit 2) that never reach the run function.
func TestNewCmdCreate(t *testing.T) {
	tmp := t.TempDir()
	pw := filepath.Join(tmp, "pw")
	existing := filepath.Join(tmp, "x")
	os.WriteFile(existing, nil, 0o600)
	tests := []struct {
		name   string
		args   []string
		secret shared.Secret
		yes    bool
		emit   string
		exit   int // when not 0, runF must not be reached
	}{
		{name: "password file", args: []string{"foreman", "--password-file", pw}, secret: shared.Secret{PasswordFile: pw}},
		{name: "show password", args: []string{"foreman", "--show-password", "--yes"}, secret: shared.Secret{ShowPassword: true}, yes: true},
		{name: "emit update to a file", args: []string{"dex", "--emit", "update", "--password-file", pw}, secret: shared.Secret{PasswordFile: pw}, emit: "update"},
		{name: "emit ldif to stdout", args: []string{"dex", "--emit", "ldif", "--show-password"}, secret: shared.Secret{ShowPassword: true}, emit: "ldif"},
		{name: "dry run needs no destination", args: []string{"foreman", "--dry-run"}},
		{name: "no destination", args: []string{"foreman", "--yes"}, exit: 2},
		{name: "two destinations", args: []string{"foreman", "--password-file", pw, "--show-password"}, exit: 2},
		{name: "existing file", args: []string{"foreman", "--password-file", existing}, exit: 2},
		{name: "show password as json", args: []string{"foreman", "--show-password", "-o", "json"}, exit: 2},
		{name: "emit with -o", args: []string{"dex", "--emit", "ldif", "--show-password", "-o", "json"}, exit: 2},
		{name: "emit without destination", args: []string{"dex", "--emit", "ldif"}, exit: 2},
		{name: "bad emit", args: []string{"dex", "--emit", "xml", "--show-password"}, exit: 2},
		{name: "bad name", args: []string{"Bad,Name", "--show-password"}, exit: 2},
		{name: "no name", args: []string{"--show-password"}, exit: 2},
		{name: "unknown flag", args: []string{"foreman", "--show-password", "--nosuch"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdCreate(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Name != tt.args[0] || got.Secret != tt.secret || got.Plan.Yes != tt.yes || got.Plan.Emit != tt.emit || got.F != f {
				t.Errorf("options %+v, want name %s, %+v, yes %v, emit %q", *got, tt.args[0], tt.secret, tt.yes, tt.emit)
			}
		})
	}
}
