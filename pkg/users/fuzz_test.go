package users

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
)

// FuzzRecord throws arbitrary files at the record reader and the record check that
// `user reinstate --from` runs: no panic; a record the check accepts restores nothing but
// its own user (every removed value is its DN, in a Restorable attribute); and no error
// quotes the file (a record may be anything the operator points at).
func FuzzRecord(f *testing.F) {
	const suffix = "dc=example,dc=test"
	f.Add([]byte(`{"version":1,"login":"jdoe","dn":"uid=jdoe,cn=users,cn=accounts,dc=example,dc=test","before":{"nsaccountlock":["FALSE"],"memberof":["cn=hvac,cn=groups,cn=accounts,dc=example,dc=test"]},"removed":[{"dn":"cn=hvac,cn=groups,cn=accounts,dc=example,dc=test","kind":"group","name":"hvac","attr":"member","value":"uid=jdoe,cn=users,cn=accounts,dc=example,dc=test"}]}`))
	f.Add([]byte(`{"version":1,"login":"jdoe","dn":"uid=jdoe,cn=users,cn=accounts,dc=example,dc=test","removed":[{"dn":"cn=admins,cn=groups,cn=accounts,dc=example,dc=test","kind":"group","attr":"member","value":"uid=other,cn=users,cn=accounts,dc=example,dc=test"}]}`))
	f.Add([]byte(`{"version":1,"login":"jdoe","dn":"uid=jdoe,cn=users,cn=accounts,dc=example,dc=test","removed":[{"dn":"cn=ipaConfig,cn=etc,dc=example,dc=test","attr":"ipaUserObjectClasses","value":"x"}]}`))
	f.Add([]byte("root:$6$secretsecretsecret:19000:0:99999:7:::\n"))
	f.Add([]byte(`{"version":1,`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "record.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := ReadRecord(path)
		if err == nil {
			err = CheckRecord(r, suffix)
			if err == nil {
				for _, rm := range r.Removed {
					attrs := Restorable[KindOf(rm.DN, suffix)]
					ok := false
					for _, a := range attrs {
						ok = ok || strings.EqualFold(a, rm.Attr)
					}
					if !directory.EqualDN(rm.Value, r.DN) || !ok {
						t.Fatalf("accepted a removal that is not the record's own user in a restorable attribute: %+v", rm)
					}
				}
			}
		}
		if err != nil {
			msg := err.Error()
			for _, line := range bytes.Split(data, []byte("\n")) {
				// A line of the file long enough to be content, not a field name.
				if l := strings.TrimSpace(string(line)); len(l) >= 24 && strings.Contains(msg, l) {
					t.Fatalf("error quotes the file: %q", msg)
				}
			}
		}
	})
}
