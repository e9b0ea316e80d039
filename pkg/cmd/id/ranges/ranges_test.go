package ranges

import (
	"context"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// TestNewCmdRanges: argv to Options through runF; bad flags are usage errors (exit 2)
// that never reach the run function.
func TestNewCmdRanges(t *testing.T) {
	tests := []struct {
		name string
		args []string
		out  string
		exit int // when not 0, runF must not be reached
	}{
		{name: "table", args: []string{}, out: "table"},
		{name: "json", args: []string{"-o", "json"}, out: "json"},
		{name: "yaml", args: []string{"--output", "yaml"}, out: "yaml"},
		{name: "bad output", args: []string{"-o", "xml"}, exit: 2},
		{name: "argument", args: []string{"general"}, exit: 2},
		{name: "unknown flag", args: []string{"--range", "general"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			cmd := NewCmdRanges(f, func(_ context.Context, o *Options) error { got = o; return nil })
			err := cmdtest.ExecVerb(f, cmd, tt.args...)
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

func TestRangesOneRead(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	f, out, _ := cmdtest.Factory(t, dir)
	if err := runRanges(context.Background(), &Options{F: f, Out: cmdutil.OutputFlag{Value: "json"}}); err != nil {
		t.Fatal(err)
	}
	if f.Ops() != 3 {
		t.Errorf("ops = %d, want 3", f.Ops())
	}
	if !strings.Contains(out.String(), `"fix": [`) || !strings.Contains(out.String(), "ipa idrange-add dm-role --base-id=61000 --range-size=1000") {
		t.Errorf("out:\n%s", out)
	}
}
