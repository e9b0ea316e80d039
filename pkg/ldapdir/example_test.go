package ldapdir_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir"
)

// Example shows how the CLI wires its flags: servers from --server, else
// /etc/ipa/default.conf (pkg/ipaconf), else DNS SRV; GSSAPI from the ccache or --keytab/--principal.
func Example() {
	ctx := context.Background()
	servers, err := ldapdir.ServersFromSRV(ctx, "example.test", "")
	if err != nil {
		return
	}
	c, err := ldapdir.Dial(ctx, ldapdir.Options{
		Servers:        servers,
		CAFile:         "", // --ca-file; default /etc/ipa/ca.crt
		ConnectTimeout: 3 * time.Second,
		Timeout:        30 * time.Second, // --timeout
		Bind:           ldapdir.GSSAPI{}, // or GSSAPI{Keytab: kt, Principal: p}, or Simple{DN, Password}
		Debug:          os.Stderr,        // only with --debug
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names every server tried; directory.IsAuth(err) → exit 4
		return
	}
	defer c.Close()
	var _ directory.Client = c
	me, _ := c.WhoAmI(ctx)
	fmt.Println(me, c.Server(), c.FailedServers(), c.Ops())
}
