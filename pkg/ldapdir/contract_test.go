package ldapdir

import (
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/directory/directorytest"
)

// TestContract runs the directory contract suite against the live 389-ds, bound with
// GSSAPI as admin over LDAPS.
func TestContract(t *testing.T) {
	l := liveEnv(t)
	directorytest.Run(t, func(t *testing.T) directory.Client {
		o := l.opts(t, l.ldapsURL)
		o.Debug = nil
		return dial(t, o)
	})
}
