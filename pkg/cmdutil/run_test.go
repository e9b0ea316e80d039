package cmdutil_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
)

type fakePrompter struct {
	answer bool
	asked  int
}

func (p *fakePrompter) Confirm(context.Context, string, bool) (bool, error) {
	p.asked++
	return p.answer, nil
}

// TestRunPlanConfirmationMatrix covers every combination of terminal, --yes, --dry-run,
// the operator's answer, and additive vs removing plans.
func TestRunPlanConfirmationMatrix(t *testing.T) {
	tests := []struct {
		name      string
		tty       bool
		yes, dry  bool
		answer    bool
		removing  bool
		wantApply bool
		wantAsk   bool
		wantErr   error
	}{
		{name: "additive, pipe", wantApply: true},
		{name: "additive, pipe, dry-run", dry: true},
		{name: "additive, tty, answer yes", tty: true, answer: true, wantApply: true, wantAsk: true},
		{name: "additive, tty, answer no", tty: true, wantAsk: true, wantErr: cmdutil.ErrCanceled},
		{name: "additive, tty, --yes", tty: true, yes: true, wantApply: true},
		{name: "removing, pipe", removing: true, wantErr: cmdutil.ErrYesRequired},
		{name: "removing, pipe, --yes", removing: true, yes: true, wantApply: true},
		{name: "removing, pipe, dry-run", removing: true, dry: true},
		{name: "removing, tty, answer yes", removing: true, tty: true, answer: true, wantApply: true, wantAsk: true},
		{name: "removing, tty, answer no", removing: true, tty: true, wantAsk: true, wantErr: cmdutil.ErrCanceled},
		{name: "removing, tty, --yes", removing: true, tty: true, yes: true, wantApply: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := cmdtest.Sandbox(t)
			f, out, _ := cmdtest.Factory(t, dir)
			f.IO.SetStdinTTY(tt.tty)
			f.IO.SetStdoutTTY(tt.tty)
			pr := &fakePrompter{answer: tt.answer}
			f.Prompter = pr
			groupDN := "cn=editors,cn=groups,cn=accounts," + dir.Suffix()
			p := &plan.Plan{Title: "test"}
			c := plan.Change{Action: plan.Modify, Kind: "group", Name: "editors", DN: groupDN,
				Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "description", Values: []string{"matrix"}}}}
			if tt.removing {
				c.Removes = true
			}
			p.Add(c)
			applied, err := cmdutil.RunPlan(context.Background(), f, dir, p, &cmdutil.PlanFlags{Yes: tt.yes, DryRun: tt.dry, Output: "text"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if code := cmdutil.ExitCode(err); tt.wantErr != nil && code != cmdutil.ExitCanceled {
				t.Errorf("exit code %d, want 3", code)
			}
			if applied != tt.wantApply {
				t.Errorf("applied = %v, want %v", applied, tt.wantApply)
			}
			if (pr.asked > 0) != tt.wantAsk {
				t.Errorf("asked %d times, want ask=%v", pr.asked, tt.wantAsk)
			}
			es, _ := dir.Search(context.Background(), directory.SearchRequest{BaseDN: groupDN, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"description"}})
			if got := es[0].Has("description", "matrix"); got != tt.wantApply {
				t.Errorf("directory changed = %v, want %v", got, tt.wantApply)
			}
			if !strings.Contains(out.String(), "Plan: test") {
				t.Errorf("plan not printed:\n%s", out)
			}
			if tt.dry && !strings.Contains(out.String(), "(dry run)") {
				t.Errorf("dry run not marked:\n%s", out)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{cmdutil.FlagErrorf("bad flag"), 2},
		{cmdutil.InputErrorf("bad input"), 2},
		{cmdutil.ErrCanceled, 3},
		{cmdutil.ErrYesRequired, 3},
		{&cmdutil.AuthError{Err: errors.New("no ticket")}, 4},
		{&directory.Error{Code: directory.CodeInvalidCredentials, Op: "bind"}, 4},
		{&cmdutil.FindingsError{Count: 2}, 5},
		{&cmdutil.PartialError{Failed: 1, Total: 3}, 6},
		{&cmdutil.SilentError{Code: 5}, 5},
	}
	for _, tt := range tests {
		name := "nil"
		if tt.err != nil {
			name = tt.err.Error()
		}
		t.Run(name, func(t *testing.T) {
			if got := cmdutil.ExitCode(tt.err); got != tt.want {
				t.Fatalf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}
