package delete

import (
	"context"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdDelete: argv to Options through runF; bad names and flags are usage errors
// (exit 2), and a removal off a terminal without --yes is refused (exit 3), before the
// run function.
func TestNewCmdDelete(t *testing.T) {
	tests := []struct {
		name string
		args []string
		yes  bool
		emit string
		exit int // when not 0, runF must not be reached
	}{
		{name: "yes", args: []string{"foreman", "--yes"}, yes: true},
		{name: "dry run", args: []string{"foreman", "--dry-run"}},
		{name: "emit ldif", args: []string{"foreman", "--emit", "ldif"}, emit: "ldif"},
		{name: "no yes off a terminal", args: []string{"foreman"}, exit: 3},
		{name: "dry run and yes", args: []string{"foreman", "--dry-run", "--yes"}, exit: 2},
		{name: "bad emit", args: []string{"foreman", "--emit", "xml"}, exit: 2},
		{name: "password flag", args: []string{"foreman", "--show-password", "--yes"}, exit: 2},
		{name: "bad name", args: []string{"Bad,Name", "--yes"}, exit: 2},
		{name: "no name", args: []string{"--yes"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdDelete(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Name != tt.args[0] || got.Plan.Yes != tt.yes || got.Plan.Emit != tt.emit || got.F != f {
				t.Errorf("options %+v, want name %s, yes %v, emit %q", *got, tt.args[0], tt.yes, tt.emit)
			}
		})
	}
}
