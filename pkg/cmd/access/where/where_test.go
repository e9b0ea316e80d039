package where

import (
	"context"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdWhere: argv to Options through runF; bad arguments and flags are usage
// errors (exit 2) that never reach the run function.
func TestNewCmdWhere(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options // F aside; Out.Value below
		out  string
		exit int // when not 0, runF must not be reached
	}{
		{name: "user", args: []string{"alice"}, want: Options{User: "alice"}, out: "table"},
		{name: "from and json", args: []string{"alice", "--from", "s.ldif", "-o", "json"}, want: Options{User: "alice", From: "s.ldif"}, out: "json"},
		{name: "bad user", args: []string{"bad)(uid=*"}, exit: 2},
		{name: "no argument", args: []string{}, exit: 2},
		{name: "two arguments", args: []string{"alice", "bob"}, exit: 2},
		{name: "bad output", args: []string{"alice", "-o", "xml"}, exit: 2},
		{name: "unknown flag", args: []string{"alice", "--nosuch"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdWhere(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.User != tt.want.User || got.From != tt.want.From || got.Out.Value != tt.out || got.F != f {
				t.Errorf("options %+v, want %+v with -o %s", *got, tt.want, tt.out)
			}
		})
	}
}
