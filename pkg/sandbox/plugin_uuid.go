package sandbox

import (
	"strings"

	"github.com/google/uuid"

	"github.com/accessctl/accessctl/pkg/directory"
)

// IPA UUID: FreeIPA's ipaUniqueID generator (a 389-ds pre-op plugin of FreeIPA's own).

func (d *Dir) uuidPre(e *entry) {
	if !(e.hasOC("ipaObject") || e.hasOC("ipaAssociation") || d.hasSuperior(e, "ipaAssociation")) {
		return
	}
	if d.suffix != "" && !directory.IsUnder(e.ndn, d.suffix) {
		return
	}
	v := e.get("ipaUniqueID")
	if len(v) > 0 && !strings.EqualFold(v[0], "autogenerate") {
		return
	}
	id, err := uuid.NewUUID()
	if err != nil {
		id = uuid.New()
	}
	u := strings.ToLower(id.String())
	e.set("ipaUniqueID", u)
	avas := rdnAVAsFirst(e.dn)
	if len(avas) == 1 && strings.EqualFold(avas[0][0], "ipaUniqueID") {
		e.dn = avas[0][0] + "=" + u + "," + directory.Parent(e.dn)
		e.ndn = directory.NormalizeDN(e.dn)
	}
}

func (d *Dir) hasSuperior(e *entry, class string) bool {
	for _, o := range e.get("objectClass") {
		for _, s := range d.schema.Superiors(o) {
			if strings.EqualFold(s, class) {
				return true
			}
		}
	}
	return false
}
