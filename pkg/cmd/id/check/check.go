// Package check implements `accessctl id check` (ITTN-010 §6).
package check

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/ids"
)

// Options are the inputs of `id check`.
type Options struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// NewCmdCheck builds `id check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
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
			return runCheck(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// runCheck reads every ID holder and FreeIPA's ID ranges (two searches) and reports the
// findings of ids.Check, in audit's shape.
func runCheck(ctx context.Context, o *Options) error {
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
