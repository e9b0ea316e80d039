package automember

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/plan"
)

// LintOptions are the inputs of `automember lint`.
type LintOptions struct {
	F          *cmdutil.Factory
	Hostgroup  string
	FixEscapes bool
	Plan       cmdutil.PlanFlags
}

// NewCmdLint builds `automember lint`.
func NewCmdLint(f *cmdutil.Factory, runF func(context.Context, *LintOptions) error) *cobra.Command {
	o := &LintOptions{F: f}
	cmd := &cobra.Command{
		Use:   "lint [HOSTGROUP]",
		Short: "Find mistakes in hostgroup automember rules and where membership differs from them",
		Long: `Report, with exit code 5 when there is any finding:
  invalid           a regex outside the PCRE2/RE2 common subset
  unanchored        a pattern without "^" ("eas-hvac" also matches "old-eas-hvac01")
  unescaped-dot     "." in a literal name ("^ts-csc-generic-01.cp.lsst.org$")
  no-match          a condition matching no host
  overlap           hosts matched by two hostgroups' rules (unless the conventions'
                    automember.intended_overlaps lists the pair)
  unassigned        a host no rule matches (without HOSTGROUP)
  unmatched-member  a member its hostgroup's rule does not match
  missing-member    a host the rule matches that is not a member
  no-target         a rule whose hostgroup does not exist
With --fix-escapes, the escaped forms are proposed as a plan (with --dry-run/--yes).`,
		Example: `  accessctl automember lint
  accessctl automember lint auxtel -o json
  accessctl automember lint --fix-escapes --dry-run`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if len(args) == 1 {
				var err error
				if o.Hostgroup, err = hostgroupArg(args[0]); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunLint(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.FixEscapes, "fix-escapes", false, "propose escaped literal dots as a plan")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// RunLint reads the state and reports findings.
func RunLint(ctx context.Context, o *LintOptions) error {
	f := o.F
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	if o.Hostgroup != "" && st.Rules[o.Hostgroup] == nil && st.Hostgroups[o.Hostgroup] == nil {
		return cmdutil.InputErrorf("hostgroup %s does not exist", o.Hostgroup)
	}
	findings, err := st.Lint(hostgroups.LintOptions{Only: o.Hostgroup, IntendedOverlap: conv.IntendedOverlap})
	if err != nil {
		return err
	}
	if o.FixEscapes {
		// Data on stdout is the plan; the findings go to stderr.
		for _, fd := range findings {
			fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", fd.Code, fd.Message)
		}
		p, err := st.FixEscapesPlan(o.Hostgroup)
		if err != nil {
			return domainErr(err)
		}
		applied, err := cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
		if err != nil {
			return err
		}
		if applied {
			if err := verify(ctx, f, dir, nil); err != nil {
				return err
			}
			after, err := hostgroups.Read(ctx, dir)
			if err != nil {
				return err
			}
			if findings, err = after.Lint(hostgroups.LintOptions{Only: o.Hostgroup, IntendedOverlap: conv.IntendedOverlap}); err != nil {
				return err
			}
		}
		if len(findings) > 0 {
			return &cmdutil.FindingsError{Count: len(findings)}
		}
		return nil
	}
	format := o.Plan.Output
	if format == "text" {
		format = "table"
	}
	// The findings audit reports for the same rules (pkg/hostgroups.Findings).
	rep := finding.NewReport(st.Findings(findings))
	if err := cmdutil.PrintFindings(f, format, rep, "no findings"); err != nil {
		return err
	}
	if n := len(rep.Findings); n > 0 {
		return &cmdutil.FindingsError{Count: n}
	}
	return nil
}
