// Package ranges implements `accessctl id ranges` (ITTN-010 §6).
package ranges

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `id ranges`.
type Options struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// NewCmdRanges builds `id ranges`.
func NewCmdRanges(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
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
			return runRanges(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// runRanges reads the ID state and prints the table.
func runRanges(ctx context.Context, o *Options) error {
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
	rows := ids.RangeRows(s, conv)
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
