// Package rename implements `accessctl host rename OLD NEW`: ITTN-010 §3.6's rename of an
// enrolled host as a resumable runbook. accessctl gathers and records the facts, runs the
// directory-side steps as plans and verifies the operator's steps; it never deletes the
// host entry itself (`ipa host-del` revokes the certificates, a raw LDAP delete would not).
package rename

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/rename"
)

// Options are the inputs of `host rename`.
type Options struct {
	F   *cmdutil.Factory
	Old string
	New string

	Print        bool
	Status       bool
	FromStep     int
	StepDone     int
	Accept       bool
	Yes          bool
	Realm        string
	Keytabs      map[string]string
	Output       cmdutil.OutputFlag
	keytabValues []string

	// Now is the clock (tests fix it).
	Now func() time.Time
}

// NewCmdRename builds the command; runF replaces the run function in tests.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f, Now: time.Now}
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rename OLD NEW",
		Short: "Rename an enrolled host: the ITTN-010 §3.6 runbook, guided and resumable",
		Long: `Rename an enrolled host the ITTN-010 §3.6 way, as a numbered runbook:

   1. stop puppet                              (operator, on OLD)
   2. record services, certificates, hostgroups (accessctl, saved in the state file)
   3. ipa-client-install --uninstall           (operator, on OLD)
   4. ipa-rmkeytab per service keytab          (operator, on OLD)
   5. ipa host-del OLD                         (operator; accessctl verifies it is gone)
   6. hostnamectl set-hostname NEW             (operator)
   7. ipa-client-install                       (operator; accessctl verifies NEW exists)
   8. re-create the services for NEW           (accessctl, a plan)
   9. check NEW's hostgroups and rules         (accessctl, read-only)
  10. fetch keytabs, re-issue certificates     (operator, on NEW)

accessctl never deletes the host entry itself: only ` + "`ipa host-del`" + ` revokes its
certificates. An IPA server cannot be renamed: accessctl refuses and prints ITTN-010 §3.7's
replace-the-replica procedure. If the automember rules would give NEW other hostgroups or
rules than OLD has, accessctl says so and requires --accept-access-change.

Progress is saved after every step in the state directory (rename/OLD__NEW.json); running
the same command again continues where it stopped. On a terminal each operator step is
confirmed interactively; elsewhere record it with --step-done N.`,
		Example: `  accessctl host rename at-hcu01.cp.lsst.org at-hcu02.cp.lsst.org --print > ticket.md
  accessctl host rename at-hcu01.cp.lsst.org at-hcu02.cp.lsst.org
  accessctl host rename at-hcu01.cp.lsst.org at-hcu02.cp.lsst.org --step-done 5
  accessctl host rename at-hcu01.cp.lsst.org at-hcu02.cp.lsst.org --status -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			var err error
			if o.Old, err = names.Host(args[0]); err != nil {
				return err
			}
			if o.New, err = names.Host(args[1]); err != nil {
				return err
			}
			if o.Old == o.New {
				return cmdutil.InputErrorf("OLD and NEW are the same host %s", o.Old)
			}
			o.Print = o.Print || dryRun
			// A flag given is checked even when it holds 0: "--step-done 0" is not "no flag".
			fromSet, doneSet := cmd.Flags().Changed("from-step"), cmd.Flags().Changed("step-done")
			if fromSet && (o.FromStep < 1 || o.FromStep > rename.NumSteps) {
				return cmdutil.FlagErrorf("--from-step must be between 1 and %d", rename.NumSteps)
			}
			if doneSet && (o.StepDone < 1 || o.StepDone > rename.NumSteps) {
				return cmdutil.FlagErrorf("--step-done must be between 1 and %d", rename.NumSteps)
			}
			if o.FromStep != 0 && o.StepDone != 0 {
				return cmdutil.FlagErrorf("--from-step and --step-done cannot be used together")
			}
			if o.Print && (o.Status || o.FromStep != 0 || o.StepDone != 0 || o.Yes) {
				return cmdutil.FlagErrorf("--print (--dry-run) changes nothing: it cannot be combined with --status, --from-step, --step-done or --yes")
			}
			o.Keytabs = map[string]string{}
			for _, v := range o.keytabValues {
				name, path, ok := strings.Cut(v, "=")
				if !ok || name == "" || !filepath.IsAbs(path) {
					return cmdutil.FlagErrorf("invalid --service-keytab %q: want NAME=/absolute/path", v)
				}
				o.Keytabs[name] = path
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.Print, "print", false, "print the whole runbook as Markdown (for a change ticket) and change nothing")
	fl.BoolVar(&dryRun, "dry-run", false, "same as --print")
	fl.BoolVar(&o.Status, "status", false, "show the progress of this rename")
	fl.IntVar(&o.FromStep, "from-step", 0, "continue at step `N` (steps before it count as done, except the record step)")
	fl.IntVar(&o.StepDone, "step-done", 0, "record operator step `N` as done (off a terminal), then continue")
	fl.BoolVar(&o.Accept, "accept-access-change", false, "proceed although NEW gets other hostgroups or rules than OLD")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "apply the directory plans without asking")
	fl.StringVar(&o.Realm, "realm", "", "Kerberos realm, when the host entry carries no principal")
	fl.StringArrayVar(&o.keytabValues, "service-keytab", nil, "keytab of a service on the host, `NAME=PATH` (repeatable)")
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.Positional(completion.Hosts(f), completion.NoFiles)
	return cmd
}

// Run walks the runbook from where it stopped.
func Run(ctx context.Context, o *Options) error {
	f := o.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	st, err := rename.LoadState(cfg.StateDir(), o.Old, o.New)
	if err != nil {
		return err
	}
	if o.Status {
		return printStatus(o, st)
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	ob, err := rename.Observe(ctx, dir, o.Old, o.New)
	if err != nil {
		return err
	}
	facts := st.Facts
	if facts != nil && len(o.Keytabs) > 0 {
		// Keytab paths are the operator's knowledge, not the directory's: later runs may
		// correct them in the recorded facts.
		for i, s := range facts.Services {
			if p, ok := o.Keytabs[s.Name]; ok {
				facts.Services[i].Keytab = p
			}
		}
		if !o.Print {
			if err := st.Save(); err != nil {
				return err
			}
		}
	}
	// Facts are gathered until recorded, and again when the run restarts at or before the
	// record step while OLD still exists.
	if facts == nil || (o.FromStep >= 1 && o.FromStep <= rename.StepRecord && ob.Old != nil) {
		if ob.Old == nil {
			return cmdutil.InputErrorf("host %s does not exist and no facts were recorded for renaming it to %s", o.Old, o.New)
		}
		if facts, err = rename.Gather(ob, dir.Suffix(), o.Old, o.New, rename.Options{Realm: o.Realm, Keytabs: o.Keytabs}); err != nil {
			return err
		}
	}
	if facts.Server {
		if err := rename.RenderServer(f.IO.Out, rename.ServerDoc{Old: o.Old, New: o.New, Why: facts.ServerWhy}); err != nil {
			return err
		}
		return cmdutil.InputErrorf("%s is an IPA server (%s): it cannot be renamed; replace the replica as printed above (ITTN-010 §3.7)", o.Old, facts.ServerWhy)
	}
	if ob.New != nil && !st.IsDone(rename.StepHostDel) && o.StepDone != rename.StepEnroll {
		return cmdutil.InputErrorf("host %s is already enrolled: choose another name, or remove it first", o.New)
	}
	if o.Print {
		var prog *rename.State
		if st.Exists() {
			prog = st
		}
		return rename.Render(f.IO.Out, rename.NewDoc(facts, prog))
	}
	if facts.AccessChanges() && !st.AcceptedAccessChange {
		if !o.Accept {
			warnAccess(f.IO.ErrOut, facts)
			return &cmdutil.RefusedError{Reason: "access would change: re-run with --accept-access-change to proceed (or --print to review)"}
		}
		st.AcceptedAccessChange = true
		if err := st.Save(); err != nil {
			return err
		}
	}
	r := &runner{o: o, dir: dir, st: st, facts: facts, ob: ob, steps: rename.NewDoc(facts, nil).Steps}
	if o.FromStep > 0 {
		st.From(o.FromStep, o.Now())
		if err := st.Save(); err != nil {
			return err
		}
	}
	if o.StepDone > 0 {
		if err := r.recordDone(o.StepDone); err != nil {
			return err
		}
	}
	return r.run(ctx)
}

func warnAccess(w io.Writer, facts *rename.Facts) {
	fmt.Fprintf(w, "accessctl: ACCESS CHANGES: %s will not have the same access as %s:\n", facts.New, facts.Old)
	for _, l := range facts.Lost {
		fmt.Fprintf(w, "  loses %s\n", l)
	}
	for _, g := range facts.Gained {
		fmt.Fprintf(w, "  gains %s\n", g)
	}
}

type runner struct {
	o     *Options
	dir   directory.Client
	st    *rename.State
	facts *rename.Facts
	ob    *rename.Observed
	steps []rename.StepView
}

func (r *runner) save(n int) error {
	r.st.MarkDone(n, r.o.Now())
	return r.st.Save()
}

// recordDone records operator step n after checking its order and, for the host-del and
// enroll steps, the directory.
func (r *runner) recordDone(n int) error {
	s := r.steps[n-1]
	if s.Who != rename.Operator {
		return cmdutil.InputErrorf("step %d (%s) is done by accessctl itself: run without --step-done", n, s.Title)
	}
	if next := r.st.Next(); next != n {
		if r.st.IsDone(n) {
			return cmdutil.InputErrorf("step %d is already recorded as done (--status shows the progress)", n)
		}
		return cmdutil.InputErrorf("step %d is not the next step: step %d is (or use --from-step %d)", n, next, n)
	}
	if err := r.verify(n); err != nil {
		return err
	}
	return r.save(n)
}

// verify checks what the directory must show after operator step n.
func (r *runner) verify(n int) error {
	switch n {
	case rename.StepHostDel:
		if r.st.Facts == nil || !r.st.IsDone(rename.StepRecord) {
			return &cmdutil.RefusedError{Reason: fmt.Sprintf("the facts about %s are not saved (step %d not done): run with --from-step %d before deleting the host", r.o.Old, rename.StepRecord, rename.StepRecord)}
		}
		if left := rename.Leftovers(r.ob); len(left) > 0 {
			return &cmdutil.RefusedError{Reason: fmt.Sprintf("%s still exists (%s): run `ipa host-del %s` first", r.o.Old, strings.Join(left, ", "), r.o.Old)}
		}
	case rename.StepEnroll:
		if r.ob.New == nil {
			return &cmdutil.RefusedError{Reason: fmt.Sprintf("host %s is not enrolled: run ipa-client-install on it first", r.o.New)}
		}
	}
	return nil
}

func (r *runner) refresh(ctx context.Context) error {
	ob, err := rename.Observe(ctx, r.dir, r.o.Old, r.o.New)
	if err != nil {
		return err
	}
	r.ob = ob
	return nil
}

func (r *runner) run(ctx context.Context) error {
	f := r.o.F
	errOut := f.IO.ErrOut
	for n := r.st.Next(); n <= rename.NumSteps; n = r.st.Next() {
		s := r.steps[n-1]
		switch n {
		case rename.StepRecord:
			r.st.Facts = r.facts
			if err := r.save(n); err != nil {
				return err
			}
			fmt.Fprintf(errOut, "✓ %d. Recorded %d service(s), %d hostgroup(s) and %d rule(s) of %s in %s\n",
				n, len(r.facts.Services), len(r.facts.Hostgroups), len(r.facts.Rules), r.o.Old, r.st.Path())
		case rename.StepServices:
			if r.ob.New == nil {
				return &cmdutil.RefusedError{Reason: fmt.Sprintf("host %s is not enrolled: re-enroll it (step %d) first", r.o.New, rename.StepEnroll)}
			}
			p, err := rename.PlanServices(r.facts, r.ob)
			if err != nil {
				return err
			}
			if !p.Empty() {
				applied, err := cmdutil.RunPlan(ctx, f, r.dir, p, &cmdutil.PlanFlags{Yes: r.o.Yes, Output: "text"})
				if err != nil {
					return fmt.Errorf("step %d (%s): %w; run the same command again to retry", n, s.Title, err)
				}
				if !applied {
					return nil
				}
			}
			if err := r.save(n); err != nil {
				return err
			}
			fmt.Fprintf(errOut, "✓ %d. Services of %s re-created for %s\n", n, r.o.Old, r.o.New)
		case rename.StepHostgroups:
			if err := r.refresh(ctx); err != nil {
				return err
			}
			if d := rename.CheckNew(r.facts, r.ob); len(d) > 0 {
				fmt.Fprintf(errOut, "accessctl: step %d: %s's access differs from what was announced:\n", n, r.o.New)
				for _, l := range d {
					fmt.Fprintf(errOut, "  %s\n", l)
				}
				fmt.Fprintln(errOut, "accessctl: fix it (e.g. ipa automember-rebuild --type=hostgroup) and run the same command again")
				return &cmdutil.FindingsError{Count: len(d)}
			}
			if err := r.save(n); err != nil {
				return err
			}
			fmt.Fprintf(errOut, "✓ %d. %s has the announced hostgroups and rules\n", n, r.o.New)
		default:
			prompt := f.IO.CanPrompt() && f.Prompter != nil
			if prompt {
				s.DoneCommand = "" // asked below instead
			}
			if err := rename.RenderStep(f.IO.Out, s); err != nil {
				return err
			}
			fmt.Fprintln(f.IO.Out)
			if n == rename.StepHostDel && (r.st.Facts == nil || !r.st.IsDone(rename.StepRecord)) {
				return r.verify(n)
			}
			if !prompt {
				fmt.Fprintf(errOut, "accessctl: waiting for step %d; when it is done run: %s\n", n, rename.DoneCommand(r.o.Old, r.o.New, n))
				return nil
			}
			ok, err := f.Prompter.Confirm(ctx, fmt.Sprintf("Step %d done?", n), false)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintf(errOut, "Stopped at step %d; run the same command again to continue.\n", n)
				return nil
			}
			if err := r.refresh(ctx); err != nil {
				return err
			}
			if err := r.verify(n); err != nil {
				return err
			}
			if err := r.save(n); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(errOut, "✓ Rename of %s to %s complete (record: %s)\n", r.o.Old, r.o.New, r.st.Path())
	return nil
}

// StatusView is --status output.
type StatusView struct {
	Old        string       `json:"old" yaml:"old"`
	New        string       `json:"new" yaml:"new"`
	StateFile  string       `json:"state_file" yaml:"state_file"`
	Started    bool         `json:"started" yaml:"started"`
	FactsSaved bool         `json:"facts_saved" yaml:"facts_saved"`
	Next       int          `json:"next" yaml:"next"`
	Complete   bool         `json:"complete" yaml:"complete"`
	Steps      []StepStatus `json:"steps" yaml:"steps"`
}

// StepStatus is one step's progress.
type StepStatus struct {
	N      int    `json:"n" yaml:"n"`
	ID     string `json:"id" yaml:"id"`
	Title  string `json:"title" yaml:"title"`
	Who    string `json:"who" yaml:"who"`
	Done   bool   `json:"done" yaml:"done"`
	DoneAt string `json:"done_at,omitempty" yaml:"done_at,omitempty"`
}

func printStatus(o *Options, st *rename.State) error {
	facts := st.Facts
	if facts == nil {
		facts = &rename.Facts{Old: o.Old, New: o.New}
	}
	v := StatusView{Old: o.Old, New: o.New, StateFile: st.Path(), Started: st.Exists(), FactsSaved: st.Facts != nil,
		Next: st.Next(), Complete: st.Next() > rename.NumSteps}
	for _, s := range rename.Steps(facts) {
		ss := StepStatus{N: s.N, ID: s.ID, Title: s.Title, Who: string(s.Who), Done: st.IsDone(s.N)}
		if ss.Done {
			ss.DoneAt = st.Done[s.N].Format(time.RFC3339)
		}
		v.Steps = append(v.Steps, ss)
	}
	return output.Print(o.F.IO, o.Output.Value, v, func(w io.Writer) error {
		if !v.Started {
			fmt.Fprintf(w, "No rename of %s to %s in progress (state: %s)\n", v.Old, v.New, v.StateFile)
			return nil
		}
		t := &output.Table{Headers: []string{"step", "title", "who", "status"}}
		for _, s := range v.Steps {
			status := "pending"
			switch {
			case s.Done:
				status = "done " + s.DoneAt
			case s.N == v.Next:
				status = "next"
			}
			t.AddRow(fmt.Sprint(s.N), s.Title, s.Who, status)
		}
		return t.Render(o.F.IO, w)
	})
}
