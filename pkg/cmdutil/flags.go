package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/plan"
)

// OutputFlag is -o/--output for read commands: table (default), json, yaml.
type OutputFlag struct{ Value string }

// AddOutputFlag registers -o on cmd.
func AddOutputFlag(cmd *cobra.Command, o *OutputFlag) {
	cmd.Flags().StringVarP(&o.Value, "output", "o", "table", "output format: table, json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"table", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// Validate checks the value.
func (o *OutputFlag) Validate() error {
	switch o.Value {
	case "table", "json", "yaml", "text":
		return nil
	}
	return FlagErrorf("invalid --output %q: want table, json or yaml", o.Value)
}

// Machine reports json/yaml.
func (o *OutputFlag) Machine() bool { return o.Value == "json" || o.Value == "yaml" }

// PlanFlags are the flags every mutating command takes.
type PlanFlags struct {
	DryRun bool
	Yes    bool
	Output string
	Emit   string
}

// AddPlanFlags registers --dry-run, --yes, -o and --emit.
func AddPlanFlags(cmd *cobra.Command, p *PlanFlags, emits ...plan.Format) {
	cmd.Flags().BoolVar(&p.DryRun, "dry-run", false, "print the plan and change nothing")
	cmd.Flags().BoolVarP(&p.Yes, "yes", "y", false, "apply without asking (required off a terminal for removals)")
	cmd.Flags().StringVarP(&p.Output, "output", "o", "text", "plan format: text, json or yaml")
	if len(emits) == 0 {
		emits = []plan.Format{plan.IPA, plan.LDIF, plan.Update}
	}
	names := make([]string, len(emits))
	for i, e := range emits {
		names[i] = string(e)
	}
	cmd.Flags().StringVar(&p.Emit, "emit", "", "print the plan as "+strings.Join(names, ", ")+" instead of applying it")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("emit", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.Annotations = map[string]string{"emits": strings.Join(names, ",")}
}

// Validate checks the plan flags.
func (p *PlanFlags) Validate(cmd *cobra.Command) error {
	switch p.Output {
	case "text", "json", "yaml", "table":
	default:
		return FlagErrorf("invalid --output %q: want text, json or yaml", p.Output)
	}
	// An empty --emit '' is a bad value, not "no --emit": it must not apply the plan.
	if p.Emit != "" || cmd.Flags().Changed("emit") {
		allowed := strings.Split(cmd.Annotations["emits"], ",")
		ok := false
		for _, a := range allowed {
			ok = ok || a == p.Emit
		}
		if !ok {
			return FlagErrorf("invalid --emit %q: want %s", p.Emit, strings.Join(allowed, ", "))
		}
	}
	if p.DryRun && p.Yes {
		return FlagErrorf("--dry-run and --yes cannot be used together")
	}
	return nil
}

// Format returns the plan rendering to print.
func (p *PlanFlags) Format() plan.Format {
	if p.Emit != "" {
		return plan.Format(p.Emit)
	}
	switch p.Output {
	case "json":
		return plan.JSON
	case "yaml":
		return plan.YAML
	}
	return plan.Text
}

// RequireYesOffTerminal refuses a removing command early, before any directory call.
func RequireYesOffTerminal(f *Factory, p *PlanFlags) error {
	if p.DryRun || p.Emit != "" || p.Yes || f.IO.CanPrompt() {
		return nil
	}
	return ErrYesRequired
}
