package ldapdir

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/accessctl/accessctl/pkg/ccache"
	"github.com/accessctl/accessctl/pkg/krb5conf"
)

// ErrUnsupportedCCache reports a credential cache type accessctl cannot read
// (KEYRING, MEMORY, API).
var ErrUnsupportedCCache = ccache.ErrUnsupported

// ErrNoTicket is wrapped when the cache holds no usable ticket (none, or expired).
var ErrNoTicket = ccache.ErrNoCredentials

// krbSetup is a logged-in gokrb5 client and what --debug should say about it.
type krbSetup struct {
	client *client.Client
	ccache string // the cache used, as klist names it ("" with a keytab)
	notes  []string
}

// kerberosClient builds the gokrb5 client for a GSSAPI bind from the merged
// Kerberos configuration (krb5conf) and the cache klist would use (ccache).
func kerberosClient(g GSSAPI) (*krbSetup, error) {
	prof, err := krb5conf.LoadDefault(g.Krb5Conf)
	if err != nil {
		return nil, err
	}
	s := &krbSetup{notes: []string{"kerberos configuration: " + strings.Join(prof.Files, ", ")}}
	if len(prof.Files) == 0 {
		s.notes[0] = "kerberos configuration: none of " + strings.Join(prof.Paths, ", ") + " exists"
	}
	cfg := prof.Gokrb5()
	if g.Keytab != "" {
		if g.Principal == "" {
			return s, errors.New("a keytab needs a principal (--principal)")
		}
		kt, err := keytab.Load(g.Keytab)
		if err != nil {
			return s, fmt.Errorf("load keytab %s: %w", g.Keytab, err)
		}
		user, realm, _ := strings.Cut(g.Principal, "@")
		if realm == "" {
			realm = cfg.LibDefaults.DefaultRealm
		}
		cl := client.NewWithKeytab(user, realm, kt, cfg, client.DisablePAFXFAST(true))
		if err := cl.Login(); err != nil {
			return s, fmt.Errorf("kerberos login as %s@%s with keytab %s: %w", user, realm, g.Keytab, err)
		}
		s.client = cl
		return s, nil
	}
	name, from, err := ccache.DefaultName(g.CCache, prof)
	if err != nil {
		return s, err
	}
	cc, err := ccache.Open(name, prof)
	if err != nil {
		return s, err
	}
	defer cc.Close()
	s.ccache = cc.Name()
	s.notes = append(s.notes, fmt.Sprintf("credential cache %s (%s from %s)", cc.Name(), name, from))
	cl, err := clientFromCache(cc, time.Now())
	if err != nil {
		return s, err
	}
	cl.Config = cfg
	s.client = cl
	return s, nil
}

// clientFromCache reads the cache's principal and tickets and checks that its TGT is
// still valid, so that a missing or stale ticket is one clear line, not a KDC error.
func clientFromCache(cc ccache.Cache, now time.Time) (*client.Client, error) {
	runKinit := func() error { return fmt.Errorf("%w in %s; run kinit", ErrNoTicket, cc.Name()) }
	princ, err := cc.Principal()
	if errors.Is(err, ccache.ErrNoCredentials) {
		return nil, runKinit()
	}
	if err != nil {
		return nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	creds, err := cc.Credentials()
	if err != nil {
		return nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	var tgt *ccache.Credential
	for i, c := range creds {
		if c.Server.Realm == princ.Realm && len(c.Server.Components) == 2 &&
			c.Server.Components[0] == "krbtgt" && c.Server.Components[1] == princ.Realm {
			tgt = &creds[i]
			break
		}
	}
	if tgt == nil {
		return nil, runKinit()
	}
	if !tgt.EndTime.After(now) {
		return nil, &expiredError{msg: fmt.Sprintf("the Kerberos ticket of %s in %s expired at %s; run kinit",
			princ, cc.Name(), tgt.EndTime.Local().Format("2006-01-02 15:04:05 MST"))}
	}
	gcc, err := ccache.Gokrb5(princ, creds)
	if err != nil {
		return nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	cl, err := client.NewFromCCache(gcc, nil, client.DisablePAFXFAST(true))
	if err != nil {
		return nil, fmt.Errorf("credential cache %s: %v; run kinit", cc.Name(), err)
	}
	return cl, nil
}

// expiredError is an expired TGT; it is an ErrNoTicket.
type expiredError struct{ msg string }

func (e *expiredError) Error() string        { return e.msg }
func (e *expiredError) Is(target error) bool { return target == ErrNoTicket }
