package list

import (
	"context"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdList: argv to Options through runF; bad flags are usage errors (exit 2)
// that never reach the run function.
func TestNewCmdList(t *testing.T) {
	tests := []struct {
		name string
		args []string
		out  string
		exit int // when not 0, runF must not be reached
	}{
		{name: "table", args: []string{}, out: "table"},
		{name: "json", args: []string{"-o", "json"}, out: "json"},
		{name: "bad output", args: []string{"-o", "xml"}, exit: 2},
		{name: "argument", args: []string{"foreman"}, exit: 2},
		{name: "unknown flag", args: []string{"--yes"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdList(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Out.Value != tt.out || got.F != f {
				t.Errorf("options %+v, want -o %s", *got, tt.out)
			}
		})
	}
}
