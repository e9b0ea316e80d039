// Package show implements `accessctl host show`.
package show

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Options are the inputs of `host show`.
type Options struct {
	F      *cmdutil.Factory
	FQDN   string
	Output cmdutil.OutputFlag
}

// View is the output.
type View struct {
	FQDN        string       `json:"fqdn" yaml:"fqdn"`
	DN          string       `json:"dn" yaml:"dn"`
	Description string       `json:"description,omitempty" yaml:"description,omitempty"`
	Locality    string       `json:"locality,omitempty" yaml:"locality,omitempty"`
	Hostgroups  []Membership `json:"hostgroups" yaml:"hostgroups"`
}

// Membership is one hostgroup of the host and why.
type Membership struct {
	Hostgroup string `json:"hostgroup" yaml:"hostgroup"`
	// Member is true when the host's memberOf lists the hostgroup.
	Member bool `json:"member" yaml:"member"`
	// Condition is the rule condition that admits the host ("" when none does).
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
	// Status: "by rule", "not matched by its rule", "no automember rule", or "pending"
	// (the rule matches, the host is not a member yet: run automember rebuild).
	Status string `json:"status" yaml:"status"`
}

// NewCmdShow builds the command; runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "show FQDN",
		Short:   "Show a host's hostgroups (memberOf) and the automember condition behind each",
		Example: `  accessctl host show at-hcu01.cp.lsst.org`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			h, err := names.Host(args[0])
			if err != nil {
				return err
			}
			o.FQDN = h
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Output)
	cmd.ValidArgsFunction = completion.Positional(completion.Hosts(f), nil)
	return cmd
}

// Run reads the state and prints the host.
func Run(ctx context.Context, o *Options) error {
	dir, err := o.F.Directory(ctx)
	if err != nil {
		return err
	}
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return err
	}
	h := st.Host(o.FQDN)
	if h == nil {
		return cmdutil.InputErrorf("host %s does not exist", o.FQDN)
	}
	m, err := st.Matcher(nil)
	if err != nil {
		return err
	}
	v := View{FQDN: h.FQDN, DN: h.DN, Description: h.Description, Locality: h.Locality, Hostgroups: []Membership{}}
	matched := map[string]string{}
	for _, r := range m.Hostgroups(h.FQDN) {
		matched[r.Hostgroup] = r.By.String()
	}
	member := map[string]bool{}
	for _, g := range h.MemberOf {
		member[g] = true
		ms := Membership{Hostgroup: g, Member: true, Condition: matched[g], Status: "by rule"}
		switch {
		case st.Rules[g] == nil:
			ms.Status = "no automember rule"
		case ms.Condition == "":
			ms.Status = "not matched by its rule"
		}
		v.Hostgroups = append(v.Hostgroups, ms)
	}
	for _, g := range st.RuleNames() {
		if c, ok := matched[g]; ok && !member[g] {
			v.Hostgroups = append(v.Hostgroups, Membership{Hostgroup: g, Condition: c, Status: "pending"})
		}
	}
	return output.Print(o.F.IO, o.Output.Value, v, func(w io.Writer) error {
		fmt.Fprintf(w, "fqdn:         %s\ndn:           %s\n", v.FQDN, v.DN)
		if v.Description != "" {
			fmt.Fprintf(w, "description:  %s\n", v.Description)
		}
		if v.Locality != "" {
			fmt.Fprintf(w, "locality:     %s\n", v.Locality)
		}
		if len(v.Hostgroups) == 0 {
			fmt.Fprintln(w, "hostgroups:   -")
			return nil
		}
		fmt.Fprintln(w, "hostgroups:")
		for _, ms := range v.Hostgroups {
			line := fmt.Sprintf("  %s  (%s", ms.Hostgroup, ms.Status)
			if ms.Condition != "" {
				line += ": " + ms.Condition
			}
			fmt.Fprintln(w, line+")")
		}
		return nil
	})
}
