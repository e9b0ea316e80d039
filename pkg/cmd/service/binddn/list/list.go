// Package list implements `accessctl service binddn list` (ITTN-010 §7.3).
package list

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Options are the inputs of `service binddn list`.
type Options struct {
	F   *cmdutil.Factory
	Out cmdutil.OutputFlag
}

// NewCmdList builds `service binddn list`; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List service bind DNs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runList(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// runList prints the bind DNs.
func runList(ctx context.Context, o *Options) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	list, err := sysaccounts.List(ctx, dir)
	if err != nil {
		return err
	}
	return output.Print(f.IO, o.Out.Value, list, func(w io.Writer) error {
		if len(list) == 0 {
			fmt.Fprintln(w, "no service bind dns")
			return nil
		}
		t := output.Table{Headers: []string{"name", "dn", "password expires", "idle timeout", "locked"}}
		for _, a := range list {
			locked := "no"
			if a.Locked {
				locked = "yes"
			}
			t.AddRow(a.Name, a.DN, a.Expires, a.IdleTimeout, locked)
		}
		return t.Render(f.IO, w)
	})
}
