// Package helptopics adds `accessctl help environment|exit-codes|conventions`.
package helptopics

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
)

// Topics returns the help-topic commands.
func Topics(f *cmdutil.Factory) []*cobra.Command {
	topics := []*cobra.Command{
		topic("environment", "Environment variables accessctl reads", environment()),
		topic("exit-codes", "Exit codes of every command", cmdutil.ExitCodeTable),
		conventionsTopic(f),
		connectionTopic(),
	}
	// `accessctl help TOPIC` shows the topic itself, not a usage page for it.
	for _, t := range topics {
		t.SetHelpFunc(func(c *cobra.Command, args []string) {
			if c.RunE != nil {
				if err := c.RunE(c, args); err != nil {
					fmt.Fprintf(c.ErrOrStderr(), "accessctl: %v\n", err)
				}
				return
			}
			c.Run(c, args)
		})
	}
	return topics
}

func topic(name, short, long string) *cobra.Command {
	return &cobra.Command{
		Use: name, Short: short, Long: long,
		Annotations: map[string]string{"helptopic": "true"},
		Hidden:      true,
		Run:         func(c *cobra.Command, _ []string) { fmt.Fprintln(c.OutOrStdout(), c.Long) },
	}
}

// connectionTopic lists the flags every command accepts for reaching and binding to
// the directory (config.Keys), which command help pages leave out.
func connectionTopic() *cobra.Command {
	return &cobra.Command{
		Use: "connection", Short: "Connection, authentication and site flags every command accepts",
		Annotations: map[string]string{"helptopic": "true"}, Hidden: true,
		Run: func(c *cobra.Command, _ []string) {
			w := c.OutOrStdout()
			fmt.Fprintln(w, "Every command accepts these flags; each also has an environment variable (shown) and")
			fmt.Fprintln(w, "a config-file key of the same name (accessctl help environment, accessctl config show).")
			fmt.Fprintln(w)
			global := c.Root().PersistentFlags()
			for _, k := range config.Keys {
				if fl := global.Lookup(k.Name); fl != nil {
					name, usage := pflag.UnquoteUsage(fl)
					fmt.Fprintf(w, "  --%s %s\n      %s\n", fl.Name, name, usage)
				}
			}
		},
	}
}

func environment() string {
	var b strings.Builder
	b.WriteString("Every setting has a flag, a config-file key and an environment variable of the same name.\n")
	b.WriteString("Precedence: flag > environment > ~/.config/accessctl/config.yaml > /etc/ipa/default.conf\n+ /etc/krb5.conf > default.\n\n")
	for _, k := range config.Keys {
		fmt.Fprintf(&b, "  %-26s --%s: %s\n", k.Env, k.Name, k.Help)
	}
	extra := [][2]string{
		{"ACCESSCTL_CONFIG", "path of the config file"},
		{"ACCESSCTL_IPA_CONF", "path of the IPA client config (default /etc/ipa/default.conf)"},
		{"ACCESSCTL_BIND_PASSWORD", "the simple-bind password (with --bind-dn), for automation; never put it in argv"},
		{"ACCESSCTL_DEBUG", "any value: same as --debug"},
		{"ACCESSCTL_PROMPT_DISABLED", "any value: never prompt (removing plans then need --yes)"},
		{"KRB5CCNAME", "Kerberos ticket cache, below --ccache (KCM:, KEYRING:, DIR:, FILE:)"},
		{"KRB5_CONFIG", "Kerberos configuration files, colon-separated, below --krb5-conf (default /etc/krb5.conf)"},
		{"NO_COLOR", "any non-empty value: no colour"},
		{"CLICOLOR_FORCE", "colour even when not on a terminal"},
		{"XDG_STATE_HOME", "base of the state directory (default sandbox, records, runbooks)"},
	}
	for _, e := range extra {
		fmt.Fprintf(&b, "  %-26s %s\n", e[0], e[1])
	}
	return b.String()
}

func conventionsTopic(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use: "conventions", Short: "Explain the active site conventions",
		Annotations: map[string]string{"helptopic": "true"}, Hidden: true,
		RunE: func(c *cobra.Command, _ []string) error {
			conv, err := f.Conventions()
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			n := conv.ClusterNames("<cluster>")
			fmt.Fprintf(w, "Conventions: %s (revision %s)\nSource: %s\n\n", conv.Name, conv.Revision, conv.Source)
			fmt.Fprintf(w, "A cluster is five objects made together:\n  user group (login)  %s\n  user group (sudo)   %s\n  hostgroup           %s\n  HBAC rule           %s  (all services; %s -> %s)\n  sudo rule           %s  (all commands as any user/group; %s -> %s)\n\n",
				n.Group, n.SudoGroup, n.Hostgroup, n.HBACRule, n.Group, n.Hostgroup, n.SudoRule, n.SudoGroup, n.Hostgroup)
			g, r := conv.SudotoNames("<hostgroup>", "<role>")
			fmt.Fprintf(w, "Role accounts: group %s and sudo rule %s (options %s)\n", g, r, strings.Join(conv.Role.SudoOptions, " "))
			fmt.Fprintf(w, "Service bind DNs: %s\n\n", conv.Service.BindDN)
			fmt.Fprintf(w, "IDs: central IDs are >= %d; UID == GID: %v\n", conv.IDs.Minimum, conv.IDs.UIDEqualsGID)
			for _, rg := range conv.IDs.Ranges {
				fmt.Fprintf(w, "  %-12s %d-%d  %s\n", rg.Name, rg.Min, rg.Max, rg.Description)
			}
			fmt.Fprintln(w, "Reserved IDs:")
			for _, rs := range conv.IDs.Reservations {
				name := rs.Name
				if name == "" {
					name = "(" + rs.Note + ")"
				}
				fmt.Fprintf(w, "  %d  %s\n", rs.ID, name)
			}
			fmt.Fprintf(w, "\nHostgroup membership comes only from automember rules on %q, all or nothing.\n", conv.Automember.Key)
			return nil
		},
	}
}
