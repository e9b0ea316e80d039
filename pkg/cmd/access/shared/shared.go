// Package shared holds what the access verbs (explain, who, where) share: their common
// flags, the lookups of the user and host named on the command line, and the text
// shapes of group paths and lists.
package shared

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// AddFlags adds the flags every access verb has: -o and --from.
func AddFlags(cmd *cobra.Command, out *cmdutil.OutputFlag, from *string) {
	cmdutil.AddOutputFlag(cmd, out)
	cmd.Flags().StringVar(from, "from", "", "evaluate this LDIF snapshot instead of the directory")
	_ = cmd.MarkFlagFilename("from")
}

// FindUser returns the user uid of s, or an input error (exit 2).
func FindUser(s *access.Snapshot, uid string) (*access.User, error) {
	if u := s.User(uid); u != nil {
		return u, nil
	}
	return nil, cmdutil.InputErrorf("user %q not found", uid)
}

// FindHost returns the host fqdn of s, or an input error (exit 2).
func FindHost(s *access.Snapshot, fqdn string) (*access.Host, error) {
	if h := s.Host(fqdn); h != nil {
		return h, nil
	}
	return nil, cmdutil.InputErrorf("host %q not found", fqdn)
}

// Via prints how a rule reaches a user or host: directly, or through a group path.
func Via(v string, path []string) string {
	if len(path) > 0 {
		return v + " " + strings.Join(path, " > ")
	}
	return v
}

// List joins xs with commas, "-" when empty.
func List(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ", ")
}
