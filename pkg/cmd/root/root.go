// Package root assembles the accessctl command tree.
package root

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
)

// Groups of commands shown in help.
const (
	GroupAccess = "access"
	GroupSetup  = "setup"
)

// NewCmdRoot builds the root command. flags is filled from the global flags before any
// command runs; the Factory reads it lazily.
func NewCmdRoot(f *cmdutil.Factory, flags *factory.Flags, subcommands ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accessctl",
		Short: "Govern FreeIPA access by the site's conventions",
		Long: `accessctl manages a FreeIPA site's access by its written conventions (ITTN-010):
clusters (user group, sudo group, hostgroup, HBAC and sudo rules made together),
automember hostgroup rules, UID/GID ranges, role accounts, service bind DNs,
offboarding and host renames.

Every command that changes the directory prints a plan first and accepts --dry-run
and --yes. Without a server configured, accessctl works on a sandbox LDIF file.

` + cmdutil.ExitCodeTable,
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if flags.Debug && f.Debug == nil {
				f.Debug = f.IO.ErrOut
			}
			global := cmd.Root().PersistentFlags()
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				if fl.Name == "debug" || global.Lookup(fl.Name) != fl {
					return
				}
				v := fl.Value.String()
				if sv, ok := fl.Value.(pflag.SliceValue); ok {
					v = strings.Join(sv.GetSlice(), ",")
				}
				flags.Set[fl.Name] = v
			})
			return nil
		},
	}
	cmd.SetVersionTemplate("accessctl {{.Version}}\n")
	setUsageTemplate(cmd)
	pf := cmd.PersistentFlags()
	for _, k := range config.Keys {
		help := k.Help
		if k.Env != "" {
			help += fmt.Sprintf(" [$%s]", k.Env)
		}
		if k.List {
			pf.StringSlice(k.Name, nil, help)
		} else if k.Name == "starttls" || k.Name == "insecure" {
			pf.Bool(k.Name, false, help)
		} else {
			pf.String(k.Name, "", help)
		}
	}
	pf.BoolVar(&flags.Debug, "debug", false, "print servers, binds, filters, operation counts and timings on stderr [$ACCESSCTL_DEBUG]")
	for _, name := range []string{"sandbox", "conventions", "ca-file", "keytab", "password-file", "krb5-conf"} {
		_ = cmd.MarkPersistentFlagFilename(name)
	}
	_ = cmd.MarkPersistentFlagDirname("state-dir")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err, ShowUsage: true}
	})
	cmd.AddGroup(&cobra.Group{ID: GroupAccess, Title: "Access commands:"}, &cobra.Group{ID: GroupSetup, Title: "Setup and directory commands:"})
	for _, sub := range subcommands {
		cmd.AddCommand(sub)
	}
	// Cobra adds these two lazily at Execute; made now so that strictArgs sees them.
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	for _, sub := range cmd.Commands() {
		if sub.Name() == "help" {
			sub.Args = knownHelpTopic
		}
	}
	strictArgs(cmd)
	return cmd
}

// knownHelpTopic refuses `accessctl help nosuch` (cobra prints the root usage and
// exits 0).
func knownHelpTopic(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	found, rest, err := c.Root().Find(args)
	if err != nil || found == c.Root() || len(rest) > 0 {
		return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
	}
	return nil
}

// strictArgs makes argument errors usage errors everywhere in the tree. A command
// group without Run would print its help and exit 0 on `accessctl cluster nosuchverb`
// (cobra checks a group's arguments only when it can run), so every group gets
// an Args check that names the unknown subcommand and a RunE that shows the help
// when called bare; every Args error becomes a FlagError (exit 2, usage hint).
func strictArgs(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = unknownSubcommand
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return &cmdutil.FlagError{Err: err, ShowUsage: true}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
}

// unknownSubcommand refuses any argument of a command group, in cobra's own words
// (with its suggestions).
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, set only when it suggests
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	}
	return errors.New(msg)
}

// setUsageTemplate lists the connection, authentication and site flags (every key of
// config.Keys) once, in `accessctl help connection`, instead of under every command:
// a command's help shows its own flags, --debug, and a pointer. They are still
// accepted everywhere, and the man pages keep them.
func setUsageTemplate(cmd *cobra.Command) {
	cobra.AddTemplateFunc("withoutConnectionFlags", withoutConnectionFlags)
	cobra.AddTemplateFunc("hasConnectionFlags", func(fs *pflag.FlagSet) bool {
		return fs.Lookup(config.Keys[0].Name) != nil
	})
	t := cmd.UsageTemplate()
	for _, set := range []string{".LocalFlags", ".InheritedFlags"} {
		t = strings.Replace(t, "{{"+set+".FlagUsages | trimTrailingWhitespaces}}",
			"{{withoutConnectionFlags "+set+" | trimTrailingWhitespaces}}{{if hasConnectionFlags "+set+"}}\n"+connectionPointer+"{{end}}", 1)
	}
	cmd.SetUsageTemplate(t)
}

const connectionPointer = `      (connection, authentication and site flags: accessctl help connection)`

func withoutConnectionFlags(fs *pflag.FlagSet) string {
	connection := map[string]bool{}
	for _, k := range config.Keys {
		connection[k.Name] = true
	}
	keep := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.VisitAll(func(fl *pflag.Flag) {
		if !connection[fl.Name] {
			keep.AddFlag(fl)
		}
	})
	return keep.FlagUsages()
}
