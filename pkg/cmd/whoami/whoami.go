// Package whoami implements `accessctl whoami`: bind and report who and where.
package whoami

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/output"
)

type result struct {
	Server        string   `json:"server" yaml:"server"`
	Identity      string   `json:"identity" yaml:"identity"`
	Suffix        string   `json:"suffix" yaml:"suffix"`
	FailedServers []string `json:"failed_servers" yaml:"failed_servers"`
	// CCache is the Kerberos credential cache of the bind, as klist names it.
	CCache string `json:"ccache,omitempty" yaml:"ccache,omitempty"`
	// Rights: what this identity may change (admin, or the groups it is member manager of).
	Rights *ipa.Rights `json:"rights,omitempty" yaml:"rights,omitempty"`
}

// failureReporter is implemented by the LDAP backend.
type failureReporter interface{ FailedServers() []string }

// ccacheReporter is implemented by the LDAP backend.
type ccacheReporter interface{ CCache() string }

// NewCmdWhoami builds the command.
func NewCmdWhoami(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	cmd := &cobra.Command{
		Use:     "whoami",
		Short:   "Bind to the directory and print the server, identity and failed servers",
		GroupID: "setup",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			dir, err := f.Directory(cmd.Context())
			if err != nil {
				return err
			}
			res := result{Server: dir.Describe(), Suffix: dir.Suffix(), FailedServers: []string{}}
			if id, ok := dir.(directory.Identifier); ok {
				if res.Identity, err = id.WhoAmI(cmd.Context()); err != nil {
					return fmt.Errorf("who am i: %w", err)
				}
			}
			if res.Identity != "" {
				r, err := ipa.ReadRights(cmd.Context(), dir, res.Identity)
				if err != nil {
					return err
				}
				res.Rights = &r
			}
			if fr, ok := unwrap(dir).(failureReporter); ok {
				res.FailedServers = append(res.FailedServers, fr.FailedServers()...)
			}
			if cr, ok := unwrap(dir).(ccacheReporter); ok {
				res.CCache = cr.CCache()
			}
			return output.Print(f.IO, out.Value, res, func(w io.Writer) error {
				fmt.Fprintf(w, "server:    %s\nidentity:  %s\nsuffix:    %s\n", res.Server, res.Identity, res.Suffix)
				if res.CCache != "" {
					fmt.Fprintf(w, "ccache:    %s\n", res.CCache)
				}
				if res.Rights != nil {
					fmt.Fprintf(w, "rights:    %s\n", res.Rights)
				}
				for _, s := range res.FailedServers {
					fmt.Fprintf(w, "failed:    %s\n", s)
				}
				return nil
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

func unwrap(c directory.Client) directory.Client {
	for {
		switch w := c.(type) {
		case *directory.Counting:
			c = w.Client
		case *directory.Faulty:
			c = w.Client
		default:
			return c
		}
	}
}
