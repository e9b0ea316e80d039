// Package next implements `accessctl id next` (ITTN-010 §6).
package next

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `id next`.
type Options struct {
	F        *cmdutil.Factory
	Range    string
	Count    int
	Allocate bool
	Out      cmdutil.OutputFlag
}

// Result is what `id next` prints.
type Result struct {
	Range     string `json:"range" yaml:"range"`
	IDs       []int  `json:"ids" yaml:"ids"`
	Allocated bool   `json:"allocated" yaml:"allocated"`
	HighWater int    `json:"high_water" yaml:"high_water"`
	Server    string `json:"server" yaml:"server"`
}

// NewCmdNext builds `id next`.
func NewCmdNext(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
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
			return runNext(cmd.Context(), o)
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

// runNext prints or claims the next IDs.
func runNext(ctx context.Context, o *Options) error {
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
	res := Result{Range: r.Name, Server: dir.Describe()}
	var s *ids.State
	if o.Allocate {
		if err := ids.Designated(dir, cmdutil.Servers(f)); err != nil {
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
