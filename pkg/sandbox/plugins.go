// The sandbox emulates the 389-ds plugins FreeIPA relies on, one file each
// (plugin_*.go); under is shared by them.

package sandbox

import (
	"github.com/accessctl/accessctl/pkg/directory"
)

func (d *Dir) under(ndn, rel string) bool {
	return directory.IsUnder(ndn, directory.In(rel, d.suffix))
}
