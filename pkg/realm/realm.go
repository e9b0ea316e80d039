// Package realm decides the Kerberos realm every command writes into principals and uses to
// find the server's DNA range, from one source (issue 18): the directory's realm container
// (cn=REALM,cn=kerberos,SUFFIX, which FreeIPA's KDC reads), else the configured realm
// (--realm, ACCESSCTL_REALM, the config file, /etc/ipa/default.conf, /etc/krb5.conf, in
// that order of precedence). A realm given explicitly that disagrees with the directory's
// is refused: accessctl would write principals the KDC does not serve.
package realm

import (
	"context"
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
)

// Filter finds the realm container; commands that already search the suffix add it to
// their own filter instead of making a search of their own.
const Filter = "(objectClass=krbRealmContainer)"

// Container is the parent of the realm container, relative to the suffix.
const Container = "cn=kerberos"

// FromEntries returns the realm named by the realm container among entries (the entry
// cn=REALM directly under cn=kerberos,SUFFIX), or "" when there is none.
func FromEntries(entries []*directory.Entry, suffix string) string {
	parent := directory.In(Container, suffix)
	for _, e := range entries {
		if e.HasObjectClass("krbRealmContainer") && directory.EqualDN(directory.Parent(e.DN), parent) {
			return e.First("cn")
		}
	}
	return ""
}

// Read reads the directory's realm (one search; "" when the directory has none).
func Read(ctx context.Context, dir directory.Client) (string, error) {
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(Container, dir.Suffix()),
		Scope: directory.ScopeOne, Filter: Filter, Attributes: []string{"cn", "objectClass"}})
	if directory.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the kerberos realm: %w", err)
	}
	return FromEntries(es, dir.Suffix()), nil
}

// MismatchError: an explicitly configured realm disagrees with the directory's.
type MismatchError struct {
	Directory string       // the directory's realm
	Given     config.Value // the configured one
}

func (e *MismatchError) Error() string {
	from := string(e.Given.Source)
	if e.Given.Detail != "" {
		from = e.Given.Detail
	}
	return fmt.Sprintf("realm %q (from %s) disagrees with the directory's Kerberos realm %q (cn=%s,%s): principals would name a realm the KDC does not serve; drop it or give %s",
		e.Given.Value, from, e.Directory, e.Directory, Container, e.Directory)
}

// Resolve returns the realm to use: the directory's when it has one (dirRealm), else the
// configured one ("" when neither). A realm set by flag, environment or config file that
// differs from the directory's is a *MismatchError; the host files (/etc/ipa/default.conf,
// /etc/krb5.conf) yield to the directory silently.
func Resolve(dirRealm string, configured config.Value) (string, error) {
	if dirRealm == "" {
		return strings.TrimSpace(configured.Value), nil
	}
	given := strings.TrimSpace(configured.Value)
	switch configured.Source {
	case config.FromFlag, config.FromEnv, config.FromFile:
		// Realms are case-sensitive: EXAMPLE.TEST and example.test are two realms.
		if given != "" && given != dirRealm {
			return "", &MismatchError{Directory: dirRealm, Given: configured}
		}
	}
	return dirRealm, nil
}
