package cmdutil

import (
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/realm"
)

// ResolveRealm is the Kerberos realm a command writes into principals: the directory's
// (dirRealm, from cn=REALM,cn=kerberos), else the configured one (pkg/realm). A realm set
// by --realm, ACCESSCTL_REALM or the config file that disagrees with the directory's is bad
// input (exit 2).
func ResolveRealm(f *Factory, dirRealm string) (string, error) {
	var configured config.Value
	if f.Config != nil {
		if cfg, err := f.Config(); err == nil {
			configured, _ = cfg.Lookup("realm")
		}
	}
	r, err := realm.Resolve(dirRealm, configured)
	if err != nil {
		return "", InputError(err)
	}
	return r, nil
}
