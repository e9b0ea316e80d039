// Package who implements `accessctl access who HOST`: the users who may log in to and
// sudo on HOST, grouped by rule and group path.
package who

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmd/access/shared"
	"github.com/accessctl/accessctl/pkg/cmd/audit"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `access who`.
type Options struct {
	F    *cmdutil.Factory
	Out  cmdutil.OutputFlag
	From string
	Host string
}

// NewCmdWho builds `access who HOST`; runF replaces the run function in tests.
func NewCmdWho(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "who HOST",
		Short: "List the users who may log in to and sudo on HOST, grouped by rule and group path",
		Example: `  accessctl access who amor01.cp.lsst.org
  accessctl access who amor01.cp.lsst.org --from site.ldif -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Host = args[0]
			if err := o.Out.Validate(); err != nil {
				return err
			}
			h, err := names.Host(o.Host)
			if err != nil {
				return err
			}
			o.Host = h
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return whoRun(cmd.Context(), o)
		},
	}
	shared.AddFlags(cmd, &o.Out, &o.From)
	cmd.ValidArgsFunction = completion.Positional(completion.Hosts(f), nil)
	return cmd
}

func whoRun(ctx context.Context, o *Options) error {
	s, err := audit.Load(ctx, o.F, o.From)
	if err != nil {
		return err
	}
	h, err := shared.FindHost(s, o.Host)
	if err != nil {
		return err
	}
	res := s.Who(h)
	return output.Print(o.F.IO, o.Out.Value, res, func(w io.Writer) error {
		t := &output.Table{Headers: []string{"access", "rule", "user path", "host path", "users"}}
		add := func(kind string, ps []access.Path) {
			for _, p := range ps {
				t.AddRow(kind, p.Rule, shared.Via(p.UserVia, p.UserPath), shared.Via(p.HostVia, p.HostPath), strings.Join(p.Users, " "))
			}
		}
		add("login", res.Login)
		add("sudo", res.Sudo)
		if len(t.Rows) == 0 {
			_, err := fmt.Fprintf(w, "nobody may log in to or sudo on %s\n", res.Host)
			return err
		}
		return t.Render(o.F.IO, w)
	})
}
