package automember

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// TestOptions are the inputs of `automember test`.
type TestOptions struct {
	F      *cmdutil.Factory
	FQDNs  []string
	Output cmdutil.OutputFlag
}

// Landing is where one name lands.
type Landing struct {
	FQDN       string   `json:"fqdn" yaml:"fqdn"`
	Hostgroups []Result `json:"hostgroups" yaml:"hostgroups"`
}

// Result is one rule's verdict on a name.
type Result struct {
	Hostgroup  string `json:"hostgroup" yaml:"hostgroup"`
	Joins      bool   `json:"joins" yaml:"joins"`
	Condition  string `json:"condition,omitempty" yaml:"condition,omitempty"`
	ExcludedBy string `json:"excluded_by,omitempty" yaml:"excluded_by,omitempty"`
}

// NewCmdTest builds `automember test`.
func NewCmdTest(f *cmdutil.Factory, runF func(context.Context, *TestOptions) error) *cobra.Command {
	o := &TestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "test FQDN...",
		Short: "Show which hostgroups each name lands in, through which condition, and which exclusion stops it",
		Long: `For choosing a new host's name: evaluate every hostgroup automember rule against each
name, as the server will when the host is added. Changes nothing.`,
		Example: `  accessctl automember test at-hcu02.cp.lsst.org eas-hvac-02.cp.lsst.org`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			o.FQDNs = nil
			for _, a := range args {
				h, err := names.Host(a)
				if err != nil {
					return err
				}
				o.FQDNs = append(o.FQDNs, h)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunTest(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.Hosts(f)
	return cmd
}

// RunTest reads the rules (one search) and evaluates them.
func RunTest(ctx context.Context, o *TestOptions) error {
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	rules, err := hostgroups.ReadRules(ctx, dir)
	if err != nil {
		return err
	}
	st := hostgroups.New(dir.Suffix(), nil, nil, nil)
	st.Rules = rules
	for _, n := range st.RuleNames() {
		if r := rules[n]; r.Err != nil {
			fmt.Fprintf(o.F.IO.ErrOut, "accessctl: warning: skipped rule %s: %v\n", n, r.Err)
		}
	}
	m, err := st.Matcher(nil)
	if err != nil {
		return err
	}
	out := []Landing{}
	for _, fqdn := range o.FQDNs {
		l := Landing{FQDN: fqdn, Hostgroups: []Result{}}
		for _, r := range m.Explain(fqdn) {
			l.Hostgroups = append(l.Hostgroups, result(r))
		}
		out = append(out, l)
	}
	return output.Print(o.F.IO, o.Output.Value, out, func(w io.Writer) error {
		t := output.Table{Headers: []string{"fqdn", "hostgroup", "result", "condition"}}
		for _, l := range out {
			if len(l.Hostgroups) == 0 {
				t.AddRow(l.FQDN, "-", "no rule matches", "")
			}
			for _, r := range l.Hostgroups {
				if r.Joins {
					t.AddRow(l.FQDN, r.Hostgroup, "joins", r.Condition)
				} else {
					t.AddRow(l.FQDN, r.Hostgroup, "excluded", r.ExcludedBy)
				}
			}
		}
		return t.Render(o.F.IO, w)
	})
}

func result(r automember.MatchResult) Result {
	out := Result{Hostgroup: r.Hostgroup, Joins: r.Matched}
	if r.By != nil {
		out.Condition = r.By.String()
	}
	if r.ExcludedBy != nil {
		out.ExcludedBy = r.ExcludedBy.String()
	}
	return out
}
