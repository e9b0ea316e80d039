// Package configcmd implements `accessctl config show`.
package configcmd

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/output"
)

// NewCmdConfig is the `config` noun.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show accessctl's effective configuration", GroupID: "setup"}
	cmd.AddCommand(newCmdShow(f))
	return cmd
}

type showResult struct {
	ConfigFile  string         `json:"config_file" yaml:"config_file"`
	Conventions string         `json:"conventions" yaml:"conventions"`
	Values      []config.Value `json:"values" yaml:"values"`
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print each effective setting and where it came from",
		Long: `Print each effective setting and its source. Precedence, highest first:
flags, ACCESSCTL_* environment variables, ~/.config/accessctl/config.yaml
(ACCESSCTL_CONFIG overrides the path), /etc/ipa/default.conf and /etc/krb5.conf,
built-in defaults. A sandbox chosen by flag or environment wins over any server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			cfg, err := f.Config()
			if err != nil {
				return cmdutil.InputError(err)
			}
			conv, err := f.Conventions()
			if err != nil {
				return err
			}
			if cfg.Get("sandbox") == "" && len(cfg.List("server")) == 0 && len(conv.Servers) == 0 {
				cfg.Set("sandbox", cfg.StateDir()+"/sandbox.ldif", config.FromDerived, "no server configured")
			}
			res := showResult{ConfigFile: cfg.File, Conventions: conv.Source, Values: cfg.All()}
			return output.Print(f.IO, out.Value, res, func(w io.Writer) error {
				t := output.Table{Headers: []string{"setting", "value", "source"}}
				for _, v := range res.Values {
					src := string(v.Source)
					if v.Detail != "" {
						src += " (" + v.Detail + ")"
					}
					t.AddRow(v.Key, v.Value, src)
				}
				t.AddRow("conventions-in-use", conv.Source, "")
				return t.Render(f.IO, w)
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}
