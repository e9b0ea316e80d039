// Package service builds `accessctl service binddn create|list|rotate|delete`
// (ITTN-010 §7.3).
package service

import (
	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/service/binddn/create"
	"github.com/accessctl/accessctl/pkg/cmd/service/binddn/delete"
	"github.com/accessctl/accessctl/pkg/cmd/service/binddn/list"
	"github.com/accessctl/accessctl/pkg/cmd/service/binddn/rotate"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// NewCmdService is the `service` noun.
func NewCmdService(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "service",
		Short:   "Service accounts that bind to the directory (ITTN-010 §7.3)",
		GroupID: "access",
	}
	bind := &cobra.Command{
		Use:   "binddn",
		Short: "LDAP bind DNs for services such as Foreman and Dex",
		Long: `Some services bind to the directory with a DN and password and cannot use a normal IPA
user (ITTN-010 §7.3). Their bind DNs live at uid=NAME,cn=sysaccounts,cn=etc,SUFFIX with
object classes account and simplesecurityobject (FreeIPA 4.13's sysaccount shape), a
password that never expires (passwordExpirationTime 20380119031407Z) and no idle timeout.

Passwords are generated with crypto/rand and written only to a new 0600 file
(--password-file) or to stdout with --show-password: never to argv, logs or plans (plans
show "<hidden>"). The password file is created and synced before the account is created or
rotated: when it cannot be written, nothing changes. Only entries of that shape are acted
on, whatever the conventions' bind_dn template says.`,
	}
	bind.AddCommand(create.NewCmdCreate(f, nil), list.NewCmdList(f, nil), rotate.NewCmdRotate(f, nil), delete.NewCmdDelete(f, nil))
	cmd.AddCommand(bind)
	return cmd
}
