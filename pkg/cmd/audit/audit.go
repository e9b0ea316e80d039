// Package audit implements `accessctl audit`: one paged read of the directory (or an LDIF
// snapshot with --from), then every convention check of pkg/audit.
package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
)

// Options are the flags of `audit`.
type Options struct {
	Factory *cmdutil.Factory
	Out     cmdutil.OutputFlag
	Format  string
	FailOn  string
	From    string
}

// NewCmdAudit builds `accessctl audit`; runF replaces the run function in tests.
func NewCmdAudit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "audit [--from FILE] [--fail-on SEVERITY]",
		Short: "Check the whole directory against the site conventions",
		Long: `Read the directory once and report every departure from the conventions: clusters,
automember rules, offboarding residue, IDs, role accounts and sudoto rules, rules naming
users directly, sudo without login, replication conflicts and service bind DNs.

Exits 5 when a finding at or above --fail-on exists. --from audits an LDIF snapshot
(accessctl snapshot, or ldapsearch -LLL output) offline with the same results.`,
		Example: `  accessctl audit
  accessctl audit --fail-on error -o json
  accessctl audit --format markdown > audit.md
  accessctl snapshot site.ldif && accessctl audit --from site.ldif`,
		GroupID: "access",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			switch o.Format {
			case "", "table", "markdown":
			default:
				return cmdutil.FlagErrorf("invalid --format %q: want table or markdown", o.Format)
			}
			if o.FailOn != "none" && audit.Rank(o.FailOn) < 0 {
				return cmdutil.FlagErrorf("invalid --fail-on %q: want info, warning, error or none", o.FailOn)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.Flags().StringVar(&o.Format, "format", "table", "human format: table or markdown (a report)")
	cmd.Flags().StringVar(&o.FailOn, "fail-on", audit.Info, "exit 5 when a finding of this severity or worse exists: info, warning, error or none")
	cmd.Flags().StringVar(&o.From, "from", "", "audit this LDIF snapshot instead of the directory")
	_ = cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"info", "warning", "error", "none"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"table", "markdown"}, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.MarkFlagFilename("from")
	return cmd
}

// Load reads the snapshot: from the LDIF file when from is set, else with one search.
func Load(ctx context.Context, f *cmdutil.Factory, from string) (*access.Snapshot, error) {
	if from != "" {
		s, err := access.ReadFile(from)
		if err != nil {
			return nil, cmdutil.InputError(err)
		}
		return s, nil
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, err
	}
	// A whole-directory read takes seconds at a large site: count entries on a terminal.
	var read atomic.Int64
	stop := f.IO.ProgressFunc(func() string { return fmt.Sprintf("reading the directory: %d entries", read.Load()) })
	defer stop()
	return access.Read(directory.WithProgress(ctx, func(n int) { read.Store(int64(n)) }), dir)
}

// Run is the audit.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	snap, err := Load(ctx, f, o.From)
	if err != nil {
		return err
	}
	rep, err := audit.Run(snap, conv)
	if err != nil {
		return err
	}
	if o.Format == "markdown" && !o.Out.Machine() {
		if err := Markdown(f.IO.StyledOut(), rep); err != nil {
			return err
		}
	} else if err := cmdutil.PrintFindings(f, o.Out.Value, rep, "no findings"); err != nil {
		return err
	}
	if !o.Out.Machine() {
		fmt.Fprintf(f.IO.ErrOut, "%d error(s), %d warning(s), %d info\n", rep.Counts[audit.Error], rep.Counts[audit.Warning], rep.Counts[audit.Info])
	}
	if o.FailOn != "none" {
		if n := rep.AtOrAbove(o.FailOn); n > 0 {
			return &cmdutil.FindingsError{Count: n}
		}
	}
	return nil
}

// Markdown writes the report as a Markdown document, findings grouped by severity.
func Markdown(w io.Writer, rep *audit.Report) error {
	var b strings.Builder
	b.WriteString("# accessctl audit\n\n")
	fmt.Fprintf(&b, "%d error(s), %d warning(s), %d info.\n", rep.Counts[audit.Error], rep.Counts[audit.Warning], rep.Counts[audit.Info])
	for _, sev := range finding.Severities {
		rows := rep.Of(sev)
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%d)\n\n| id | objects | message | fix |\n|---|---|---|---|\n", strings.ToUpper(sev[:1])+sev[1:], len(rows))
		for _, x := range rows {
			fix := ""
			if x.Fix != "" {
				fix = "`" + x.Fix + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.ID, md(strings.Join(x.Objects, ", ")), md(x.Message), fix)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func md(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }
