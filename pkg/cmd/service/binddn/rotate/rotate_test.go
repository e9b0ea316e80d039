package rotate

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/service/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdRotate: argv to Options through runF; bad names, flags and password
// destinations are usage errors (exit 2), and a rotation off a terminal without --yes
// is refused (exit 3), before the run function.
func TestNewCmdRotate(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	tests := []struct {
		name   string
		args   []string
		secret shared.Secret
		emit   string
		exit   int // when not 0, runF must not be reached
	}{
		{name: "password file", args: []string{"foreman", "--password-file", pw, "--yes"}, secret: shared.Secret{PasswordFile: pw}},
		{name: "show password", args: []string{"foreman", "--show-password", "--yes"}, secret: shared.Secret{ShowPassword: true}},
		{name: "emit ldif", args: []string{"foreman", "--emit", "ldif", "--password-file", pw}, secret: shared.Secret{PasswordFile: pw}, emit: "ldif"},
		{name: "no yes off a terminal", args: []string{"foreman", "--show-password"}, exit: 3},
		{name: "emit update", args: []string{"foreman", "--emit", "update", "--password-file", pw}, exit: 2},
		{name: "no destination", args: []string{"foreman", "--yes"}, exit: 2},
		{name: "two destinations", args: []string{"foreman", "--password-file", pw, "--show-password", "--yes"}, exit: 2},
		{name: "bad name", args: []string{"Bad,Name", "--show-password", "--yes"}, exit: 2},
		{name: "two names", args: []string{"a", "b", "--show-password", "--yes"}, exit: 2},
		{name: "unknown flag", args: []string{"foreman", "--show-password", "--yes", "--nosuch"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdRotate(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Name != tt.args[0] || got.Secret != tt.secret || got.Plan.Emit != tt.emit || got.F != f {
				t.Errorf("options %+v, want name %s, %+v, emit %q", *got, tt.args[0], tt.secret, tt.emit)
			}
		})
	}
}
