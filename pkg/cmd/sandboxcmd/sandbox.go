// Package sandboxcmd implements `accessctl sandbox init`.
package sandboxcmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// NewCmdSandbox is the `sandbox` noun.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "sandbox", Short: "Create and manage sandbox directory files", GroupID: "setup"}
	cmd.AddCommand(newCmdInit(f))
	return cmd
}

func newCmdInit(f *cmdutil.Factory) *cobra.Command {
	var opts sandbox.InitOptions
	var force bool
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Create a FreeIPA-shaped sandbox directory file",
		Long: `Create an LDIF file (suffix and realm from --suffix and --realm) holding an empty FreeIPA-shaped tree (containers, default
groups, admin user, automember definitions, ID range), or with --demo the users,
hosts, hostgroups and amor cluster of ITTN-010 so every command can be tried.
FILE defaults to --sandbox, then to the sandbox in the state directory.

--force replaces an existing regular file (a symbolic link is written through to its
target, whose mode is kept); a directory, device or FIFO is refused (exit 2), never removed.`,
		Example: "  accessctl sandbox init --demo /tmp/site.ldif\n  accessctl --sandbox /tmp/site.ldif cluster create hvac --desc \"Summit HVAC\"",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return cmdutil.InputError(err)
			}
			path := cfg.Get("sandbox")
			if len(args) == 1 {
				path = args[0]
			}
			if path == "" {
				path = filepath.Join(cfg.StateDir(), "sandbox.ldif")
			}
			if opts.Suffix == "" {
				opts.Suffix = cfg.Get("suffix")
			}
			if opts.Realm == "" {
				opts.Realm = cfg.Get("realm")
			}
			if opts.Realm != "" {
				if err := sandbox.CheckRealm(opts.Realm); err != nil {
					return cmdutil.InputError(err)
				}
			}
			if opts.Suffix != "" {
				if _, err := sandbox.CheckSuffix(opts.Suffix); err != nil {
					return cmdutil.InputError(err)
				}
			}
			if _, err := os.Stat(path); err == nil && !force {
				return cmdutil.InputErrorf("sandbox %s already exists (use --force to replace it)", path)
			}
			// --force replaces a regular file in place (never removes anything: a
			// directory, device or FIFO at path is refused by Init).
			opts.Replace = force
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fmt.Errorf("create sandbox directory: %w", err)
			}
			if err := sandbox.Init(path, opts); err != nil {
				return cmdutil.InputError(fmt.Errorf("create sandbox: %w", err))
			}
			fmt.Fprintln(f.IO.Out, path)
			if f.IO.IsStderrTTY() {
				fmt.Fprintf(f.IO.ErrOut, "✓ Created sandbox %s; use it with --sandbox %s or ACCESSCTL_SANDBOX\n", path, path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.Demo, "demo", false, "add ITTN-010's users, hosts, hostgroups and the amor cluster")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return cmd
}
