package offboard_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/offboard"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

func TestNewCmdOffboard(t *testing.T) {
	list := filepath.Join(t.TempDir(), "l")
	os.WriteFile(list, []byte("# c\nbwilson  # leaves friday\n\nasmith\n"), 0o600)
	tests := []struct {
		name   string
		args   []string
		tty    bool
		logins string
		exit   int // when not 0, runF must not be reached
	}{
		{name: "one", args: []string{"jdoe", "--yes"}, logins: "jdoe"},
		{name: "file and args", args: []string{"jdoe", "--from-file", list, "--yes"}, logins: "jdoe,bwilson,asmith"},
		{name: "dry run needs no yes", args: []string{"jdoe", "--dry-run"}, logins: "jdoe"},
		{name: "emit needs no yes", args: []string{"jdoe", "--emit", "ipa"}, logins: "jdoe"},
		{name: "tty asks instead", args: []string{"jdoe"}, tty: true, logins: "jdoe"},
		{name: "no yes off a terminal", args: []string{"jdoe"}, exit: 3},
		{name: "nothing to do", args: []string{"--yes"}, exit: 2},
		{name: "dry run and yes", args: []string{"jdoe", "--dry-run", "--yes"}, exit: 2},
		{name: "bad emit", args: []string{"jdoe", "--emit", "xml"}, exit: 2},
		{name: "missing file", args: []string{"--from-file", "/nonexistent/x", "--yes"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			f.IO.SetStdinTTY(tt.tty)
			f.IO.SetStdoutTTY(tt.tty)
			var got *offboard.Options
			cmd := offboard.NewCmdOffboard(f, func(_ context.Context, o *offboard.Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.ExecuteContext(context.Background())
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if strings.Join(got.Logins, ",") != tt.logins {
				t.Errorf("logins %v, want %s", got.Logins, tt.logins)
			}
		})
	}
}
