// Package id implements `accessctl id ranges|next|check` (ITTN-010 §6).
package id

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// NewCmdID is the `id` noun.
func NewCmdID(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "id",
		Short: "UID/GID ranges, allocation and checks (ITTN-010 §6)",
		Long: `UIDs and GIDs by the conventions (ITTN-010 §6): every central ID is >= 60001, UID ==
GID, each range has its purpose, and a reserved ID goes only to its named account.
An ID is free only when no entry uses it as a uidNumber or a gidNumber (users, groups,
private groups, staged and preserved users) and it is not reserved.`,
		GroupID: "access",
	}
	cmd.AddCommand(NewCmdRanges(f, nil), NewCmdNext(f, nil), NewCmdCheck(f, nil))
	return cmd
}

// RangesOptions are the inputs of `id ranges`.
type RangesOptions struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// RangeRow is one line of `id ranges`.
type RangeRow struct {
	Name      string `json:"name" yaml:"name"`
	Min       int    `json:"min" yaml:"min"`
	Max       int    `json:"max" yaml:"max"`
	Used      int    `json:"used" yaml:"used"`
	Reserved  int    `json:"reserved" yaml:"reserved"`
	Free      int    `json:"free" yaml:"free"`
	NextFree  int    `json:"next_free" yaml:"next_free"`
	HighWater int    `json:"high_water" yaml:"high_water"`
	// MarkError is set when the range's high-water mark is malformed: nothing can be
	// claimed in the range until it is repaired.
	MarkError string   `json:"high_water_error,omitempty" yaml:"high_water_error,omitempty"`
	Covered   bool     `json:"covered_by_ipa_range" yaml:"covered_by_ipa_range"`
	Fix       []string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// NewCmdRanges builds `id ranges`.
func NewCmdRanges(f *cmdutil.Factory, runF func(context.Context, *RangesOptions) error) *cobra.Command {
	o := &RangesOptions{F: f}
	cmd := &cobra.Command{
		Use:   "ranges",
		Short: "Show each ID range: used, reserved, free, next free, FreeIPA range coverage",
		Long: `For every range of the conventions: how many IDs are used (as a uidNumber or gidNumber),
reserved but unused, and free; the next ID "id next" would give (above the range's
high-water mark: an ID once handed out is never handed out again); and whether FreeIPA
ID ranges (cn=ranges,cn=etc) cover it. An ID outside every FreeIPA ID range gets no SID,
which breaks Kerberos for that account; the "ipa idrange-add" command that fixes it is
printed.`,
		Example: "  accessctl id ranges\n  accessctl id ranges -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunRanges(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// RunRanges reads the ID state and prints the table.
func RunRanges(ctx context.Context, o *RangesOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	s, err := ids.Read(ctx, dir)
	if err != nil {
		return err
	}
	rows := Ranges(s, conv)
	return output.Print(f.IO, o.Out.Value, rows, func(w io.Writer) error {
		t := output.Table{Headers: []string{"range", "ids", "used", "reserved", "free", "next", "high-water", "ipa range"}}
		for _, r := range rows {
			cov := "yes"
			if !r.Covered {
				cov = "NO (no SID)"
			}
			next, hw := "-", "-"
			if r.NextFree > 0 {
				next = strconv.Itoa(r.NextFree)
			} else {
				next = "exhausted"
			}
			if r.HighWater > 0 {
				hw = strconv.Itoa(r.HighWater)
			}
			if r.MarkError != "" {
				next, hw = "-", "MALFORMED"
			}
			t.AddRow(r.Name, fmt.Sprintf("%d-%d", r.Min, r.Max), strconv.Itoa(r.Used), strconv.Itoa(r.Reserved),
				strconv.Itoa(r.Free), next, hw, cov)
		}
		if err := t.Render(f.IO, w); err != nil {
			return err
		}
		for _, r := range rows {
			if r.MarkError != "" {
				fmt.Fprintf(f.IO.ErrOut, "accessctl: warning: %s\n", r.MarkError)
			}
			for _, fix := range r.Fix {
				fmt.Fprintf(w, "fix %s: %s\n", r.Name, fix)
			}
		}
		return nil
	})
}

// Ranges computes the rows of `id ranges`.
func Ranges(s *ids.State, conv *siteconv.Conventions) []RangeRow {
	used := s.Used()
	res := ids.Reservations(conv)
	var rows []RangeRow
	for _, r := range ids.Ranges(conv) {
		hw := s.HighWater(r.Name)
		st := idrange.RangeStats(r, used, res, hw)
		row := RangeRow{Name: r.Name, Min: r.Min, Max: r.Max, Used: st.Used, Reserved: st.Reserved,
			Free: st.Free, NextFree: st.NextFree, HighWater: hw, Covered: idrange.Covered(r, s.IPARanges), Fix: s.FixCommands(r)}
		if err := s.MarkErr(r.Name); err != nil {
			row.MarkError, row.NextFree = err.Error(), 0
		}
		rows = append(rows, row)
	}
	return rows
}

// NextOptions are the inputs of `id next`.
type NextOptions struct {
	F        *cmdutil.Factory
	Range    string
	Count    int
	Allocate bool
	Out      cmdutil.OutputFlag
}

// NextResult is what `id next` prints.
type NextResult struct {
	Range     string `json:"range" yaml:"range"`
	IDs       []int  `json:"ids" yaml:"ids"`
	Allocated bool   `json:"allocated" yaml:"allocated"`
	HighWater int    `json:"high_water" yaml:"high_water"`
	Server    string `json:"server" yaml:"server"`
}

// NewCmdNext builds `id next`.
func NewCmdNext(f *cmdutil.Factory, runF func(context.Context, *NextOptions) error) *cobra.Command {
	o := &NextOptions{F: f}
	cmd := &cobra.Command{
		Use:   "next --range NAME [--count N] [--allocate]",
		Short: "Print (or claim) the next IDs free as both UID and GID in a range",
		Long: `Print the next IDs of a range that are free as both UID and GID: no entry uses them as a
uidNumber or gidNumber (users, groups, private groups, staged and preserved users), no
reservation holds them, and they lie above the range's high-water mark.

With --allocate the IDs are claimed, e.g. for a later "ipa user-add --uid N --gidnumber N":
the range's high-water mark (cn=RANGE,cn=accessctl-idalloc,cn=etc,SUFFIX) moves past them
with a compare-and-swap modify (delete the old value and add the new one in one modify),
so of two concurrent claims only one wins and the other retries with the next IDs. An
ID once claimed is never handed out again, even after its entry is gone: user create,
cluster create and role create choose IDs above the mark, and role create --id refuses
an ID at or below it.

--allocate is refused (exit 2) in a range the server's DNA plugin may assign IDs of (it
overlaps the realm's ID range, <REALM>_id_range): a claim holds no entry, so DNA cannot
see it and would hand the ID out again. There, create the entries with uidNumber -1
(accessctl user create and cluster create do). A high-water mark that is not one decimal
ID is an error (exit 1) that changes nothing: repair it by hand.

Claims go to one designated server, the first configured (--server, config, then the
conventions' servers): a compare-and-swap is atomic on one server only. Multi-master
replication applies the same modify independently on each replica, so two runs claiming
on two servers could both win. When the connection failed over to another server,
--allocate refuses; the read-only form works on any server.`,
		Example: "  accessctl id next --range dm-role\n  accessctl id next --range general --count 3 --allocate",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if o.Range == "" {
				return cmdutil.FlagErrorf("--range is required")
			}
			if o.Count < 1 || o.Count > 1000 {
				return cmdutil.FlagErrorf("invalid --count %d: want 1 to 1000", o.Count)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunNext(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Range, "range", "", "ID range (see accessctl id ranges)")
	cmd.Flags().IntVar(&o.Count, "count", 1, "how many IDs")
	cmd.Flags().BoolVar(&o.Allocate, "allocate", false, "claim the IDs (move the range's high-water mark past them)")
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("range", completion.Ranges(f))
	return cmd
}

// Servers returns the configured servers in order (flags/config, then the conventions).
func Servers(f *cmdutil.Factory) []string {
	if cfg, err := f.Config(); err == nil {
		if s := cfg.List("server"); len(s) > 0 {
			return s
		}
	}
	if conv, err := f.Conventions(); err == nil {
		return conv.Servers
	}
	return nil
}

// CheckClaimServer refuses to apply a plan that moves a high-water mark (claims IDs)
// over a connection to any server but the designated one (see ids.Designated); dry runs
// and emitted plans change nothing and pass.
func CheckClaimServer(f *cmdutil.Factory, dir directory.Client, p *plan.Plan, pf *cmdutil.PlanFlags) error {
	if pf.DryRun || pf.Emit != "" {
		return nil
	}
	for _, c := range p.Pending() {
		if c.Kind == "idmark" {
			return ids.Designated(dir, Servers(f))
		}
	}
	return nil
}

// ExplainClaimRace says why a plan failed when another run moved (or created) a range's
// high-water mark first: the compare-and-swap refused the stale claim, the plan was rolled
// back, and a new run chooses the next free IDs.
func ExplainClaimRace(err error) error {
	var ae *plan.ApplyError
	if errors.As(err, &ae) && (ae.Failed.Kind == "idmark" || ae.Failed.Kind == "idalloc") && ids.IsRace(ae.Err) {
		return fmt.Errorf("%w (another run claimed ids in range %s first: run the command again)", err, ae.Failed.Name)
	}
	return err
}

// RunNext prints or claims the next IDs.
func RunNext(ctx context.Context, o *NextOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	r, err := ids.Range(conv, o.Range)
	if err != nil {
		return cmdutil.InputError(err)
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	res := NextResult{Range: r.Name, Server: dir.Describe()}
	var s *ids.State
	if o.Allocate {
		if err := ids.Designated(dir, Servers(f)); err != nil {
			return err
		}
		a, err := ids.Allocate(ctx, dir, conv, r, o.Count)
		if errors.Is(err, ids.ErrDNAServed) {
			return cmdutil.InputError(err)
		}
		if err != nil {
			return wrapRange(err)
		}
		res.IDs, res.Allocated, res.HighWater = a.IDs, true, a.IDs[len(a.IDs)-1]
		if f.Debug != nil {
			fmt.Fprintf(f.Debug, "debug: claimed %v in %s after %d attempt(s); mark %d -> %d at %s\n", a.IDs, r.Name, a.Attempts, a.Previous, res.HighWater, a.MarkDN)
		}
		if s, err = ids.Read(ctx, dir); err != nil {
			return err
		}
	} else {
		if s, err = ids.Read(ctx, dir); err != nil {
			return err
		}
		if res.IDs, err = s.Next(conv, r, o.Count); err != nil {
			return wrapRange(err)
		}
		res.HighWater = s.HighWater(r.Name)
		if ids.DNAOverlaps(s.Local, r) {
			fmt.Fprintf(f.IO.ErrOut, "accessctl: note: the server's DNA plugin assigns ids of range %s (%s): these are not claimed, and --allocate is refused here; create entries with uidNumber/gidNumber -1\n",
				r.Name, s.Local.Name)
		}
	}
	for _, id := range res.IDs {
		if !s.Covered(id) {
			fmt.Fprintf(f.IO.ErrOut, "accessctl: warning: id %d lies outside every FreeIPA ID range: an account with it gets no SID (fix: %s)\n",
				id, strings.Join(s.FixCommands(r), " && "))
			break
		}
	}
	if o.Allocate && f.IO.IsStderrTTY() {
		fmt.Fprintf(f.IO.ErrOut, "✓ Claimed %d id(s) in %s: never handed out again\n", len(res.IDs), r.Name)
	}
	return output.Print(f.IO, o.Out.Value, res, func(w io.Writer) error {
		for _, id := range res.IDs {
			fmt.Fprintln(w, id)
		}
		return nil
	})
}

func wrapRange(err error) error {
	if _, ok := err.(*idrange.Error); ok {
		return cmdutil.InputError(err)
	}
	return err
}

// CheckOptions are the inputs of `id check`.
type CheckOptions struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// NewCmdCheck builds `id check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	o := &CheckOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Find IDs outside every range, misused reservations, UID != GID and duplicates (exit 5)",
		Long: `Check every uidNumber and gidNumber in the directory against the conventions, with
the same rules and finding ids as ` + "`accessctl audit`" + `:
  id-outside-range    an ID in no range of the conventions
  id-reserved         a reserved ID held by another name than its own
  id-uid-gid          a user whose UID and GID differ (UID == GID is the rule)
  id-duplicate        two users with one UID, two groups with one GID, or a user's UID
                      that is the GID of another group than its own
  id-range-uncovered  IDs of a convention range that no FreeIPA ID range covers
Exits 5 when anything is found.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunCheck(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// RunCheck reads every ID holder and FreeIPA's ID ranges (two searches) and reports the
// findings of ids.Check, in audit's shape.
func RunCheck(ctx context.Context, o *CheckOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	holders, err := ids.ReadHolders(ctx, dir)
	if err != nil {
		return err
	}
	ipaRanges, err := ids.ReadIPARanges(ctx, dir)
	if err != nil {
		return err
	}
	rep := finding.NewReport(ids.Check(holders, ipaRanges, conv))
	if err := cmdutil.PrintFindings(f, o.Out.Value, rep, fmt.Sprintf("no findings in %d id holders", len(holders))); err != nil {
		return err
	}
	if n := len(rep.Findings); n > 0 {
		return &cmdutil.FindingsError{Count: n}
	}
	return nil
}
