package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/interrupt"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// RunPlan is the one confirmation and apply path: print the plan on stdout, stop for
// --dry-run/--emit/an empty plan, refuse a removing plan off a terminal without --yes, ask
// on a terminal unless --yes, then apply all or nothing. It returns whether it applied.
func RunPlan(ctx context.Context, f *Factory, dir directory.Client, p *plan.Plan, flags *PlanFlags) (bool, error) {
	return RunPlanWith(ctx, f, dir, p, flags, func(ctx context.Context) error { return plan.Apply(ctx, dir, p) })
}

// RunPlanWith is RunPlan with the apply step given: `apply -f` shows and confirms the
// whole plan, then applies it one object at a time, each all or nothing.
func RunPlanWith(ctx context.Context, f *Factory, dir directory.Client, p *plan.Plan, flags *PlanFlags, apply func(context.Context) error) (bool, error) {
	preview := flags.DryRun || flags.Emit != ""
	p.DryRun = preview
	format := flags.Format()
	out := f.IO.Out
	if format == plan.Text {
		out = f.IO.StyledOut()
	}
	machine := format == plan.JSON || format == plan.YAML
	// Machine formats print once, after the outcome is known (applied: true/false).
	if !machine {
		if err := plan.Render(out, p, format); err != nil {
			return false, err
		}
	}
	finish := func(applied bool, err error) (bool, error) {
		if machine {
			if rerr := plan.Render(out, p, format); rerr != nil && err == nil {
				err = rerr
			}
		}
		return applied, err
	}
	if preview || p.Empty() {
		return finish(false, nil)
	}
	// Without a prompter there is nobody to ask, whatever the streams are.
	interactive := f.IO.CanPrompt() && f.Prompter != nil
	if p.Removing() && !flags.Yes && !interactive {
		return finish(false, ErrYesRequired)
	}
	if !flags.Yes && interactive {
		q := "Apply this plan?"
		if p.Removing() {
			q = "Apply this plan? It removes access or data."
		}
		ok, err := f.Prompter.Confirm(ctx, q, false)
		if err != nil {
			return finish(false, err)
		}
		if !ok {
			return finish(false, ErrCanceled)
		}
	}
	stop := f.IO.Progress("applying " + p.Title)
	release := interrupt.Hold() // a signal waits for the apply (or its rollback) to end
	err := apply(ctx)
	release()
	stop()
	if err != nil {
		var ae *plan.ApplyError
		if errors.As(err, &ae) && errors.Is(ctx.Err(), context.Canceled) {
			return finish(false, fmt.Errorf("%w: %v", ErrCanceled, err))
		}
		return finish(false, explainAccess(ctx, dir, err))
	}
	if f.IO.IsStderrTTY() && !machine {
		n := len(p.Pending())
		fmt.Fprintf(f.IO.ErrOut, "✓ Applied %d change(s): %s\n", n, p.Title)
	}
	return finish(true, nil)
}

// explainAccess adds to a refusal for insufficient access what the identity may change,
// so that a member manager learns which clusters are theirs rather than only the
// server's "insufficient access". The error (and its exit code) is kept.
func explainAccess(ctx context.Context, dir directory.Client, err error) error {
	id, ok := dir.(directory.Identifier)
	if !ok || !directory.IsCode(err, directory.CodeInsufficientAccess) {
		return err
	}
	who, werr := id.WhoAmI(ctx)
	if werr != nil || who == "" {
		return err
	}
	r, rerr := ipa.ReadRights(ctx, dir, who)
	if rerr != nil || r.Admin {
		return err
	}
	if len(r.Manages) == 0 {
		return fmt.Errorf("%w; %s is not in admins and manages the membership of no group", err, directory.RDNValue(who))
	}
	return fmt.Errorf("%w; you manage the membership of: %s", err, strings.Join(r.Manages, ", "))
}
