package automember

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/output"
)

// ListOptions are the inputs of `automember list`.
type ListOptions struct {
	F         *cmdutil.Factory
	Hostgroup string
	Output    cmdutil.OutputFlag
}

// RuleView is one rule in `automember list` output.
type RuleView struct {
	Hostgroup  string                      `json:"hostgroup" yaml:"hostgroup"`
	Members    int                         `json:"members" yaml:"members"`
	Matched    int                         `json:"matched" yaml:"matched"`
	Conditions []hostgroups.ConditionCount `json:"conditions" yaml:"conditions"`
	Error      string                      `json:"error,omitempty" yaml:"error,omitempty"`
}

// NewCmdList builds `automember list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list [HOSTGROUP]",
		Short: "List hostgroup automember rules with the number of hosts each condition matches",
		Example: `  accessctl automember list
  accessctl automember list auxtel -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
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
			return RunList(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.Positional(completion.Hostgroups(f), nil)
	return cmd
}

// RunList reads the state and prints the rules.
func RunList(ctx context.Context, o *ListOptions) error {
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	names := st.RuleNames()
	if o.Hostgroup != "" {
		if st.Rules[o.Hostgroup] == nil {
			return cmdutil.InputErrorf("hostgroup %s has no automember rule", o.Hostgroup)
		}
		names = []string{o.Hostgroup}
	}
	counts, err := st.ConditionCounts(names)
	if err != nil {
		return err
	}
	m, err := st.Matcher(nil)
	if err != nil {
		return err
	}
	expected := st.Expected(m)
	views := []RuleView{}
	byName := map[string]int{}
	for _, n := range names {
		v := RuleView{Hostgroup: n, Matched: len(expected[n]), Conditions: []hostgroups.ConditionCount{}}
		if g := st.Hostgroups[n]; g != nil {
			v.Members = len(g.Members)
		}
		if e := st.Rules[n].Err; e != nil {
			v.Error = e.Error()
		}
		byName[n] = len(views)
		views = append(views, v)
	}
	for _, c := range counts {
		v := &views[byName[c.Hostgroup]]
		v.Conditions = append(v.Conditions, c)
	}
	return output.Print(o.F.IO, o.Output.Value, views, func(w io.Writer) error {
		t := output.Table{Headers: []string{"hostgroup", "type", "condition", "hosts"}}
		for _, v := range views {
			for _, c := range v.Conditions {
				n := strconv.Itoa(c.Hosts)
				if c.Hosts < 0 {
					n = "invalid"
				}
				t.AddRow(v.Hostgroup, c.Type, c.Condition, n)
			}
			t.AddRow(v.Hostgroup, "members", fmt.Sprintf("%d (rule matches %d)", v.Members, v.Matched), "")
		}
		return t.Render(o.F.IO, w)
	})
}
