package who

import (
	"context"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdWho: argv to Options through runF; bad arguments and flags are usage errors
// (exit 2) that never reach the run function.
func TestNewCmdWho(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options // F aside; Out.Value below
		out  string
		exit int // when not 0, runF must not be reached
	}{
		{name: "host", args: []string{"web1.example.test"}, want: Options{Host: "web1.example.test"}, out: "table"},
		{name: "host lower-cased", args: []string{"Web1.Example.Test"}, want: Options{Host: "web1.example.test"}, out: "table"},
		{name: "from and yaml", args: []string{"web1.example.test", "--from", "s.ldif", "-o", "yaml"}, want: Options{Host: "web1.example.test", From: "s.ldif"}, out: "yaml"},
		{name: "bad host", args: []string{"bad host"}, exit: 2},
		{name: "no argument", args: []string{}, exit: 2},
		{name: "two arguments", args: []string{"web1.example.test", "web2.example.test"}, exit: 2},
		{name: "bad output", args: []string{"web1.example.test", "-o", "xml"}, exit: 2},
		{name: "unknown flag", args: []string{"web1.example.test", "--nosuch"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			err := cmdtest.ExecVerb(f, NewCmdWho(f, func(_ context.Context, o *Options) error { got = o; return nil }), tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Host != tt.want.Host || got.From != tt.want.From || got.Out.Value != tt.out || got.F != f {
				t.Errorf("options %+v, want %+v with -o %s", *got, tt.want, tt.out)
			}
		})
	}
}
